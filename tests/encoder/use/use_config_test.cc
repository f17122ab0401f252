// parse_use_config: the fields, and errors that name the file and field.
#include "encoder/use/use_config.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace kbseek::encoder {
namespace {

nlohmann::json valid_config() {
  return nlohmann::json::parse(R"({
    "architectures": ["UniversalSentenceEncoderM3"], "model_type": "use-m3",
    "embedding_rows": 128010, "embedding_dim": 512, "ngram_dim": 256,
    "ngram_orders": [[2, 0], [3, 1], [5, 2]], "dnn_dim": 320, "hidden_size": 512,
    "layer_norm_eps": 1e-12, "max_seq_length": 512, "tokenizer_file": "sp.model",
    "bos_id": 1, "eos_id": 2})");
}

TEST(UseConfig, ParsesTheConvertersConfig) {
  auto c = parse_use_config(valid_config().dump(), "config.json");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->embedding_rows, 128010);
  EXPECT_EQ(c->feature_dim(), 512 + 3 * 256);
  ASSERT_EQ(c->ngram_orders.size(), 3u);
  EXPECT_EQ(c->ngram_orders[2].width, 5);
  EXPECT_EQ(c->ngram_orders[2].left, 2);
  EXPECT_FLOAT_EQ(c->layer_norm_eps, 1e-12f);
  EXPECT_EQ(c->tokenizer_file, "sp.model");
}

void expect_error(const nlohmann::json& j, const std::string& needle) {
  auto c = parse_use_config(j.dump(), "m/config.json");
  ASSERT_FALSE(c.is_ok()) << "accepted " << j.dump();
  EXPECT_EQ(c.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("m/config.json"), std::string::npos) << c.status().to_string();
  EXPECT_NE(c.status().message().find(needle), std::string::npos) << c.status().to_string();
}

TEST(UseConfig, RejectsBadFields) {
  auto j = valid_config();
  j.erase("ngram_dim");
  expect_error(j, "\"ngram_dim\"");
  j = valid_config();
  j["ngram_orders"] = {{2, 2}};
  expect_error(j, "0 <= left < n");
  j = valid_config();
  j["max_seq_length"] = 2;
  expect_error(j, "\"max_seq_length\" = 2 is out of range");
  j = valid_config();
  j["bos_id"] = 128010;
  expect_error(j, "\"bos_id\"");
  j = valid_config();
  j["tokenizer_file"] = "../sp.model";
  expect_error(j, "\"tokenizer_file\"");
  j = valid_config();
  j["layer_norm_eps"] = "small";
  expect_error(j, "\"layer_norm_eps\"");
}

TEST(UseConfig, RejectsOtherArchitectures) {
  auto j = valid_config();
  j["architectures"] = {"BertModel"};
  j["model_type"] = "bert";
  expect_error(j, "not a use-m3 model");
  expect_error(nlohmann::json::array(), "not a JSON object");
}

}  // namespace
}  // namespace kbseek::encoder
