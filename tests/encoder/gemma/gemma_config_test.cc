// Gemma 3 config.json parsing: what it accepts and each refusal's message.
#include "encoder/gemma/gemma_config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace kbseek::encoder {
namespace {

nlohmann::json base_config() {
  return nlohmann::json::parse(R"({
    "architectures": ["Gemma3TextModel"], "model_type": "gemma3_text",
    "vocab_size": 262144, "hidden_size": 768, "num_hidden_layers": 3,
    "num_attention_heads": 3, "num_key_value_heads": 1, "head_dim": 256,
    "intermediate_size": 1152, "max_position_embeddings": 2048, "sliding_window": 512,
    "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "rope_local_base_freq": 10000.0,
    "query_pre_attn_scalar": 256, "use_bidirectional_attention": true,
    "hidden_activation": "gelu_pytorch_tanh", "rope_scaling": null,
    "attn_logit_softcapping": null, "final_logit_softcapping": null, "attention_bias": false,
    "layer_types": ["sliding_attention", "sliding_attention", "full_attention"]})");
}

TEST(GemmaConfigTest, ParsesEmbeddingGemmaShapes) {
  auto c = parse_gemma_config(base_config().dump(), "config.json");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->hidden_size, 768);
  EXPECT_EQ(c->num_heads, 3);
  EXPECT_EQ(c->num_kv_heads, 1);
  EXPECT_EQ(c->head_dim, 256);
  EXPECT_EQ(c->intermediate_size, 1152);
  EXPECT_FLOAT_EQ(c->rope_theta, 1e6f);
  EXPECT_FLOAT_EQ(c->rope_local_base_freq, 1e4f);
  EXPECT_EQ(c->sliding, (std::vector<bool>{true, true, false}));
}

// transformers halves a bidirectional model's window (W/2 + 1, exclusive):
// the golden vectors of 900- and 1,800-token passages only match with it.
TEST(GemmaConfigTest, BidirectionalWindowIsHalvedAsTransformersDoes) {
  auto c = parse_gemma_config(base_config().dump(), "config.json");
  ASSERT_TRUE(c.is_ok());
  EXPECT_EQ(c->sliding_window, 257);
}

void expect_refused(nlohmann::json j, const std::string& fragment) {
  auto c = parse_gemma_config(j.dump(), "m/config.json");
  ASSERT_FALSE(c.is_ok()) << "accepted a config that should fail with: " << fragment;
  EXPECT_NE(c.status().message().find("m/config.json"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find(fragment), std::string::npos) << c.status().message();
}

TEST(GemmaConfigTest, RefusalsNameTheFileAndField) {
  auto j = base_config();
  j["use_bidirectional_attention"] = false;
  expect_refused(j, "use_bidirectional_attention");
  j = base_config();
  j["hidden_activation"] = "silu";
  expect_refused(j, "silu");
  j = base_config();
  j["rope_scaling"] = {{"rope_type", "linear"}, {"factor", 8.0}};
  expect_refused(j, "rope_scaling");
  j = base_config();
  j["num_key_value_heads"] = 2;
  expect_refused(j, "num_key_value_heads");
  j = base_config();
  j["layer_types"] = {"sliding_attention"};
  expect_refused(j, "layer_types");
  j = base_config();
  j["layer_types"][0] = "chunked_attention";
  expect_refused(j, "chunked_attention");
  j = base_config();
  j.erase("head_dim");
  expect_refused(j, "head_dim");
}

}  // namespace
}  // namespace kbseek::encoder
