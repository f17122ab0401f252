// sgemm_small against a double-precision reference: every row tail (1-3
// rows past a 4-row tile), column tails under 8, under 16 and past 16, k = 0,
// leading dimensions wider than the matrices, a column range that starts
// past the first strip, and accumulation onto C.
#include "kernels/cpu/sgemm_small.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace kbseek::kernels::cpu {
namespace {

TEST(SgemmSmall, MatchesDoubleReferenceOnEveryTail) {
  if (!sgemm_small_available()) GTEST_SKIP() << "no AVX2 + FMA on this CPU";
  std::mt19937 rng(3);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (const int m : {1, 2, 3, 4, 5, 7, 9, 64}) {
    for (const int n : {1, 7, 8, 15, 16, 17, 40, 256}) {
      for (const int k : {0, 1, 33, 320}) {
        for (const bool accumulate : {false, true}) {
          const int lda = k + 3, ldb = n + 5, ldc = n + 2;
          std::vector<float> a(static_cast<size_t>(m) * lda), b(static_cast<size_t>(std::max(k, 1)) * ldb),
              c(static_cast<size_t>(m) * ldc);
          for (float& v : a) v = dist(rng);
          for (float& v : b) v = dist(rng);
          for (float& v : c) v = dist(rng);
          const std::vector<float> before = c;
          const PackedStrips packed(b.data(), k, n, ldb);
          // Columns [0, 16) in a call of their own where there are more.
          const int split = n > 16 ? 16 : 0;
          if (split > 0) sgemm_small(m, a.data(), lda, packed, 0, split, c.data(), ldc, accumulate);
          sgemm_small(m, a.data(), lda, packed, split, n, c.data(), ldc, accumulate);
          const std::string what =
              std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) + (accumulate ? " +=" : " =");
          for (int r = 0; r < m; ++r) {
            for (int j = 0; j < ldc; ++j) {
              const size_t at = static_cast<size_t>(r) * ldc + j;
              if (j >= n) {  // past the matrix: untouched
                ASSERT_EQ(c[at], before[at]) << what << " wrote past column " << n;
                continue;
              }
              double want = accumulate ? before[at] : 0.0, mag = std::fabs(want);
              for (int p = 0; p < k; ++p) {
                const double t =
                    static_cast<double>(a[static_cast<size_t>(r) * lda + p]) * b[static_cast<size_t>(p) * ldb + j];
                want += t;
                mag += std::fabs(t);
              }
              ASSERT_NEAR(c[at], want, 1e-6 * (mag + 1)) << what << " at " << r << "," << j;
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace kbseek::kernels::cpu
