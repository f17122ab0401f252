// rms_norm parity: overwrite, in place, accumulate into a residual stream,
// per-head rows (Gemma's q/k norm), odd widths, and rows where eps matters.
#include "tests/kernels/backend_fixture.h"
#include "tests/kernels/reference.h"

namespace kbseek::kernels::testing {
namespace {

using RmsNormTest = BackendTest;

TEST_P(RmsNormTest, OverwritesOut) {
  const int rows = 45, cols = 768;
  auto x = random_vector(static_cast<size_t>(rows) * cols, 60, -3.0f, 3.0f);
  auto gamma = random_vector(cols, 61, 0.0f, 2.0f);
  std::vector<float> out(x.size(), 7.0f);
  Buffer dx = upload(x), dg = upload(gamma), dout = upload(out);
  ASSERT_TRUE(backend_->rms_norm(dx.data(), dout.data(), rows, cols, dg.data(), 1e-6f, false).is_ok());
  EXPECT_LT(normalized_error(download(dout), ref_rms_norm(x, rows, cols, gamma, 1e-6)), 1e-6);
  EXPECT_EQ(download(dx), x) << "x must be left alone";
}

TEST_P(RmsNormTest, InPlace) {
  const int rows = 9, cols = 768;
  auto x = random_vector(static_cast<size_t>(rows) * cols, 62, -30.0f, 30.0f);
  auto gamma = random_vector(cols, 63, 0.5f, 1.5f);
  Buffer dx = upload(x), dg = upload(gamma);
  ASSERT_TRUE(backend_->rms_norm(dx.data(), dx.data(), rows, cols, dg.data(), 1e-6f, false).is_ok());
  EXPECT_LT(normalized_error(download(dx), ref_rms_norm(x, rows, cols, gamma, 1e-6)), 1e-6);
}

TEST_P(RmsNormTest, AccumulatesIntoOut) {
  const int rows = 70, cols = 768;
  auto x = random_vector(static_cast<size_t>(rows) * cols, 64, -3.0f, 3.0f);
  auto h = random_vector(x.size(), 65, -10.0f, 10.0f);
  auto gamma = random_vector(cols, 66, 0.0f, 2.0f);
  Buffer dx = upload(x), dg = upload(gamma), dh = upload(h);
  ASSERT_TRUE(backend_->rms_norm(dx.data(), dh.data(), rows, cols, dg.data(), 1e-6f, true).is_ok());
  auto want = ref_rms_norm(x, rows, cols, gamma, 1e-6);
  for (size_t i = 0; i < want.size(); ++i) want[i] += h[i];
  EXPECT_LT(normalized_error(download(dh), want), 1e-6);
}

TEST_P(RmsNormTest, PerHeadRowsAndOddWidths) {
  // Gemma's q_norm: every head of every token is a row of head_dim; then a
  // single row and widths that are not a multiple of a warp or a vector.
  for (int cols : {256, 1, 31, 100, 1153}) {
    for (int rows : {1, 3 * 17}) {
      SCOPED_TRACE("rows=" + std::to_string(rows) + " cols=" + std::to_string(cols));
      auto x = random_vector(static_cast<size_t>(rows) * cols, 67 + cols, -2.0f, 2.0f);
      auto gamma = random_vector(cols, 68, -1.0f, 2.0f);
      Buffer dx = upload(x), dg = upload(gamma);
      ASSERT_TRUE(backend_->rms_norm(dx.data(), dx.data(), rows, cols, dg.data(), 1e-6f, false).is_ok());
      EXPECT_LT(normalized_error(download(dx), ref_rms_norm(x, rows, cols, gamma, 1e-6)), 1e-6);
    }
  }
}

TEST_P(RmsNormTest, EpsDominatesTinyRows) {
  // mean(x²) ≈ 1e-8 next to eps = 1e-6: a backend that dropped or misplaced
  // eps would be off by a factor of ten.
  const int rows = 4, cols = 256;
  auto x = random_vector(static_cast<size_t>(rows) * cols, 69, -1e-4f, 1e-4f);
  std::vector<float> gamma(cols, 1.0f);
  Buffer dx = upload(x), dg = upload(gamma);
  ASSERT_TRUE(backend_->rms_norm(dx.data(), dx.data(), rows, cols, dg.data(), 1e-6f, false).is_ok());
  EXPECT_LT(normalized_error(download(dx), ref_rms_norm(x, rows, cols, gamma, 1e-6)), 1e-6);
}

TEST_P(RmsNormTest, NoRowsIsANoOp) {
  std::vector<float> x(8, 1.0f), gamma(8, 1.0f);
  Buffer dx = upload(x), dg = upload(gamma);
  EXPECT_TRUE(backend_->rms_norm(dx.data(), dx.data(), 0, 8, dg.data(), 1e-6f, false).is_ok());
  EXPECT_EQ(download(dx), x);
}

KB_INSTANTIATE_BACKENDS(RmsNormTest);

}  // namespace
}  // namespace kbseek::kernels::testing
