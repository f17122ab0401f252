// GemmaModel + GemmaHead against sentence-transformers' EmbeddingGemma on the
// reference's own token ids (tests/data/encoder/gemma_golden.jsonl, written by
// gen_gemma_golden.py), so these tests check the forward pass alone.
#include "encoder/gemma/gemma_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "core/file_util.h"
#include "encoder/gemma/gemma_head.h"
#include "tests/encoder/gemma/gemma_test_support.h"

namespace kbseek::encoder {
namespace {

using testing::cosine;
using testing::gemma_dir;

struct Loaded {
  GemmaConfig config;
  std::unique_ptr<GemmaModel> model;
  GemmaHead head;
};

// One load for the suite (~400 MB of weights).
const Loaded& loaded() {
  static Loaded* l = [] {
    auto* out = new Loaded();
    const std::string dir = gemma_dir();
    auto text = core::read_file(dir + "/config.json");
    EXPECT_TRUE(text.is_ok()) << text.status().to_string();
    if (!text.is_ok()) return out;
    out->config = parse_gemma_config(text.value(), dir + "/config.json").value();
    auto weights = SafetensorsFile::open(dir + "/model.safetensors");
    EXPECT_TRUE(weights.is_ok()) << weights.status().to_string();
    auto model =
        GemmaModel::load(std::move(weights).value(), out->config, kernels::cpu_backend(), kernels::WeightFormat::kF32);
    EXPECT_TRUE(model.is_ok()) << model.status().to_string();
    if (model.is_ok()) out->model = std::move(model).value();
    auto modules = load_dense_modules(dir, out->config.hidden_size);
    EXPECT_TRUE(modules.is_ok()) << modules.status().to_string();
    auto head = GemmaHead::load(dir, modules.value(), out->config.hidden_size);
    EXPECT_TRUE(head.is_ok()) << head.status().to_string();
    if (head.is_ok()) out->head = std::move(head).value();
    return out;
  }();
  return *l;
}

std::vector<nlohmann::json> golden() { return testing::read_jsonl(testing::data_dir() + "/gemma_golden.jsonl"); }

// Embeds packed sequences: out[b * dim ...].
std::vector<float> embed(const std::vector<std::vector<int32_t>>& seqs, int dim) {
  const Loaded& l = loaded();
  std::vector<int32_t> ids;
  std::vector<int> offsets{0};
  for (const auto& s : seqs) {
    ids.insert(ids.end(), s.begin(), s.end());
    offsets.push_back(static_cast<int>(ids.size()));
  }
  const int h = l.config.hidden_size;
  std::vector<float> hidden(ids.size() * h), out(seqs.size() * dim);
  core::Status st = l.model->forward(ids.data(), offsets.data(), static_cast<int>(seqs.size()), hidden.data());
  EXPECT_TRUE(st.is_ok()) << st.to_string();
  for (size_t b = 0; b < seqs.size(); ++b) {
    l.head.apply(hidden.data() + static_cast<size_t>(offsets[b]) * h, offsets[b + 1] - offsets[b], dim,
                 out.data() + b * dim);
  }
  return out;
}

class EmbeddingGemmaModelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(testing::require_gemma());
    ASSERT_NE(loaded().model, nullptr);
  }
};

TEST_F(EmbeddingGemmaModelTest, MatchesSentenceTransformersOnTheirIds) {
  const auto rows = golden();
  ASSERT_GE(rows.size(), 50u);
  double worst = 1;
  size_t longest = 0;
  for (const auto& r : rows) {
    const auto ids = r["ids"].get<std::vector<int32_t>>();
    const auto want = r["embedding"].get<std::vector<float>>();
    ASSERT_EQ(want.size(), 768u);
    const auto got = embed({ids}, 768);
    const double cos = cosine(got.data(), want.data(), 768);
    EXPECT_GE(cos, 0.9999) << r["kind"] << " " << ids.size()
                           << " tokens: " << r["text"].get<std::string>().substr(0, 60);
    worst = std::min(worst, cos);
    longest = std::max(longest, ids.size());
  }
  // The long passages are what check the sliding window (257 each way).
  EXPECT_GT(longest, 1500u);
  std::printf("worst cosine over %zu golden vectors: %.7f\n", rows.size(), worst);
}

TEST_F(EmbeddingGemmaModelTest, PackedBatchEqualsOneAtATime) {
  const auto rows = golden();
  std::vector<std::vector<int32_t>> seqs;
  for (size_t i = 0; i < 12; ++i) seqs.push_back(rows[i * 3]["ids"].get<std::vector<int32_t>>());
  const auto packed = embed(seqs, 768);
  for (size_t b = 0; b < seqs.size(); ++b) {
    const auto alone = embed({seqs[b]}, 768);
    EXPECT_GE(cosine(packed.data() + b * 768, alone.data(), 768), 0.99999) << "sequence " << b;
  }
}

// Matryoshka: the first `dim` components, renormalised; unit length.
TEST_F(EmbeddingGemmaModelTest, MatryoshkaTruncationIsTheRenormalisedPrefix) {
  const auto ids = golden()[0]["ids"].get<std::vector<int32_t>>();
  const auto full = embed({ids}, 768);
  for (int dim : {512, 256, 128}) {
    const auto cut = embed({ids}, dim);
    double norm = 0;
    for (int i = 0; i < dim; ++i) norm += static_cast<double>(cut[i]) * cut[i];
    EXPECT_NEAR(norm, 1.0, 1e-5) << dim;
    EXPECT_GE(cosine(cut.data(), full.data(), dim), 0.999999) << dim;
  }
}

TEST_F(EmbeddingGemmaModelTest, RejectsBadIdsAndLengths) {
  const Loaded& l = loaded();
  std::vector<float> hidden(4 * 768);
  const int32_t bad[] = {2, 262144, 1};
  const int offsets[] = {0, 3};
  core::Status st = l.model->forward(bad, offsets, 1, hidden.data());
  EXPECT_EQ(st.code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("262144"), std::string::npos) << st.message();
  std::vector<int32_t> too_long(2049, 100);
  std::vector<float> big(too_long.size() * 768);
  const int long_offsets[] = {0, 2049};
  st = l.model->forward(too_long.data(), long_offsets, 1, big.data());
  EXPECT_EQ(st.code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("2049"), std::string::npos) << st.message();
}

// Both int8 weight forms on the CPU: the VNNI kernel's 128-value blocks
// (what Precision::kInt8 picks here) and ggml Q8_0 blocks (what it picks on a
// backend without int8 weights), each within the reduced-precision bar of
// the reference on a packed batch of golden sequences (index 42, a 22-token
// Chinese query, is the one that fell below the bar with 128-value blocks).
TEST_F(EmbeddingGemmaModelTest, Int8WeightFormsStayWithinTheReducedBar) {
  const Loaded& l = loaded();
  const auto rows = golden();
  for (const kernels::WeightFormat f : {kernels::WeightFormat::kInt8, kernels::WeightFormat::kQuantized}) {
    const char* name = kernels::weight_format_name(f);
    if (f == kernels::WeightFormat::kInt8 && !kernels::cpu_backend()->supports_weights(f)) {
      std::printf("int8 weights skipped: the CPU lacks AVX512-VNNI\n");
      continue;
    }
    auto weights = SafetensorsFile::open(gemma_dir() + "/model.safetensors");
    ASSERT_TRUE(weights.is_ok()) << weights.status().to_string();
    auto model = GemmaModel::load(std::move(weights).value(), l.config, kernels::cpu_backend(), f);
    ASSERT_TRUE(model.is_ok()) << name << ": " << model.status().to_string();
    EXPECT_EQ(model.value()->weight_format(), f);
    std::vector<int32_t> ids;
    std::vector<int> offsets{0};
    std::vector<size_t> picked;
    for (size_t i = 2; i < rows.size() && picked.size() < 9; i += 5) {
      const auto seq = rows[i]["ids"].get<std::vector<int32_t>>();
      if (seq.size() > 600) continue;
      ids.insert(ids.end(), seq.begin(), seq.end());
      offsets.push_back(static_cast<int>(ids.size()));
      picked.push_back(i);
    }
    const int h = l.config.hidden_size;
    std::vector<float> hidden(ids.size() * h), out(768);
    ASSERT_TRUE(
        model.value()->forward(ids.data(), offsets.data(), static_cast<int>(picked.size()), hidden.data()).is_ok());
    double worst = 1;
    for (size_t b = 0; b < picked.size(); ++b) {
      l.head.apply(hidden.data() + static_cast<size_t>(offsets[b]) * h, offsets[b + 1] - offsets[b], 768, out.data());
      const auto want = rows[picked[b]]["embedding"].get<std::vector<float>>();
      const double cos = cosine(out.data(), want.data(), 768);
      EXPECT_GE(cos, 0.999) << name << " sequence " << picked[b];
      EXPECT_LT(cos, 0.9999999) << name << " gave the fp32 result";
      worst = std::min(worst, cos);
    }
    std::printf("%s: worst cosine over %zu golden sequences: %.6f\n", name, picked.size(), worst);
  }
}

}  // namespace
}  // namespace kbseek::encoder
