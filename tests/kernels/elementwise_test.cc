// add_bias, gelu and bias_gelu parity against double-precision references.
#include "tests/kernels/backend_fixture.h"
#include "tests/kernels/reference.h"

namespace kbseek::kernels::testing {
namespace {

using ElementwiseTest = BackendTest;

TEST_P(ElementwiseTest, AddBias) {
  const int rows = 67, cols = 384;
  auto x = random_vector(static_cast<size_t>(rows) * cols, 10);
  auto bias = random_vector(cols, 11);
  Buffer dx = upload(x), dbias = upload(bias);
  ASSERT_TRUE(backend_->add_bias(dx.data(), rows, cols, dbias.data()).is_ok());
  std::vector<double> want(x.size());
  for (size_t i = 0; i < x.size(); ++i) want[i] = static_cast<double>(x[i]) + bias[i % cols];
  EXPECT_LT(normalized_error(download(dx), want), 1e-7);
}

TEST_P(ElementwiseTest, GeluOverWideRange) {
  // Covers the tails (erf saturates) and values near zero; odd length tests
  // the vector remainder.
  auto x = random_vector(100003, 12, -12.0f, 12.0f);
  x[0] = 0.0f;
  x[1] = -0.0f;
  x[2] = 1e-8f;
  x[3] = -30.0f;
  x[4] = 30.0f;
  Buffer dx = upload(x);
  ASSERT_TRUE(backend_->gelu(dx.data(), x.size()).is_ok());
  auto got = download(dx);
  std::vector<double> want(x.size());
  double max_abs = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    want[i] = ref_gelu(x[i]);
    max_abs = std::max(max_abs, std::abs(got[i] - want[i]));
  }
  EXPECT_LT(max_abs, 2e-6);
  EXPECT_LT(normalized_error(got, want), 1e-6);
}

TEST_P(ElementwiseTest, BiasGeluEqualsAddBiasThenGelu) {
  const int rows = 33, cols = 1536;
  auto x = random_vector(static_cast<size_t>(rows) * cols, 13, -4.0f, 4.0f);
  auto bias = random_vector(cols, 14);
  Buffer dx = upload(x), dbias = upload(bias);
  ASSERT_TRUE(backend_->bias_gelu(dx.data(), rows, cols, dbias.data()).is_ok());
  std::vector<double> want(x.size());
  for (size_t i = 0; i < x.size(); ++i) want[i] = ref_gelu(static_cast<double>(x[i]) + bias[i % cols]);
  EXPECT_LT(normalized_error(download(dx), want), 1e-6);
}

KB_INSTANTIATE_BACKENDS(ElementwiseTest);

}  // namespace
}  // namespace kbseek::kernels::testing
