// The AVX2 tile kernels of the quantized products (quant_dot.h), for CPUs
// without AVX-512 VNNI: ggml's AVX2 arithmetic on our unpacked rows, 32
// values (one Q8_0 block) per step. kSuper: VPMADDUBSW then VPMADDWD with
// the pairs' sub-block scales, exact int32 sums per super-block. kBlock32:
// the weight's sign moved onto the activation (VPSIGNB), VPMADDUBSW of |w|
// and ±a (2·128·127 < 2^15, no saturation), VPMADDWD by ones, then the
// block's two scales in float. 2 × 2 tiles keep the accumulators within the
// 16 ymm registers. Target attributes only; quant_gemm.cc checks the CPU.
#include <immintrin.h>

#include "kernels/cpu/quant_dot.h"

#define KB_AVX2 __attribute__((target("avx2,fma")))

namespace kbseek::kernels::cpu::qdot {
namespace {

constexpr int kTileW = 2;
constexpr int kTileA = 2;

KB_AVX2 inline float hsum(__m256 v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

template <int NO, int NR>
KB_AVX2 void super_tile(int n, const WeightRow* w, const ActRow* a, float* y, size_t ldy) {
  __m256 accf[NO][NR];
  for (int o = 0; o < NO; ++o)
    for (int r = 0; r < NR; ++r) accf[o][r] = _mm256_setzero_ps();
  for (int s = 0; s < n / kSuperValues; ++s) {
    __m256i mi[NO][NR];
    for (int o = 0; o < NO; ++o)
      for (int r = 0; r < NR; ++r) mi[o][r] = _mm256_setzero_si256();
    for (int c = 0; c < 8; ++c) {
      const size_t off = static_cast<size_t>(s) * kSuperValues + 32 * c;
      __m256i wq[NO], wsc[NO];
      for (int o = 0; o < NO; ++o) {
        wq[o] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[o].q + off));
        wsc[o] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[o].scale + off / 2));
      }
      for (int r = 0; r < NR; ++r) {
        const __m256i av = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[r].q + off));
        for (int o = 0; o < NO; ++o) {
          mi[o][r] = _mm256_add_epi32(mi[o][r], _mm256_madd_epi16(_mm256_maddubs_epi16(wq[o], av), wsc[o]));
        }
      }
    }
    for (int o = 0; o < NO; ++o) {
      const __m256i coef = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[o].coef + 16 * s));
      for (int r = 0; r < NR; ++r) {
        const __m256i bs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[r].bsums + 16 * s));
        const __m256 corr = _mm256_cvtepi32_ps(_mm256_madd_epi16(coef, bs));
        accf[o][r] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(mi[o][r]), _mm256_set1_ps(w[o].d[s] * a[r].d[s]), accf[o][r]);
        accf[o][r] = _mm256_fnmadd_ps(corr, _mm256_set1_ps(w[o].dc[s] * a[r].d[s]), accf[o][r]);
      }
    }
  }
  for (int o = 0; o < NO; ++o)
    for (int r = 0; r < NR; ++r) y[r * ldy + o] = hsum(accf[o][r]);
}

template <int NO, int NR>
KB_AVX2 void block32_tile(int n, const WeightRow* w, const ActRow* a, float* y, size_t ldy) {
  __m256 accf[NO][NR];
  for (int o = 0; o < NO; ++o)
    for (int r = 0; r < NR; ++r) accf[o][r] = _mm256_setzero_ps();
  const __m256i ones = _mm256_set1_epi16(1);
  for (int off = 0; off < n; off += 32) {
    __m256i wq[NO], wa[NO];
    __m256 wsc[NO];
    for (int o = 0; o < NO; ++o) {
      wq[o] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[o].q + off));
      wa[o] = _mm256_sign_epi8(wq[o], wq[o]);
      wsc[o] = _mm256_loadu_ps(w[o].ws + off / 4);
    }
    for (int r = 0; r < NR; ++r) {
      const __m256i av = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[r].q + off));
      const __m256 as = _mm256_loadu_ps(a[r].as + off / 4);
      for (int o = 0; o < NO; ++o) {
        const __m256i p = _mm256_madd_epi16(_mm256_maddubs_epi16(wa[o], _mm256_sign_epi8(av, wq[o])), ones);
        accf[o][r] = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(p), wsc[o]), as, accf[o][r]);
      }
    }
  }
  for (int o = 0; o < NO; ++o)
    for (int r = 0; r < NR; ++r) y[r * ldy + o] = hsum(accf[o][r]);
}

template <int NO>
void rows(Scheme s, int n, const WeightRow* w, const ActRow* a, int n_a, float* y, size_t ldy) {
  for (int r = 0; r < n_a; r += kTileA) {
    const bool two = n_a - r >= 2;
    if (s == Scheme::kSuper) {
      two ? super_tile<NO, 2>(n, w, a + r, y + r * ldy, ldy) : super_tile<NO, 1>(n, w, a + r, y + r * ldy, ldy);
    } else {
      two ? block32_tile<NO, 2>(n, w, a + r, y + r * ldy, ldy) : block32_tile<NO, 1>(n, w, a + r, y + r * ldy, ldy);
    }
  }
}

}  // namespace

void dot_tile_avx2(Scheme s, int n, const WeightRow* w, int n_w, const ActRow* a, int n_a, float* y, size_t ldy) {
  int o = 0;
  for (; o + kTileW <= n_w; o += kTileW) rows<kTileW>(s, n, w + o, a, n_a, y + o, ldy);
  for (; o < n_w; ++o) rows<1>(s, n, w + o, a, n_a, y + o, ldy);
}

}  // namespace kbseek::kernels::cpu::qdot
