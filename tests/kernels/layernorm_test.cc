// layernorm parity: with and without the fused residual, in place, and on
// rows with a large common offset (where one-pass variance loses digits).
#include "tests/kernels/backend_fixture.h"
#include "tests/kernels/reference.h"

namespace kbseek::kernels::testing {
namespace {

using LayerNormTest = BackendTest;

TEST_P(LayerNormTest, WithoutResidual) {
  const int rows = 45, cols = 384;
  auto x = random_vector(static_cast<size_t>(rows) * cols, 20, -3.0f, 3.0f);
  auto gamma = random_vector(cols, 21, 0.5f, 1.5f), beta = random_vector(cols, 22);
  Buffer dx = upload(x), dg = upload(gamma), db = upload(beta), dout = upload(x);
  ASSERT_TRUE(backend_->layernorm(dx.data(), nullptr, dout.data(), rows, cols, dg.data(), db.data(), 1e-12f).is_ok());
  EXPECT_LT(normalized_error(download(dout), ref_layernorm(x, nullptr, rows, cols, gamma, beta, 1e-12)), 1e-6);
}

TEST_P(LayerNormTest, WithResidualInPlace) {
  const int rows = 70, cols = 384;
  auto x = random_vector(static_cast<size_t>(rows) * cols, 23, -3.0f, 3.0f);
  auto res = random_vector(x.size(), 24, -3.0f, 3.0f);
  auto gamma = random_vector(cols, 25, 0.5f, 1.5f), beta = random_vector(cols, 26);
  Buffer dx = upload(x), dr = upload(res), dg = upload(gamma), db = upload(beta);
  ASSERT_TRUE(backend_->layernorm(dx.data(), dr.data(), dx.data(), rows, cols, dg.data(), db.data(), 1e-5f).is_ok());
  EXPECT_LT(normalized_error(download(dx), ref_layernorm(x, res.data(), rows, cols, gamma, beta, 1e-5)), 1e-6);
}

TEST_P(LayerNormTest, LargeOffsetRows) {
  const int rows = 4, cols = 768;
  auto x = random_vector(static_cast<size_t>(rows) * cols, 27, 999.0f, 1001.0f);
  std::vector<float> gamma(cols, 1.0f), beta(cols, 0.0f);
  Buffer dx = upload(x), dg = upload(gamma), db = upload(beta);
  ASSERT_TRUE(backend_->layernorm(dx.data(), nullptr, dx.data(), rows, cols, dg.data(), db.data(), 1e-12f).is_ok());
  EXPECT_LT(normalized_error(download(dx), ref_layernorm(x, nullptr, rows, cols, gamma, beta, 1e-12)), 1e-4);
}

KB_INSTANTIATE_BACKENDS(LayerNormTest);

}  // namespace
}  // namespace kbseek::kernels::testing
