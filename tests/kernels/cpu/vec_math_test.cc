// Accuracy of the vectorisable exp/erf the CPU ops are built on.
#include "kernels/cpu/vec_math.h"

#include <gtest/gtest.h>

#include <cmath>

namespace kbseek::kernels::cpu {
namespace {

TEST(VecMathTest, FastExpRelativeError) {
  double worst = 0;
  for (float x = -87.0f; x <= 88.0f; x += 0.0137f) {
    const double want = std::exp(static_cast<double>(x));
    worst = std::max(worst, std::abs(fast_exp(x) - want) / want);
  }
  EXPECT_LT(worst, 3e-7);
  EXPECT_EQ(fast_exp(-1e30f), 0.0f);
  EXPECT_EQ(fast_exp(-INFINITY), 0.0f);
  EXPECT_EQ(fast_exp(0.0f), 1.0f);
}

TEST(VecMathTest, FastErfAbsoluteError) {
  double worst = 0;
  for (float x = -6.0f; x <= 6.0f; x += 0.001f) {
    worst = std::max(worst, std::abs(fast_erf(x) - std::erf(static_cast<double>(x))));
  }
  EXPECT_LT(worst, 5e-7);
  EXPECT_EQ(fast_erf(0.0f), 0.0f);
}

}  // namespace
}  // namespace kbseek::kernels::cpu
