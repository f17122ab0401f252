// config.json and sentence-transformers settings parsing, and pooling.
#include "encoder/bert_config.h"

#include <gtest/gtest.h>

#include <cmath>

#include "encoder/pooling.h"
#include "tests/encoder/test_support.h"

namespace kbseek::encoder {
namespace {

const char* kConfig = R"({"vocab_size": 100, "hidden_size": 8, "num_hidden_layers": 2,
  "num_attention_heads": 2, "intermediate_size": 16, "max_position_embeddings": 32,
  "type_vocab_size": 2, "layer_norm_eps": 1e-5, "hidden_act": "gelu"})";

TEST(BertConfigTest, ParsesFields) {
  auto c = parse_bert_config(kConfig, "config.json");
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_EQ(c->hidden_size, 8);
  EXPECT_EQ(c->head_dim(), 4);
  EXPECT_FLOAT_EQ(c->layer_norm_eps, 1e-5f);
}

TEST(BertConfigTest, ErrorsNameFileAndField) {
  auto missing = parse_bert_config(R"({"vocab_size": 100})", "m/config.json");
  EXPECT_EQ(missing.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("m/config.json: field \"hidden_size\""), std::string::npos)
      << missing.status().message();
  std::string tanh = kConfig;
  tanh.replace(tanh.find("\"gelu\""), 6, "\"gelu_new\"");
  EXPECT_NE(parse_bert_config(tanh, "c").status().message().find("gelu_new"), std::string::npos);
  EXPECT_EQ(parse_bert_config("[]", "c").status().code(), core::StatusCode::kInvalidArgument);
}

TEST(BertConfigTest, SentenceConfigFromFiles) {
  testing::TempDir dir;
  ASSERT_TRUE(core::make_dirs(dir.path() + "/1_Pooling").is_ok());
  ASSERT_TRUE(core::write_file_atomic(dir.path() + "/sentence_bert_config.json", R"({"max_seq_length": 64})").is_ok());
  ASSERT_TRUE(
      core::write_file_atomic(dir.path() + "/1_Pooling/config.json", R"({"pooling_mode_cls_token": true})").is_ok());
  ASSERT_TRUE(core::write_file_atomic(dir.path() + "/config_sentence_transformers.json",
                                      R"({"prompts": {"query": "query: ", "passage": "passage: "}})")
                  .is_ok());
  auto bert = parse_bert_config(kConfig, "c").value();
  auto s = load_sentence_config(dir.path(), bert.max_position_embeddings);
  ASSERT_TRUE(s.is_ok()) << s.status().to_string();
  EXPECT_EQ(s->max_seq_length, 32) << "clamped to max_position_embeddings";
  EXPECT_EQ(s->pooling, Pooling::kCls);
  EXPECT_EQ(s->query_prefix, "query: ");
  EXPECT_EQ(s->passage_prefix, "passage: ");
  auto defaults = load_sentence_config(dir.path() + "/absent", bert.max_position_embeddings);
  ASSERT_TRUE(defaults.is_ok());
  EXPECT_EQ(defaults->pooling, Pooling::kMean);
}

TEST(PoolingTest, MeanClsMaxThenUnitLength) {
  const float hidden[] = {3, 0, 1, 4};  // two rows of dim 2
  float out[2];
  pool_and_normalize(hidden, 2, 2, Pooling::kMean, out);
  EXPECT_NEAR(out[0], 2 / std::sqrt(2 * 2 + 2 * 2.0), 1e-6);
  EXPECT_NEAR(out[0], out[1], 1e-6);
  pool_and_normalize(hidden, 2, 2, Pooling::kCls, out);
  EXPECT_FLOAT_EQ(out[0], 1.0f);
  EXPECT_FLOAT_EQ(out[1], 0.0f);
  pool_and_normalize(hidden, 2, 2, Pooling::kMax, out);
  EXPECT_NEAR(out[0], 0.6f, 1e-6);
  EXPECT_NEAR(out[1], 0.8f, 1e-6);
  const float zero[] = {0, 0};
  pool_and_normalize(zero, 1, 2, Pooling::kMean, out);
  EXPECT_EQ(out[0], 0.0f);
}

}  // namespace
}  // namespace kbseek::encoder
