// The AVX-512 VNNI tile kernels of the quantized products (quant_dot.h):
// NO weight rows × NR activation rows of dot products in registers, 64
// values per step. kSuper: VPMADDUBSW (unsigned codes × signed activations,
// pairs summed to int16) then VPDPWSSD with the pair's sub-block scale,
// exact int32 sums per super-block, turned to float once per super-block.
// kBlock32: VPDPBUSD needs one unsigned operand, so the weight's sign moves
// onto the activation (|w| · ±a, ggml's sign trick; |a| ≤ 127 never
// overflows), then one convert and two float multiplies per 64 values for
// the two blocks' scales. Compiled through target attributes only, so the
// library runs on plain x86-64; quant_gemm.cc checks the CPU first.
// GCC 12.2 flags the _mm512_undefined_* inside its own intrinsics as
// uninitialized (GCC bug 105593, fixed in 12.3).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>

#include "kernels/cpu/quant_dot.h"

#define KB_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma")))

namespace kbseek::kernels::cpu::qdot {
namespace {

// 2 × 4 tiles: 8 int32 and 8 float accumulators, 2 code and 2 scale
// vectors, leaving room in the 32 zmm registers for the activation stream.
constexpr int kTileW = 2;
constexpr int kTileA = 4;

KB_VNNI inline float hsum(__m512 v) {
  v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(1, 0, 3, 2)));
  v = _mm512_add_ps(v, _mm512_shuffle_f32x4(v, v, _MM_SHUFFLE(2, 3, 0, 1)));
  __m128 s = _mm512_castps512_ps128(v);
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_movehdup_ps(s));
  return _mm_cvtss_f32(s);
}

template <int NO, int NR>
KB_VNNI void super_tile(int n, const WeightRow* w, const ActRow* a, float* y, size_t ldy) {
  __m512 accf[NO][NR];
  for (int o = 0; o < NO; ++o)
    for (int r = 0; r < NR; ++r) accf[o][r] = _mm512_setzero_ps();
  for (int s = 0; s < n / kSuperValues; ++s) {
    __m512i mi[NO][NR];
    for (int o = 0; o < NO; ++o)
      for (int r = 0; r < NR; ++r) mi[o][r] = _mm512_setzero_si512();
#pragma GCC unroll 4
    for (int c = 0; c < 4; ++c) {
      const size_t off = static_cast<size_t>(s) * kSuperValues + 64 * c;
      __m512i wq[NO], wsc[NO];
      for (int o = 0; o < NO; ++o) {
        wq[o] = _mm512_loadu_si512(w[o].q + off);
        wsc[o] = _mm512_loadu_si512(w[o].scale + off / 2);
      }
      for (int r = 0; r < NR; ++r) {
        const __m512i av = _mm512_loadu_si512(a[r].q + off);
        for (int o = 0; o < NO; ++o) mi[o][r] = _mm512_dpwssd_epi32(mi[o][r], _mm512_maddubs_epi16(wq[o], av), wsc[o]);
      }
    }
    for (int o = 0; o < NO; ++o) {
      const __m256i coef = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(w[o].coef + 16 * s));
      for (int r = 0; r < NR; ++r) {
        const __m256i bs = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[r].bsums + 16 * s));
        const __m512i corr = _mm512_zextsi256_si512(_mm256_madd_epi16(coef, bs));
        accf[o][r] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(mi[o][r]), _mm512_set1_ps(w[o].d[s] * a[r].d[s]), accf[o][r]);
        accf[o][r] = _mm512_fnmadd_ps(_mm512_cvtepi32_ps(corr), _mm512_set1_ps(w[o].dc[s] * a[r].d[s]), accf[o][r]);
      }
    }
  }
  for (int o = 0; o < NO; ++o)
    for (int r = 0; r < NR; ++r) y[r * ldy + o] = hsum(accf[o][r]);
}

template <int NO, int NR>
KB_VNNI void block32_tile(int n, const WeightRow* w, const ActRow* a, float* y, size_t ldy) {
  __m512 accf[NO][NR];
  for (int o = 0; o < NO; ++o)
    for (int r = 0; r < NR; ++r) accf[o][r] = _mm512_setzero_ps();
  const __m512i zero = _mm512_setzero_si512();
  for (int off = 0; off < n; off += 64) {
    __m512i wa[NO];
    __mmask64 neg[NO];
    __m512 wsc[NO];
    for (int o = 0; o < NO; ++o) {
      const __m512i wq = _mm512_loadu_si512(w[o].q + off);
      wa[o] = _mm512_abs_epi8(wq);
      neg[o] = _mm512_movepi8_mask(wq);
      wsc[o] = _mm512_loadu_ps(w[o].ws + off / 4);
    }
    for (int r = 0; r < NR; ++r) {
      const __m512i av = _mm512_loadu_si512(a[r].q + off);
      const __m512 as = _mm512_loadu_ps(a[r].as + off / 4);
      for (int o = 0; o < NO; ++o) {
        const __m512i sa = _mm512_mask_sub_epi8(av, neg[o], zero, av);
        const __m512 dot = _mm512_cvtepi32_ps(_mm512_dpbusd_epi32(zero, wa[o], sa));
        accf[o][r] = _mm512_fmadd_ps(_mm512_mul_ps(dot, wsc[o]), as, accf[o][r]);
      }
    }
  }
  for (int o = 0; o < NO; ++o)
    for (int r = 0; r < NR; ++r) y[r * ldy + o] = hsum(accf[o][r]);
}

template <int NO>
void rows(Scheme s, int n, const WeightRow* w, const ActRow* a, int n_a, float* y, size_t ldy) {
  using Tile = void (*)(int, const WeightRow*, const ActRow*, float*, size_t);
  static constexpr Tile kSuperTiles[kTileA] = {super_tile<NO, 1>, super_tile<NO, 2>, super_tile<NO, 3>,
                                               super_tile<NO, 4>};
  static constexpr Tile kBlockTiles[kTileA] = {block32_tile<NO, 1>, block32_tile<NO, 2>, block32_tile<NO, 3>,
                                               block32_tile<NO, 4>};
  const Tile* tiles = s == Scheme::kSuper ? kSuperTiles : kBlockTiles;
  for (int r = 0; r < n_a; r += kTileA) {
    const int nr = n_a - r < kTileA ? n_a - r : kTileA;
    tiles[nr - 1](n, w, a + r, y + r * ldy, ldy);
  }
}

}  // namespace

void dot_tile_avx512(Scheme s, int n, const WeightRow* w, int n_w, const ActRow* a, int n_a, float* y, size_t ldy) {
  int o = 0;
  for (; o + kTileW <= n_w; o += kTileW) rows<kTileW>(s, n, w + o, a, n_a, y + o, ldy);
  for (; o < n_w; ++o) rows<1>(s, n, w + o, a, n_a, y + o, ldy);
}

}  // namespace kbseek::kernels::cpu::qdot
