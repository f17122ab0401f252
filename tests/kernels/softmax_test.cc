// softmax_rows parity: scale, additive mask, strided rows, masked columns
// that must come out exactly zero.
#include "tests/kernels/backend_fixture.h"
#include "tests/kernels/reference.h"

namespace kbseek::kernels::testing {
namespace {

using SoftmaxTest = BackendTest;

TEST_P(SoftmaxTest, ScaleMaskAndStride) {
  const int rows = 31, cols = 77, ld = 80;
  const float scale = 0.125f;
  auto x = random_vector(static_cast<size_t>(rows) * ld, 30, -20.0f, 20.0f);
  std::vector<float> mask(cols, 0.0f);
  for (int c = 60; c < cols; ++c) mask[c] = -1e30f;
  mask[5] = -2.0f;
  Buffer dx = upload(x), dm = upload(mask);
  ASSERT_TRUE(backend_->softmax_rows(dx.data(), rows, cols, ld, scale, dm.data()).is_ok());
  auto got = download(dx);
  std::vector<float> got_rows;
  std::vector<double> want;
  for (int r = 0; r < rows; ++r) {
    std::vector<double> row(cols);
    for (int c = 0; c < cols; ++c) row[c] = static_cast<double>(x[r * ld + c]) * scale + mask[c];
    ref_softmax_row(row.data(), cols);
    for (int c = 0; c < cols; ++c) {
      want.push_back(row[c]);
      got_rows.push_back(got[r * ld + c]);
      if (c >= 60) {
        EXPECT_EQ(got[r * ld + c], 0.0f) << "row " << r << " col " << c;
      }
    }
    for (int c = cols; c < ld; ++c) EXPECT_EQ(got[r * ld + c], x[r * ld + c]) << "padding touched";
  }
  EXPECT_LT(normalized_error(got_rows, want), 1e-6);
}

TEST_P(SoftmaxTest, NoMaskRowsSumToOne) {
  const int rows = 9, cols = 512;
  auto x = random_vector(static_cast<size_t>(rows) * cols, 31, -50.0f, 50.0f);
  Buffer dx = upload(x);
  ASSERT_TRUE(backend_->softmax_rows(dx.data(), rows, cols, cols, 1.0f, nullptr).is_ok());
  auto got = download(dx);
  for (int r = 0; r < rows; ++r) {
    double sum = 0;
    for (int c = 0; c < cols; ++c) sum += got[r * cols + c];
    EXPECT_NEAR(sum, 1.0, 1e-5) << "row " << r;
  }
}

KB_INSTANTIATE_BACKENDS(SoftmaxTest);

}  // namespace
}  // namespace kbseek::kernels::testing
