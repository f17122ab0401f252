// GemmaEncoder through open_encoder (the registry, the folder check, the
// prompts, tokenizer, model and head together) against sentence-transformers'
// golden vectors, one call for all texts of a kind as the indexer batches them.
#include "encoder/gemma/gemma_encoder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>

#include "tests/encoder/gemma/gemma_test_support.h"

namespace kbseek::encoder {
namespace {

using testing::cosine;

// The fp32 path: the one held to the 0.9999 bar.
Encoder* shared_encoder() {
  static std::unique_ptr<Encoder> enc = [] {
    EncoderOptions opts;
    opts.precision = Precision::kFp32;
    auto e = open_encoder(testing::gemma_dir(), opts);
    EXPECT_TRUE(e.is_ok()) << e.status().to_string();
    return e.is_ok() ? std::move(e).value() : nullptr;
  }();
  return enc.get();
}

class EmbeddingGemmaEncoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(testing::require_gemma());
    ASSERT_NE(shared_encoder(), nullptr);
  }
};

TEST_F(EmbeddingGemmaEncoderTest, TextsToGoldenVectorsInOneBatchPerKind) {
  Encoder* enc = shared_encoder();
  EXPECT_EQ(enc->dimension(), 768);
  EXPECT_EQ(enc->max_tokens(), 2048);
  const auto rows = testing::read_jsonl(testing::data_dir() + "/gemma_golden.jsonl");
  for (InputKind kind : {InputKind::kQuery, InputKind::kPassage}) {
    const std::string name = kind == InputKind::kQuery ? "query" : "passage";
    std::vector<std::string> texts;
    std::vector<std::vector<float>> want;
    for (const auto& r : rows) {
      if (r["kind"] != name) continue;
      texts.push_back(r["text"].get<std::string>());
      want.push_back(r["embedding"].get<std::vector<float>>());
      auto ids = static_cast<GemmaEncoder*>(enc)->input_ids(texts.back(), kind);
      ASSERT_TRUE(ids.is_ok());
      EXPECT_EQ(ids.value(), r["ids"].get<std::vector<int32_t>>()) << name << ": " << texts.back().substr(0, 60);
    }
    ASSERT_GE(texts.size(), 20u);
    std::vector<float> got(texts.size() * 768);
    core::Status st = enc->encode(texts, kind, got.data());
    ASSERT_TRUE(st.is_ok()) << st.to_string();
    for (size_t i = 0; i < texts.size(); ++i) {
      EXPECT_GE(cosine(got.data() + i * 768, want[i].data(), 768), 0.9999) << name << ": " << texts[i].substr(0, 60);
    }
  }
}

// A reduced-precision path against the reference: within the 0.999 bar on
// every golden vector, the long ones too, and not secretly fp32.
void expect_within_reduced_bar(Precision precision, const char* name) {
  EncoderOptions opts;
  opts.verify_checksums = false;
  opts.precision = precision;
  auto enc = open_encoder(testing::gemma_dir(), opts);
  if (!enc.is_ok() && enc.status().message().find(" has no ") != std::string::npos) {
    GTEST_SKIP() << enc.status().message();
  }
  ASSERT_TRUE(enc.is_ok()) << enc.status().to_string();
  const auto rows = testing::read_jsonl(testing::data_dir() + "/gemma_golden.jsonl");
  double worst = 1;
  for (const auto& r : rows) {
    std::vector<float> got(768);
    const InputKind kind = r["kind"] == "query" ? InputKind::kQuery : InputKind::kPassage;
    ASSERT_TRUE(enc.value()->encode({r["text"].get<std::string>()}, kind, got.data()).is_ok());
    const auto want = r["embedding"].get<std::vector<float>>();
    const double cos = cosine(got.data(), want.data(), 768);
    EXPECT_GE(cos, 0.999) << name << ": " << r["text"].get<std::string>().substr(0, 60);
    EXPECT_LT(cos, 0.9999999) << name << " gave the fp32 result: are the products really " << name << "?";
    worst = std::min(worst, cos);
  }
  std::printf("%s: worst cosine over %zu golden vectors: %.6f\n", name, rows.size(), worst);
}

// The bf16 products (where the CPU has AVX512-BF16).
TEST_F(EmbeddingGemmaEncoderTest, Bf16ProductsStayWithinTheReducedPrecisionBar) {
  expect_within_reduced_bar(Precision::kBf16, "bf16");
}

// The int8 products: the VNNI kernel's 128-value blocks where the CPU has
// it (gemma_model_test covers the Q8_0 form too).
TEST_F(EmbeddingGemmaEncoderTest, Int8ProductsStayWithinTheReducedPrecisionBar) {
  expect_within_reduced_bar(Precision::kInt8, "int8");
}

TEST_F(EmbeddingGemmaEncoderTest, UnknownPrecisionInTheEnvironmentIsRefusedByName) {
  ::setenv("KBSEEK_PRECISION", "fp8", 1);
  EncoderOptions opts;
  opts.verify_checksums = false;
  auto enc = open_encoder(testing::gemma_dir(), opts);
  ::unsetenv("KBSEEK_PRECISION");
  ASSERT_FALSE(enc.is_ok());
  EXPECT_NE(enc.status().message().find("KBSEEK_PRECISION=fp8"), std::string::npos) << enc.status().to_string();
  EXPECT_NE(enc.status().message().find("int8"), std::string::npos) << enc.status().to_string();
}

TEST_F(EmbeddingGemmaEncoderTest, QueryAndPassagePromptsDiffer) {
  Encoder* enc = shared_encoder();
  std::vector<float> q(768), p(768);
  ASSERT_TRUE(enc->encode({"数据库怎么恢复"}, InputKind::kQuery, q.data()).is_ok());
  ASSERT_TRUE(enc->encode({"数据库怎么恢复"}, InputKind::kPassage, p.data()).is_ok());
  EXPECT_LT(cosine(q.data(), p.data(), 768), 0.99);
}

TEST_F(EmbeddingGemmaEncoderTest, MatryoshkaDimensionThroughOptions) {
  EncoderOptions opts;
  opts.verify_checksums = false;  // verified once by shared_encoder()
  opts.precision = Precision::kFp32;
  opts.dimension = 256;
  auto small = open_encoder(testing::gemma_dir(), opts);
  ASSERT_TRUE(small.is_ok()) << small.status().to_string();
  EXPECT_EQ(small.value()->dimension(), 256);
  std::vector<float> full(768), cut(256);
  ASSERT_TRUE(
      shared_encoder()->encode({"Berlin is the capital of Germany."}, InputKind::kPassage, full.data()).is_ok());
  ASSERT_TRUE(small.value()->encode({"Berlin is the capital of Germany."}, InputKind::kPassage, cut.data()).is_ok());
  EXPECT_GE(cosine(full.data(), cut.data(), 256), 0.999999);
  opts.dimension = 300;
  auto odd = open_encoder(testing::gemma_dir(), opts);
  ASSERT_FALSE(odd.is_ok());
  EXPECT_NE(odd.status().message().find("Matryoshka"), std::string::npos) << odd.status().message();
}

TEST_F(EmbeddingGemmaEncoderTest, TruncatesLikeSentenceTransformers) {
  auto* enc = static_cast<GemmaEncoder*>(shared_encoder());
  std::string longest;
  for (int i = 0; i < 3000; ++i) longest += "数据 ";
  auto ids = enc->input_ids(longest, InputKind::kPassage);
  ASSERT_TRUE(ids.is_ok());
  ASSERT_EQ(ids.value().size(), 2048u);
  EXPECT_EQ(ids.value().front(), 2);  // <bos>
  EXPECT_EQ(ids.value().back(), 1);   // <eos>
  std::vector<float> v(768);
  EXPECT_TRUE(enc->encode({longest}, InputKind::kPassage, v.data()).is_ok());
  auto bad = enc->encode({"ok", "bad \xff"}, InputKind::kQuery, v.data());
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.message().find("texts[1]"), std::string::npos) << bad.message();
}

}  // namespace
}  // namespace kbseek::encoder
