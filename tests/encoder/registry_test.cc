// Registry dispatch on config.json, and open_encoder's refusals.
#include "encoder/registry.h"

#include <gtest/gtest.h>

#include "encoder/encoder.h"
#include "tests/encoder/test_support.h"

namespace kbseek::encoder {
namespace {

TEST(RegistryTest, FindsBertByArchitectureOrModelType) {
  auto by_arch = find_family(R"({"architectures": ["BertModel"]})");
  ASSERT_TRUE(by_arch.is_ok());
  EXPECT_STREQ(by_arch.value()->family, "bert");
  auto by_type = find_family(R"({"architectures": ["SomethingNew"], "model_type": "bert"})");
  ASSERT_TRUE(by_type.is_ok());
  EXPECT_STREQ(by_type.value()->family, "bert");
  EXPECT_EQ(architecture_of_config(R"({"model_type": "bert"})"), "bert");
  EXPECT_EQ(architecture_of_config("not json"), "");
}

TEST(RegistryTest, UnknownArchitectureListsSupported) {
  auto f = find_family(R"({"architectures": ["LlamaForCausalLM"], "model_type": "llama"})");
  ASSERT_FALSE(f.is_ok());
  EXPECT_EQ(f.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(f.status().message().find("LlamaForCausalLM"), std::string::npos);
  EXPECT_NE(f.status().message().find("BertModel"), std::string::npos);
}

TEST(RegistryTest, OpenEncoderRefusesUnverifiedOrMissingFolders) {
  EXPECT_EQ(open_encoder("/nonexistent/model").status().code(), core::StatusCode::kNotFound);
  testing::TempDir dir;
  ASSERT_TRUE(core::write_file_atomic(dir.path() + "/config.json", R"({"model_type": "bert"})").is_ok());
  auto enc = open_encoder(dir.path());
  EXPECT_EQ(enc.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_NE(enc.status().message().find("kbseek model import"), std::string::npos);
}

}  // namespace
}  // namespace kbseek::encoder
