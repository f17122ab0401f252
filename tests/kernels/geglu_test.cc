// geglu parity: gelu_tanh(gate) * up against a double-precision reference,
// over Gemma's width and the tails, and distinct from the erf GELU.
#include "tests/kernels/backend_fixture.h"
#include "tests/kernels/reference.h"

namespace kbseek::kernels::testing {
namespace {

using GegluTest = BackendTest;

TEST_P(GegluTest, MatchesTanhGeluTimesUp) {
  const int rows = 33, cols = 1152;
  auto gu = random_vector(static_cast<size_t>(rows) * 2 * cols, 80, -6.0f, 6.0f);
  // Zeros, tiny values and the far tails in the gate half of row 0.
  const float special[] = {0.0f, -0.0f, 1e-8f, -1e-8f, 10.0f, -10.0f, 30.0f, -30.0f, 1e4f, -1e4f};
  for (size_t i = 0; i < std::size(special); ++i) gu[i] = special[i];
  std::vector<float> out(static_cast<size_t>(rows) * cols, 5.0f);
  Buffer dgu = upload(gu), dout = upload(out);
  ASSERT_TRUE(backend_->geglu(dgu.data(), dout.data(), rows, cols).is_ok());
  const auto got = download(dout);
  const auto want = ref_geglu(gu, rows, cols);
  double worst = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    worst = std::max(worst, std::abs(got[i] - want[i]) / std::max(1.0, std::abs(want[i])));
  }
  EXPECT_LT(worst, 2e-6);
  EXPECT_LT(normalized_error(got, want), 1e-6);
  EXPECT_EQ(download(dgu), gu) << "gu must be left alone";
}

TEST_P(GegluTest, IsTheTanhFormNotErf) {
  // At x = 1.5 the two GELUs differ by ~5e-4, far above the tolerance.
  std::vector<float> gu = {1.5f, -1.5f, 1.0f, 1.0f};
  Buffer dgu = upload(gu), dout = upload(std::vector<float>(2, 0.0f));
  ASSERT_TRUE(backend_->geglu(dgu.data(), dout.data(), 1, 2).is_ok());
  const auto got = download(dout);
  EXPECT_NEAR(got[0], ref_gelu_tanh(1.5), 1e-6);
  EXPECT_NEAR(got[1], ref_gelu_tanh(-1.5), 1e-6);
  EXPECT_GT(std::abs(got[0] - ref_gelu(1.5)), 1e-4);
}

TEST_P(GegluTest, OneRowAndNarrowWidths) {
  for (int cols : {1, 7, 33}) {
    SCOPED_TRACE("cols=" + std::to_string(cols));
    auto gu = random_vector(static_cast<size_t>(2) * cols, 81 + cols, -4.0f, 4.0f);
    Buffer dgu = upload(gu), dout = upload(std::vector<float>(cols, 0.0f));
    ASSERT_TRUE(backend_->geglu(dgu.data(), dout.data(), 1, cols).is_ok());
    EXPECT_LT(normalized_error(download(dout), ref_geglu(gu, 1, cols)), 1e-6);
  }
}

KB_INSTANTIATE_BACKENDS(GegluTest);

}  // namespace
}  // namespace kbseek::kernels::testing
