// int8_gemm_avx2.h: a tile of up to 2 rows × 16 outputs. Per group of 4
// values of a 32-value block: one 8-byte broadcast of each row's 4 codes,
// and per 4 outputs one widening load of their 16 weight codes, then per row
// one VPMADDWD (two int32 pair sums per output) and one VPADDD. At the end of
// the block VPHADDD joins each output's two sums (lanes come out as
// 0,1,4,5 | 2,3,6,7, put back in order by one VPERMD), then one convert, one
// product with the weight scales and one FMA with the row's scale: the VNNI
// kernel's arithmetic and order. Compiled for AVX2 through target attributes
// only; int8::available() gates calls.
#include "kernels/cpu/int8_gemm_avx2.h"

#include <immintrin.h>

#include <algorithm>
#include <cstring>

#define KB_AVX2 __attribute__((target("avx2,fma")))

namespace kbseek::kernels::cpu::int8::avx2 {
namespace {

static_assert(kBlock == 32 && kWeightBlock == 32, "one weight block per activation block, 4 vectors of 8");

constexpr int kRows = 2;

KB_AVX2 inline float hmax(__m256 v) {
  __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
  return _mm_cvtss_f32(m);
}

// y[MR × 16] = MR code rows against outputs [16h, 16h + 16) of one panel
// (width wd); `valid` of them are written.
template <int MR>
KB_AVX2 void micro(const int16_t* a, size_t lda, const float* as, size_t ldas, const int8_t* codes, int wd, int h,
                   const float* ws, int blocks, float* y, size_t ldy, int valid) {
  const __m256i order = _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7);
  __m256 acc[MR][2];
  for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (int b = 0; b < blocks; ++b) {
    __m256i s[MR][4];
    for (int r = 0; r < MR; ++r)
      for (int q = 0; q < 4; ++q) s[r][q] = _mm256_setzero_si256();
    const int8_t* cb = codes + static_cast<size_t>(b) * kWeightBlock * wd + 64 * h;
    for (int g = 0; g < kWeightBlock / 4; ++g) {
      __m256i xv[MR];
      for (int r = 0; r < MR; ++r) {
        int64_t four;
        std::memcpy(&four, a + r * lda + static_cast<size_t>(b) * kBlock + 4 * g, 8);
        xv[r] = _mm256_set1_epi64x(four);
      }
      const int8_t* cg = cb + static_cast<size_t>(g) * wd * 4;
      for (int q = 0; q < 4; ++q) {
        const __m256i w = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(cg + 16 * q)));
        for (int r = 0; r < MR; ++r) s[r][q] = _mm256_add_epi32(s[r][q], _mm256_madd_epi16(w, xv[r]));
      }
    }
    const __m256 ws0 = _mm256_loadu_ps(ws + static_cast<size_t>(b) * kPanel + 16 * h);
    const __m256 ws1 = _mm256_loadu_ps(ws + static_cast<size_t>(b) * kPanel + 16 * h + 8);
    for (int r = 0; r < MR; ++r) {
      const __m256 xs = _mm256_set1_ps(as[r * ldas + b]);
      const __m256i t0 = _mm256_permutevar8x32_epi32(_mm256_hadd_epi32(s[r][0], s[r][1]), order);
      const __m256i t1 = _mm256_permutevar8x32_epi32(_mm256_hadd_epi32(s[r][2], s[r][3]), order);
      acc[r][0] = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(t0), ws0), xs, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(t1), ws1), xs, acc[r][1]);
    }
  }
  for (int r = 0; r < MR; ++r) {
    float* out = y + r * ldy;
    if (valid >= 16) {
      _mm256_storeu_ps(out, acc[r][0]);
      _mm256_storeu_ps(out + 8, acc[r][1]);
    } else {
      alignas(32) float tmp[16];
      _mm256_store_ps(tmp, acc[r][0]);
      _mm256_store_ps(tmp + 8, acc[r][1]);
      std::memcpy(out, tmp, sizeof(float) * static_cast<size_t>(std::max(0, valid)));
    }
  }
}

using Micro = void (*)(const int16_t*, size_t, const float*, size_t, const int8_t*, int, int, const float*, int, float*,
                       size_t, int);
constexpr Micro kMicro[kRows] = {micro<1>, micro<2>};

}  // namespace

KB_AVX2 void quantize_row(const float* x, int in, int blocks, int16_t* q, float* s) {
  const __m256 sign = _mm256_set1_ps(-0.0f);
  alignas(32) float tail[kBlock];
  for (int b = 0; b < blocks; ++b) {
    const int n = std::min(kBlock, in - b * kBlock);
    const float* v = x + static_cast<size_t>(b) * kBlock;
    if (n < kBlock) {
      std::fill(tail, tail + kBlock, 0.0f);
      std::copy_n(v, std::max(0, n), tail);
      v = tail;
    }
    __m256 vals[4];
    __m256 amax = _mm256_setzero_ps();
    for (int i = 0; i < 4; ++i) {
      vals[i] = _mm256_loadu_ps(v + 8 * i);
      amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign, vals[i]));
    }
    const float mx = hmax(amax);
    const __m256 iv = _mm256_set1_ps(mx > 0.0f ? 127.0f / mx : 0.0f);
    __m256i c[4];
    // VCVTPS2DQ rounds half to even under the default MXCSR, as nearbyint does.
    for (int i = 0; i < 4; ++i) c[i] = _mm256_cvtps_epi32(_mm256_mul_ps(vals[i], iv));
    int16_t* out = q + static_cast<size_t>(b) * kBlock;
    // VPACKSSDW packs within 128-bit lanes; VPERMQ 0xD8 restores the order.
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out),
                        _mm256_permute4x64_epi64(_mm256_packs_epi32(c[0], c[1]), 0xD8));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 16),
                        _mm256_permute4x64_epi64(_mm256_packs_epi32(c[2], c[3]), 0xD8));
    s[b] = mx / 127.0f;
  }
}

void run(const int16_t* xq, const float* xs, int rows, const PackedW& w, int p0, int p1, float* y) {
  const size_t lda = static_cast<size_t>(w.padded_in()), ldas = static_cast<size_t>(w.blocks());
  const size_t ldy = static_cast<size_t>(w.out());
  for (int p = p0; p < p1; ++p) {
    const int width = w.width(p);
    for (int h = 0; h < width / 16; ++h) {
      const int valid = std::min(16, w.out() - p * kPanel - 16 * h);
      for (int r0 = 0; r0 < rows; r0 += kRows) {
        const int mr = std::min(kRows, rows - r0);
        kMicro[mr - 1](xq + r0 * lda, lda, xs + r0 * ldas, ldas, w.codes(p), width, h, w.scales(p), w.blocks(),
                       y + r0 * ldy + static_cast<size_t>(p) * kPanel + 16 * h, ldy, valid);
      }
    }
  }
}

}  // namespace kbseek::kernels::cpu::int8::avx2
