// sgemm, sgemm_batched and linear parity: every transpose combination,
// padded leading dimensions, alpha and beta, with and without a bias.
#include "tests/kernels/backend_fixture.h"
#include "tests/kernels/reference.h"

namespace kbseek::kernels::testing {
namespace {

using SgemmTest = BackendTest;

TEST_P(SgemmTest, MatchesReferenceForAllTransposes) {
  const int m = 37, n = 29, k = 53;
  for (bool ta : {false, true}) {
    for (bool tb : {false, true}) {
      SCOPED_TRACE(std::string("ta=") + (ta ? "T" : "N") + " tb=" + (tb ? "T" : "N"));
      const int lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 2;
      auto a = random_vector(static_cast<size_t>(ta ? k : m) * lda, 1);
      auto b = random_vector(static_cast<size_t>(tb ? n : k) * ldb, 2);
      auto c = random_vector(static_cast<size_t>(m) * ldc, 3);
      Buffer da = upload(a), db = upload(b), dc = upload(c);
      ASSERT_TRUE(backend_
                      ->sgemm(ta ? Transpose::kYes : Transpose::kNo, tb ? Transpose::kYes : Transpose::kNo, m, n, k,
                              0.7f, da.data(), lda, db.data(), ldb, 0.3f, dc.data(), ldc)
                      .is_ok());
      auto want = ref_sgemm(ta, tb, m, n, k, 0.7, a, lda, b, ldb, 0.3, c, ldc);
      EXPECT_LT(normalized_error(download(dc), want), 1e-6);
    }
  }
}

TEST_P(SgemmTest, BatchedMatchesPerMatrixReference) {
  const int m = 8, n = 12, k = 32, batch = 5;
  // Strided like attention heads: matrices interleaved in one wide row.
  const int lda = k * batch, ldb = k * batch, ldc = n;
  auto a = random_vector(static_cast<size_t>(m) * lda, 4);
  auto b = random_vector(static_cast<size_t>(n) * ldb, 5);
  std::vector<float> c(static_cast<size_t>(batch) * m * n, 0.0f);
  Buffer da = upload(a), db = upload(b), dc = upload(c);
  ASSERT_TRUE(backend_
                  ->sgemm_batched(Transpose::kNo, Transpose::kYes, m, n, k, 1.0f, da.data(), lda, k, db.data(), ldb, k,
                                  0.0f, dc.data(), ldc, static_cast<int64_t>(m) * n, batch)
                  .is_ok());
  auto got = download(dc);
  for (int i = 0; i < batch; ++i) {
    std::vector<float> ai(a.begin() + i * k, a.end()), bi(b.begin() + i * k, b.end());
    std::vector<float> ci(static_cast<size_t>(m) * n, 0.0f);
    auto want = ref_sgemm(false, true, m, n, k, 1.0, ai, lda, bi, ldb, 0.0, ci, ldc);
    std::vector<float> got_i(got.begin() + static_cast<size_t>(i) * m * n,
                             got.begin() + static_cast<size_t>(i + 1) * m * n);
    EXPECT_LT(normalized_error(got_i, want), 1e-6) << "matrix " << i;
  }
}

TEST_P(SgemmTest, LinearWithAndWithoutBias) {
  for (int rows : {1, 17, 300}) {
    const int in = 96, out = 200;
    SCOPED_TRACE("rows=" + std::to_string(rows));
    auto x = random_vector(static_cast<size_t>(rows) * in, 6);
    auto w = random_vector(static_cast<size_t>(out) * in, 7);
    auto bias = random_vector(out, 8);
    std::vector<float> y(static_cast<size_t>(rows) * out, 42.0f), zero(y.size(), 0.0f);
    Buffer dx = upload(x), dw = upload(w), db = upload(bias), dy = upload(y);
    ASSERT_TRUE(backend_->linear(dx.data(), rows, in, dw.data(), db.data(), dy.data(), out).is_ok());
    auto want = ref_sgemm(false, true, rows, out, in, 1.0, x, in, w, in, 0.0, zero, out);
    for (size_t i = 0; i < want.size(); ++i) want[i] += bias[i % out];
    EXPECT_LT(normalized_error(download(dy), want), 1e-6);
    ASSERT_TRUE(backend_->linear(dx.data(), rows, in, dw.data(), nullptr, dy.data(), out).is_ok());
    EXPECT_LT(normalized_error(download(dy), ref_sgemm(false, true, rows, out, in, 1.0, x, in, w, in, 0.0, zero, out)),
              1e-6);
  }
}

KB_INSTANTIATE_BACKENDS(SgemmTest);

}  // namespace
}  // namespace kbseek::kernels::testing
