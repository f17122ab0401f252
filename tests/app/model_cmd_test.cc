// `kbseek model list|verify|import` through the real binary, on a hand-made
// GGUF decoder folder (model.gguf + LICENSE.md, no config.json).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "tests/app/cli_test_util.h"

namespace kbseek::testing {
namespace {

class ModelCmdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir(std::string("model_cmd_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    src_ = dir_ + "/tiny-llm-src";
    models_ = dir_ + "/models";
    std::filesystem::create_directories(src_);
    std::ofstream(src_ + "/model.gguf", std::ios::binary) << std::string("GGUF\x03\0\0\0", 8) << std::string(64, 'w');
    std::ofstream(src_ + "/LICENSE.md") << "Apache-2.0\n";
  }
  CommandResult model(std::vector<std::string> args) {
    args.insert(args.begin(), "model");
    args.insert(args.end(), {"--models-dir", models_});
    return run_kbseek(args);
  }
  std::string dir_, src_, models_;
};

TEST_F(ModelCmdTest, ImportListAndVerifyAGgufFolder) {
  CommandResult r = model({"import", src_, "--name", "tiny-llm"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(read_text_file(models_ + "/tiny-llm/SHA256SUMS").find("  model.gguf\n"), std::string::npos);

  r = model({"list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("tiny-llm"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("llm (gguf)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("checksummed"), std::string::npos) << r.out;

  r = model({"verify", "tiny-llm"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("ok (llm (gguf)"), std::string::npos) << r.out;
}

TEST_F(ModelCmdTest, VerifyFailsOnAnAlteredGgufNamingTheFile) {
  ASSERT_EQ(model({"import", src_, "--name", "tiny-llm"}).exit_code, 0);
  std::ofstream(models_ + "/tiny-llm/model.gguf", std::ios::app) << "x";
  CommandResult r = model({"verify", "tiny-llm"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find(models_ + "/tiny-llm/model.gguf"), std::string::npos) << r.err;
}

TEST_F(ModelCmdTest, ImportRefusesAFileThatIsNotGguf) {
  std::ofstream(src_ + "/model.gguf", std::ios::binary | std::ios::trunc) << "not a gguf file";
  CommandResult r = model({"import", src_, "--name", "tiny-llm"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("not a GGUF file"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(models_ + "/tiny-llm"));
}

}  // namespace
}  // namespace kbseek::testing
