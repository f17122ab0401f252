// use_amx::gemm against a double-precision product of the bf16-rounded
// inputs; skips on machines without AMX.
#include "encoder/use/use_amx.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

namespace kbseek::encoder {
namespace {

float round_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  u = (u + 0x7FFFu + ((u >> 16) & 1u)) & 0xFFFF0000u;
  std::memcpy(&f, &u, 4);
  return f;
}

TEST(UseAmx, GemmMatchesBf16Reference) {
  if (!use_amx::available()) GTEST_SKIP() << "no AMX-BF16 on this CPU (or the kernel refused tile data)";
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  struct Shape {
    int m, k, n;
  };
  for (const Shape sh :
       {Shape{1, 32, 16}, Shape{17, 256, 48}, Shape{32, 64, 320}, Shape{33, 512, 256}, Shape{70, 1280, 256}}) {
    const int lda = sh.k + 32, ldc = sh.n + 8;
    std::vector<float> a(static_cast<size_t>(sh.m) * lda), b(static_cast<size_t>(sh.k) * sh.n);
    for (float& x : a) x = dist(rng);
    for (float& x : b) x = dist(rng);
    const use_amx::PackedB packed(b.data(), sh.k, sh.n);
    for (const bool accumulate : {false, true}) {
      for (const int ways : {1, 2}) {
        std::vector<float> c(static_cast<size_t>(sh.m) * ldc, 0.5f);
        use_amx::gemm(sh.m, a.data(), lda, packed, c.data(), ldc, accumulate, ways);
        for (int i = 0; i < sh.m; ++i) {
          for (int j = 0; j < sh.n; ++j) {
            double want = accumulate ? 0.5 : 0.0;
            for (int p = 0; p < sh.k; ++p) {
              want += static_cast<double>(round_bf16(a[static_cast<size_t>(i) * lda + p])) *
                      round_bf16(b[static_cast<size_t>(p) * sh.n + j]);
            }
            ASSERT_NEAR(c[static_cast<size_t>(i) * ldc + j], want, 1e-4 * std::sqrt(sh.k))
                << sh.m << "x" << sh.k << "x" << sh.n << " at " << i << "," << j;
          }
          for (int j = sh.n; j < ldc; ++j) ASSERT_EQ(c[static_cast<size_t>(i) * ldc + j], 0.5f) << "wrote past n";
        }
      }
    }
  }
}

}  // namespace
}  // namespace kbseek::encoder
