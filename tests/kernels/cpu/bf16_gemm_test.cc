// bf16::gemm against a double-precision product of the bf16-rounded
// inputs and against fp32 sgemm; skips on CPUs without AVX512-BF16.
#include "kernels/cpu/bf16_gemm.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/cpu/cpu_ops.h"

namespace kbseek::kernels::cpu {
namespace {

float round_bf16(float f) {
  const uint32_t u = static_cast<uint32_t>(bf16::to_bf16(f)) << 16;
  std::memcpy(&f, &u, 4);
  return f;
}

TEST(Bf16Gemm, GemmMatchesBf16ReferenceAndFp32) {
  if (!bf16::available()) GTEST_SKIP() << "no AVX512-BF16 on this CPU (or the OS does not save zmm state)";
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  struct Shape {
    int m, k, n;
  };
  // Row tails 1-5, every panel width (16..64) and several panels, use-m3's shapes.
  for (const Shape sh : {Shape{1, 2, 16}, Shape{5, 34, 48}, Shape{7, 256, 112}, Shape{13, 512, 768},
                         Shape{64, 1280, 256}, Shape{70, 256, 1280}}) {
    const int lda = sh.k + 6, ldc = sh.n + 8;
    std::vector<float> a(static_cast<size_t>(sh.m) * lda), b(static_cast<size_t>(sh.k) * sh.n);
    for (float& x : a) x = dist(rng);
    for (float& x : b) x = dist(rng);
    const bf16::PackedB packed(b.data(), sh.k, sh.n);
    std::vector<float> fp32(static_cast<size_t>(sh.m) * ldc, 0.0f);
    sgemm(Transpose::kNo, Transpose::kNo, sh.m, sh.n, sh.k, 1.0f, a.data(), lda, b.data(), sh.n, 0.0f, fp32.data(),
          ldc);
    for (const bool accumulate : {false, true}) {
      for (const int ways : {1, 2}) {
        std::vector<float> c(static_cast<size_t>(sh.m) * ldc, 0.5f);
        bf16::gemm(sh.m, a.data(), lda, packed, c.data(), ldc, accumulate, ways);
        double dot = 0, nc = 0, nf = 0;
        for (int i = 0; i < sh.m; ++i) {
          for (int j = 0; j < sh.n; ++j) {
            double want = accumulate ? 0.5 : 0.0;
            for (int p = 0; p < sh.k; ++p) {
              want += static_cast<double>(round_bf16(a[static_cast<size_t>(i) * lda + p])) *
                      round_bf16(b[static_cast<size_t>(p) * sh.n + j]);
            }
            const float got = c[static_cast<size_t>(i) * ldc + j];
            ASSERT_NEAR(got, want, 1e-4 * std::sqrt(sh.k))
                << sh.m << "x" << sh.k << "x" << sh.n << " at " << i << "," << j;
            const double g = got - (accumulate ? 0.5 : 0.0), f = fp32[static_cast<size_t>(i) * ldc + j];
            dot += g * f;
            nc += g * g;
            nf += f * f;
          }
          for (int j = sh.n; j < ldc; ++j) ASSERT_EQ(c[static_cast<size_t>(i) * ldc + j], 0.5f) << "wrote past n";
        }
        // bf16 operands on random data: each product is off by ~2^-8 relative.
        EXPECT_GE(dot / std::sqrt(nc * nf), 0.9999) << sh.m << "x" << sh.k << "x" << sh.n << " against fp32 sgemm";
      }
    }
  }
}

TEST(Bf16Gemm, ToBf16RowsRoundsToNearestEven) {
  if (!bf16::available()) GTEST_SKIP() << "no AVX512-BF16 on this CPU (or the OS does not save zmm state)";
  std::vector<float> a(2 * 40);
  for (size_t i = 0; i < a.size(); ++i) a[i] = 1.0f + static_cast<float>(i) * 0.00390625f * 0.75f - 0.3f;
  std::vector<uint16_t> out(2 * 40);
  bf16::to_bf16_rows(a.data(), 2, 37, 40, out.data(), 40);  // 37: a vector part and a scalar tail
  for (int r = 0; r < 2; ++r)
    for (int j = 0; j < 37; ++j) EXPECT_EQ(out[r * 40 + j], bf16::to_bf16(a[r * 40 + j])) << r << "," << j;
}

}  // namespace
}  // namespace kbseek::kernels::cpu
