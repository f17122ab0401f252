// Model folders: import writes SHA256SUMS, verify catches a changed byte,
// missing checksums point at `kbseek model import`, listing and resolving;
// GGUF decoder folders (model.gguf, no config.json) likewise.
#include "encoder/model_folder.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "core/sha256.h"
#include "encoder/encoder.h"
#include "tests/encoder/fake_safetensors.h"
#include "tests/encoder/test_support.h"

namespace kbseek::encoder {
namespace {

class ModelFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    src_ = root_ + "/src";
    models_ = root_ + "/models";
    ASSERT_TRUE(core::make_dirs(src_ + "/1_Pooling").is_ok());
    put(src_ + "/config.json", R"({"architectures": ["BertModel"], "model_type": "bert"})");
    put(src_ + "/vocab.txt", "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\n");
    put(src_ + "/1_Pooling/config.json", R"({"pooling_mode_mean_tokens": true})");
    put(src_ + "/pytorch_model.bin", "not copied");
    std::map<std::string, testing::FakeTensor> t;
    t["w"] = {"F32", {2}, testing::f32_bytes({1, 2})};
    put(src_ + "/model.safetensors", testing::make_safetensors(t));
  }
  void put(const std::string& path, const std::string& data) {
    ASSERT_TRUE(core::write_file_atomic(path, data).is_ok()) << path;
  }
  testing::TempDir tmp_;
  std::string root_ = tmp_.path(), src_, models_;
};

TEST_F(ModelFolderTest, ImportWritesChecksumsAndVerifies) {
  auto dir = import_model(src_, models_, "tiny-bert");
  ASSERT_TRUE(dir.is_ok()) << dir.status().to_string();
  EXPECT_EQ(dir.value(), models_ + "/tiny-bert");
  EXPECT_TRUE(core::path_exists(dir.value() + "/1_Pooling/config.json"));
  EXPECT_FALSE(core::path_exists(dir.value() + "/pytorch_model.bin"));
  auto sums = core::read_file(dir.value() + "/SHA256SUMS");
  ASSERT_TRUE(sums.is_ok());
  EXPECT_NE(sums.value().find("  model.safetensors\n"), std::string::npos);
  EXPECT_TRUE(verify_model_folder(dir.value()).is_ok());
  auto fp = model_fingerprint(dir.value());
  ASSERT_TRUE(fp.is_ok());
  EXPECT_EQ(fp.value(), core::sha256_hex(sums.value()));
}

TEST_F(ModelFolderTest, AlteredByteIsCorruptionNamingTheFile) {
  auto dir = import_model(src_, models_, "tiny-bert");
  ASSERT_TRUE(dir.is_ok());
  const std::string weights = dir.value() + "/model.safetensors";
  std::string bytes = core::read_file(weights).value();
  bytes[bytes.size() - 1] ^= 0x01;
  put(weights, bytes);
  core::Status st = verify_model_folder(dir.value());
  EXPECT_EQ(st.code(), core::StatusCode::kCorruption);
  EXPECT_NE(st.message().find(weights), std::string::npos) << st.message();
}

TEST_F(ModelFolderTest, MissingChecksumsSayHowToImport) {
  core::Status st = verify_model_folder(src_);
  EXPECT_EQ(st.code(), core::StatusCode::kFailedPrecondition);
  EXPECT_NE(st.message().find("kbseek model import"), std::string::npos) << st.message();
}

TEST_F(ModelFolderTest, MissingListedFileIsNotFound) {
  auto dir = import_model(src_, models_, "tiny-bert");
  ASSERT_TRUE(dir.is_ok());
  ASSERT_EQ(std::remove((dir.value() + "/vocab.txt").c_str()), 0);
  EXPECT_EQ(verify_model_folder(dir.value()).code(), core::StatusCode::kNotFound);
}

TEST_F(ModelFolderTest, ImportRejectsBadInput) {
  EXPECT_EQ(import_model(src_, models_, "../evil").status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(import_model(root_ + "/nowhere", models_, "x").status().code(), core::StatusCode::kInvalidArgument);
  put(src_ + "/config.json", R"({"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2"})");
  auto unsupported = import_model(src_, models_, "gpt");
  EXPECT_EQ(unsupported.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(unsupported.status().message().find("GPT2LMHeadModel"), std::string::npos);
  EXPECT_FALSE(core::path_exists(models_ + "/gpt"));
}

TEST_F(ModelFolderTest, ImportTwiceIsFailedPrecondition) {
  ASSERT_TRUE(import_model(src_, models_, "tiny-bert").is_ok());
  EXPECT_EQ(import_model(src_, models_, "tiny-bert").status().code(), core::StatusCode::kFailedPrecondition);
}

TEST_F(ModelFolderTest, ListAndResolve) {
  ASSERT_TRUE(import_model(src_, models_, "b-model").is_ok());
  ASSERT_TRUE(import_model(src_, models_, "a-model").is_ok());
  auto list = list_models(models_);
  ASSERT_TRUE(list.is_ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "a-model");
  EXPECT_EQ((*list)[0].architecture, "BertModel");
  EXPECT_TRUE((*list)[0].has_checksums);
  EXPECT_TRUE(list_models(root_ + "/absent").value().empty());

  ASSERT_EQ(setenv("KBSEEK_MODELS", models_.c_str(), 1), 0);
  EXPECT_EQ(default_models_dir(), models_);
  EXPECT_EQ(resolve_model("a-model").value(), models_ + "/a-model");
  EXPECT_EQ(resolve_model(src_).value(), src_);
  auto missing = resolve_model("c-model");
  EXPECT_EQ(missing.status().code(), core::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("a-model, b-model"), std::string::npos) << missing.status().message();
  unsetenv("KBSEEK_MODELS");
  EXPECT_EQ(default_models_dir(), KBSEEK_TEST_MODELS_DIR);
}

// A hand-made GGUF folder: the magic, a version, then filler (no decoder
// reads it; only the bytes and the magic are checked).
class GgufFolderTest : public ModelFolderTest {
 protected:
  void SetUp() override {
    ModelFolderTest::SetUp();
    gguf_src_ = root_ + "/gguf-src";
    ASSERT_TRUE(core::make_dirs(gguf_src_).is_ok());
    put(gguf_src_ + "/model.gguf", std::string("GGUF\x03\0\0\0", 8) + std::string(200, '\x5a'));
    put(gguf_src_ + "/LICENSE.md", "Apache-2.0\n");
    put(gguf_src_ + "/notes.txt", "not copied");
  }
  std::string gguf_src_;
};

TEST_F(GgufFolderTest, ImportWritesChecksumsAndVerifies) {
  EXPECT_TRUE(is_gguf_model_folder(gguf_src_));
  EXPECT_FALSE(is_gguf_model_folder(src_));
  auto dir = import_model(gguf_src_, models_, "tiny-llm");
  ASSERT_TRUE(dir.is_ok()) << dir.status().to_string();
  auto sums = core::read_file(dir.value() + "/SHA256SUMS");
  ASSERT_TRUE(sums.is_ok());
  EXPECT_NE(sums->find("  model.gguf\n"), std::string::npos) << sums.value();
  EXPECT_NE(sums->find("  LICENSE.md\n"), std::string::npos) << sums.value();
  EXPECT_FALSE(core::path_exists(dir.value() + "/notes.txt"));
  EXPECT_TRUE(verify_model_folder(dir.value()).is_ok());
}

TEST_F(GgufFolderTest, ListShowsItsKind) {
  ASSERT_TRUE(import_model(gguf_src_, models_, "tiny-llm").is_ok());
  ASSERT_TRUE(import_model(src_, models_, "tiny-bert").is_ok());
  auto list = list_models(models_);
  ASSERT_TRUE(list.is_ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].kind, ModelKind::kEncoder);
  EXPECT_EQ((*list)[1].name, "tiny-llm");
  EXPECT_EQ((*list)[1].kind, ModelKind::kGguf);
  EXPECT_TRUE((*list)[1].has_checksums);
}

TEST_F(GgufFolderTest, ImportRejectsAFileWithoutTheMagic) {
  put(gguf_src_ + "/model.gguf", "PK\x03\x04 a zip, not a GGUF file");
  auto r = import_model(gguf_src_, models_, "tiny-llm");
  EXPECT_EQ(r.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("model.gguf"), std::string::npos) << r.status().message();
  EXPECT_FALSE(core::path_exists(models_ + "/tiny-llm"));
}

TEST_F(GgufFolderTest, VerifyChecksTheMagicAndThatTheModelIsListed) {
  // Checksums that match but a file that is not GGUF: the magic check catches it.
  const std::string bad = "GGML" + std::string(100, '\0');
  put(gguf_src_ + "/model.gguf", bad);
  put(gguf_src_ + "/SHA256SUMS", core::sha256_hex(bad) + "  model.gguf\n");
  core::Status st = verify_model_folder(gguf_src_);
  EXPECT_EQ(st.code(), core::StatusCode::kCorruption);
  EXPECT_NE(st.message().find("GGUF magic"), std::string::npos) << st.message();
  // A SHA256SUMS that does not list model.gguf leaves the weights unchecked.
  put(gguf_src_ + "/SHA256SUMS", core::sha256_hex("Apache-2.0\n") + "  LICENSE.md\n");
  st = verify_model_folder(gguf_src_);
  EXPECT_EQ(st.code(), core::StatusCode::kCorruption);
  EXPECT_NE(st.message().find("does not list model.gguf"), std::string::npos) << st.message();
}

TEST_F(GgufFolderTest, AlteredByteIsCorruptionNamingTheFile) {
  auto dir = import_model(gguf_src_, models_, "tiny-llm");
  ASSERT_TRUE(dir.is_ok());
  const std::string model = dir.value() + "/model.gguf";
  std::string bytes = core::read_file(model).value();
  bytes.back() ^= 0x01;
  put(model, bytes);
  core::Status st = verify_model_folder(dir.value());
  EXPECT_EQ(st.code(), core::StatusCode::kCorruption);
  EXPECT_NE(st.message().find(model), std::string::npos) << st.message();
}

TEST_F(GgufFolderTest, OpenEncoderRefusesIt) {
  auto dir = import_model(gguf_src_, models_, "tiny-llm");
  ASSERT_TRUE(dir.is_ok());
  auto enc = open_encoder(dir.value());
  EXPECT_EQ(enc.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(enc.status().message().find("not an encoder"), std::string::npos) << enc.status().message();
}

}  // namespace
}  // namespace kbseek::encoder
