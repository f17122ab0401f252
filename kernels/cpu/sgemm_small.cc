// sgemm_small.h: a 4 × 16 tile (8 ymm accumulators) per k step: two loads of
// a strip's row, four broadcasts of A, eight FMAs. Column tails of under 16
// use masked loads and stores; row tails, tiles of 1-3 rows. Compiled for
// AVX2 + FMA through target attributes only; sgemm_small_available() gates
// calls.
#include "kernels/cpu/sgemm_small.h"

#include <immintrin.h>

#include <algorithm>

#include "kernels/cpu/quant_gemm.h"

#define KB_AVX2 __attribute__((target("avx2,fma")))

namespace kbseek::kernels::cpu {
namespace {

constexpr int kRows = 4;

// Lanes [0, left) of an 8-lane mask vector (all for left >= 8).
KB_AVX2 inline __m256i mask8(int left) {
  const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(std::min(left, 8)), idx);
}

// C[MR × width] for columns [j, j + width), width <= 16 (full when 16).
template <int MR, bool kFull>
KB_AVX2 void tile(int k, const float* a, int lda, const float* b, float* c, int ldc, bool accumulate, int width) {
  const __m256i m0 = kFull ? _mm256_set1_epi32(-1) : mask8(width);
  const __m256i m1 = kFull ? _mm256_set1_epi32(-1) : mask8(width - 8);
  __m256 acc[MR][2];
  for (int r = 0; r < MR; ++r) {
    if (accumulate) {
      acc[r][0] = kFull ? _mm256_loadu_ps(c + r * ldc) : _mm256_maskload_ps(c + r * ldc, m0);
      acc[r][1] = kFull ? _mm256_loadu_ps(c + r * ldc + 8) : _mm256_maskload_ps(c + r * ldc + 8, m1);
    } else {
      acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    }
  }
  for (int p = 0; p < k; ++p) {
    const __m256 b0 = _mm256_loadu_ps(b + 16 * p);
    const __m256 b1 = _mm256_loadu_ps(b + 16 * p + 8);
    for (int r = 0; r < MR; ++r) {
      const __m256 av = _mm256_broadcast_ss(a + static_cast<size_t>(r) * lda + p);
      acc[r][0] = _mm256_fmadd_ps(av, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(av, b1, acc[r][1]);
    }
  }
  for (int r = 0; r < MR; ++r) {
    if (kFull) {
      _mm256_storeu_ps(c + r * ldc, acc[r][0]);
      _mm256_storeu_ps(c + r * ldc + 8, acc[r][1]);
    } else {
      _mm256_maskstore_ps(c + r * ldc, m0, acc[r][0]);
      _mm256_maskstore_ps(c + r * ldc + 8, m1, acc[r][1]);
    }
  }
}

using Tile = void (*)(int, const float*, int, const float*, float*, int, bool, int);
constexpr Tile kFullTiles[kRows] = {tile<1, true>, tile<2, true>, tile<3, true>, tile<4, true>};
constexpr Tile kTailTiles[kRows] = {tile<1, false>, tile<2, false>, tile<3, false>, tile<4, false>};

}  // namespace

// AVX2 + FMA, as the quantized kernels read the CPU (VNNI implies both).
bool sgemm_small_available() { return best_quant_isa() != QuantIsa::kScalar; }

PackedStrips::PackedStrips(const float* b, int k, int n, int ldb) : k_(k), n_(n) {
  const int strips = (n + 15) / 16;
  data_.assign(static_cast<size_t>(strips) * k * 16, 0.0f);
  for (int p = 0; p < k; ++p) {
    for (int j = 0; j < n; ++j) {
      data_[(static_cast<size_t>(j / 16) * k + p) * 16 + j % 16] = b[static_cast<size_t>(p) * ldb + j];
    }
  }
}

void sgemm_small(int m, const float* a, int lda, const PackedStrips& b, int begin, int end, float* c, int ldc,
                 bool accumulate) {
  for (int j = begin; j < end; j += 16) {
    const int width = std::min(16, end - j);
    const Tile* tiles = width == 16 ? kFullTiles : kTailTiles;
    for (int r0 = 0; r0 < m; r0 += kRows) {
      const int mr = std::min(kRows, m - r0);
      tiles[mr - 1](b.k(), a + static_cast<size_t>(r0) * lda, lda, b.strip(j / 16),
                    c + static_cast<size_t>(r0) * ldc + j, ldc, accumulate, width);
    }
  }
}

}  // namespace kbseek::kernels::cpu
