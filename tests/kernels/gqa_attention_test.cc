// gqa_attention parity: EmbeddingGemma's 3-query/1-kv heads and plain
// multi-head, packed sequences of different lengths (never mixed), windows
// smaller and larger than the sequence, and long sequences that cross the
// backends' row blocks.
#include <climits>

#include "tests/kernels/backend_fixture.h"
#include "tests/kernels/reference.h"

namespace kbseek::kernels::testing {
namespace {

struct GqaCase {
  std::vector<int> offsets;
  int hq, hkv, dim, window;
};

std::string describe(const GqaCase& c) {
  return "seqs=" + std::to_string(c.offsets.size() - 1) + " T=" + std::to_string(c.offsets.back()) +
         " hq=" + std::to_string(c.hq) + " hkv=" + std::to_string(c.hkv) + " dim=" + std::to_string(c.dim) +
         " window=" + std::to_string(c.window);
}

class GqaAttentionTest : public BackendTest {
 protected:
  // Runs one case on the backend; returns ctx (empty on failure).
  std::vector<float> run(const GqaCase& c, const std::vector<float>& q, const std::vector<float>& k,
                         const std::vector<float>& v) {
    const size_t t = c.offsets.back();
    Buffer dq = upload(q), dk = upload(k), dv = upload(v);
    Buffer dctx = upload(std::vector<float>(t * c.hq * c.dim, 123.0f));
    const float scale = 1.0f / std::sqrt(static_cast<float>(c.dim));
    core::Status st =
        backend_->gqa_attention(dq.data(), dk.data(), dv.data(), dctx.data(), static_cast<int>(c.offsets.size()) - 1,
                                c.offsets.data(), c.hq, c.hkv, c.dim, scale, c.window);
    EXPECT_TRUE(st.is_ok()) << st.to_string();
    return st.is_ok() ? download(dctx) : std::vector<float>();
  }

  void check(const GqaCase& c, unsigned seed, double tol = 1e-6) {
    SCOPED_TRACE(describe(c));
    const size_t t = c.offsets.back();
    auto q = random_vector(t * c.hq * c.dim, seed, -2.0f, 2.0f);
    auto k = random_vector(t * c.hkv * c.dim, seed + 1, -2.0f, 2.0f);
    auto v = random_vector(t * c.hkv * c.dim, seed + 2, -2.0f, 2.0f);
    const auto got = run(c, q, k, v);
    ASSERT_EQ(got.size(), t * c.hq * c.dim);
    const double scale = 1.0f / std::sqrt(static_cast<float>(c.dim));
    EXPECT_LT(normalized_error(got, ref_gqa_attention(q, k, v, c.offsets, c.hq, c.hkv, c.dim, scale, c.window)), tol);
  }
};

const std::vector<int> kMixed = {0, 1, 9, 9, 40, 77};  // one token, empty, several lengths

TEST_P(GqaAttentionTest, GemmaHeadsFullAttention) { check({kMixed, 3, 1, 256, 0}, 100); }

TEST_P(GqaAttentionTest, GemmaHeadsWindowSmallerThanSequences) {
  check({kMixed, 3, 1, 256, 5}, 103);
  check({kMixed, 3, 1, 64, 2}, 106);
}

TEST_P(GqaAttentionTest, WindowLargerThanSequencesIsFullAttention) {
  for (int window : {37, 38, 1000, INT_MAX}) check({kMixed, 3, 1, 64, window}, 109);
}

TEST_P(GqaAttentionTest, MultiHeadAndWiderGroups) {
  check({kMixed, 4, 4, 32, 0}, 112);  // num_q_heads = num_kv_heads
  check({kMixed, 4, 4, 32, 6}, 115);
  check({kMixed, 8, 2, 16, 0}, 118);  // groups of 4, Qwen-style
  check({kMixed, 6, 2, 16, 9}, 121);  // groups of 3 over two kv heads
}

TEST_P(GqaAttentionTest, WindowOfOneCopiesValues) {
  // Only the key at distance 0 is visible: ctx = v of the head's kv head.
  const GqaCase c{{0, 3, 10}, 4, 2, 8, 1};
  const size_t t = c.offsets.back();
  auto q = random_vector(t * c.hq * c.dim, 124), k = random_vector(t * c.hkv * c.dim, 125);
  auto v = random_vector(t * c.hkv * c.dim, 126);
  const auto got = run(c, q, k, v);
  ASSERT_EQ(got.size(), t * c.hq * c.dim);
  for (size_t r = 0; r < t; ++r) {
    for (int h = 0; h < c.hq; ++h) {
      for (int d = 0; d < c.dim; ++d) {
        ASSERT_NEAR(got[(r * c.hq + h) * c.dim + d], v[(r * c.hkv + h / 2) * c.dim + d], 1e-6)
            << "row " << r << " head " << h;
      }
    }
  }
}

TEST_P(GqaAttentionTest, SequencesDoNotSeeEachOther) {
  // Poisoning the second sequence's keys and values leaves the first's output
  // bit for bit the same.
  const GqaCase c{{0, 20, 45}, 3, 1, 32, 0};
  const size_t t = c.offsets.back(), kv = c.hkv * c.dim;
  auto q = random_vector(t * c.hq * c.dim, 127), k = random_vector(t * kv, 128);
  auto v = random_vector(t * kv, 129);
  const auto before = run(c, q, k, v);
  for (size_t i = 20 * kv; i < t * kv; ++i) k[i] = v[i] = 1e3f;
  const auto after = run(c, q, k, v);
  ASSERT_EQ(before.size(), after.size());
  for (size_t i = 0; i < 20u * c.hq * c.dim; ++i) ASSERT_EQ(before[i], after[i]) << i;
}

TEST_P(GqaAttentionTest, LongSequencesCrossRowBlocks) {
  // 600 tokens with EmbeddingGemma's effective window (257: config 512 halved
  // plus one) spans several 64- and 256-row blocks with keys cut at both ends.
  check({{0, 600, 650}, 3, 1, 64, 257}, 130);
  check({{0, 300}, 3, 1, 64, 0}, 133);
}

KB_INSTANTIATE_BACKENDS(GqaAttentionTest);

}  // namespace
}  // namespace kbseek::kernels::testing
