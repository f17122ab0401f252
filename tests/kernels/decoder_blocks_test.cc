// The decoder-only ops (Qwen 2's blocks) on every backend against
// double-precision references: causal attention after a cached prefix,
// SwiGLU, rope from a first position, and the residual add.
#include "tests/kernels/backend_fixture.h"
#include "tests/kernels/reference.h"

namespace kbseek::kernels::testing {
namespace {

using DecoderBlocksTest = BackendTest;

// Sequence b's row i sees all `prefix` rows of pk/pv, then its own rows 0..i.
std::vector<double> ref_causal(const std::vector<float>& q, const std::vector<float>& k, const std::vector<float>& v,
                               const std::vector<float>& pk, const std::vector<float>& pv, int prefix,
                               const std::vector<int>& offsets, int hq, int hkv, int d, double scale) {
  const int group = hq / hkv, ld_q = hq * d, ld_kv = hkv * d;
  std::vector<double> ctx(static_cast<size_t>(offsets.back()) * ld_q, 0.0);
  for (size_t b = 0; b + 1 < offsets.size(); ++b) {
    const int base = offsets[b], len = offsets[b + 1] - base;
    for (int h = 0; h < hq; ++h) {
      const int g = h / group;
      for (int i = 0; i < len; ++i) {
        std::vector<const float*> keys, values;
        for (int j = 0; j < prefix; ++j) {
          keys.push_back(&pk[static_cast<size_t>(j) * ld_kv + g * d]);
          values.push_back(&pv[static_cast<size_t>(j) * ld_kv + g * d]);
        }
        for (int j = 0; j <= i; ++j) {
          keys.push_back(&k[static_cast<size_t>(base + j) * ld_kv + g * d]);
          values.push_back(&v[static_cast<size_t>(base + j) * ld_kv + g * d]);
        }
        ref_attend_row(&q[static_cast<size_t>(base + i) * ld_q + h * d], keys, values, d, scale,
                       &ctx[static_cast<size_t>(base + i) * ld_q + h * d]);
      }
    }
  }
  return ctx;
}

TEST_P(DecoderBlocksTest, CausalAttentionAfterPrefix) {
  // Qwen 2.5 0.5B's heads (14 query, 2 kv, 64 wide); sequences crossing the
  // 64-row blocks, one of a single token.
  const int hq = 14, hkv = 2, d = 64;
  for (int prefix : {0, 1, 37}) {
    const std::vector<int> offsets = {0, 5, 6, 136};
    const int t = offsets.back();
    const auto q = random_vector(static_cast<size_t>(t) * hq * d, 1, -2, 2);
    const auto k = random_vector(static_cast<size_t>(t) * hkv * d, 2, -2, 2);
    const auto v = random_vector(static_cast<size_t>(t) * hkv * d, 3);
    const auto pk = random_vector(static_cast<size_t>(std::max(prefix, 1)) * hkv * d, 4, -2, 2);
    const auto pv = random_vector(static_cast<size_t>(std::max(prefix, 1)) * hkv * d, 5);
    Buffer dq = upload(q), dk = upload(k), dv = upload(v), dpk = upload(pk), dpv = upload(pv);
    Buffer dctx = upload(std::vector<float>(q.size(), 7.0f));
    const double scale = 1.0 / 8.0;
    ASSERT_TRUE(backend_
                    ->causal_attention(dq.data(), dk.data(), dv.data(), prefix > 0 ? dpk.data() : nullptr,
                                       prefix > 0 ? dpv.data() : nullptr, prefix, dctx.data(), 3, offsets.data(), hq,
                                       hkv, d, static_cast<float>(scale))
                    .is_ok());
    EXPECT_LT(normalized_error(download(dctx), ref_causal(q, k, v, pk, pv, prefix, offsets, hq, hkv, d, scale)), 1e-5)
        << "prefix " << prefix;
  }
}

TEST_P(DecoderBlocksTest, CausalAttentionFirstRowSeesOnlyItselfAndPrefix) {
  // One head, width 2: row 0 must copy its own value when there is no prefix,
  // whatever later rows hold.
  const std::vector<int> offsets = {0, 2};
  std::vector<float> q = {1, 0, 1, 0}, k = {1, 0, 50, 0}, v = {3, 4, -100, -100};
  Buffer dq = upload(q), dk = upload(k), dv = upload(v), dctx = upload(std::vector<float>(4, 0.0f));
  ASSERT_TRUE(backend_
                  ->causal_attention(dq.data(), dk.data(), dv.data(), nullptr, nullptr, 0, dctx.data(), 1,
                                     offsets.data(), 1, 1, 2, 1.0f)
                  .is_ok());
  const auto got = download(dctx);
  EXPECT_NEAR(got[0], 3.0, 1e-6);
  EXPECT_NEAR(got[1], 4.0, 1e-6);
}

TEST_P(DecoderBlocksTest, SwigluIsSiluGateTimesUp) {
  const int rows = 9, cols = 4864;
  auto gu = random_vector(static_cast<size_t>(rows) * 2 * cols, 6, -12.0f, 12.0f);
  gu[0] = 0.0f;
  gu[1] = 100.0f;
  gu[2] = -100.0f;
  Buffer dgu = upload(gu), dout = upload(std::vector<float>(static_cast<size_t>(rows) * cols, 1.0f));
  ASSERT_TRUE(backend_->swiglu(dgu.data(), dout.data(), rows, cols).is_ok());
  std::vector<double> want(static_cast<size_t>(rows) * cols);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const double g = gu[static_cast<size_t>(r) * 2 * cols + c], u = gu[static_cast<size_t>(r) * 2 * cols + cols + c];
      want[static_cast<size_t>(r) * cols + c] = g / (1.0 + std::exp(-g)) * u;
    }
  }
  const auto got = download(dout);
  EXPECT_LT(normalized_error(got, want), 1e-6);
  EXPECT_EQ(got[0], 0.0f);
}

TEST_P(DecoderBlocksTest, RopeFromAFirstPosition) {
  // Rows rotated from position 40 equal the same rows at 40.. of a longer run.
  const int heads = 2, dim = 64, ld = heads * dim;
  const auto x = random_vector(static_cast<size_t>(50) * ld, 7);
  Buffer whole = upload(x);
  const std::vector<int> all = {0, 50};
  ASSERT_TRUE(backend_->rope(whole.data(), ld, 1, all.data(), heads, dim, 1e6f, 0).is_ok());
  // Sequence 0 is rows 40..43 of x, sequence 1 rows 40..45.
  std::vector<float> tail_in(x.begin() + 40 * ld, x.begin() + 44 * ld);
  tail_in.insert(tail_in.end(), x.begin() + 40 * ld, x.begin() + 46 * ld);
  Buffer tail = upload(tail_in);
  const std::vector<int> two = {0, 4, 10};  // two sequences, each from position 40
  ASSERT_TRUE(backend_->rope(tail.data(), ld, 2, two.data(), heads, dim, 1e6f, 40).is_ok());
  const auto w = download(whole), t = download(tail);
  std::vector<double> want(w.begin() + 40 * ld, w.begin() + 44 * ld);
  EXPECT_LT(normalized_error(std::vector<float>(t.begin(), t.begin() + 4 * ld), want), 1e-6);
  std::vector<double> want2(w.begin() + 40 * ld, w.begin() + 46 * ld);
  EXPECT_LT(normalized_error(std::vector<float>(t.begin() + 4 * ld, t.end()), want2), 1e-6);
}

TEST_P(DecoderBlocksTest, AddAccumulates) {
  const auto a = random_vector(1001, 8), b = random_vector(1001, 9);
  Buffer da = upload(a), db = upload(b);
  ASSERT_TRUE(backend_->add(da.data(), db.data(), a.size()).is_ok());
  const auto got = download(da);
  for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(got[i], a[i] + b[i]) << i;
}

KB_INSTANTIATE_BACKENDS(DecoderBlocksTest);

}  // namespace
}  // namespace kbseek::kernels::testing
