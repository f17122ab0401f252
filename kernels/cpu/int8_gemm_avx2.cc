// int8_gemm_avx2.h: a tile of up to 2 rows × 16 outputs. Per group of 4
// values of a 32-value block: two 32-byte loads of the 16 outputs' codes (8
// outputs × 4 codes each, as packed), and per row one 4-byte broadcast of its
// codes, one VPABSB, then per 8 outputs VPSIGNB, VPMADDUBSW, VPMADDWD by ones
// and VPADDD: int32 sums of 8 outputs in order. At the end of the block one
// convert, one product with the weight scales and one FMA with the row's
// scale: the VNNI kernel's arithmetic and order. Compiled for AVX2 through
// target attributes only; int8::available() gates calls.
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

// Per output of 8: the int32 sum of x's 4 codes (broadcast xv, |x| in ax)
// times its 4 codes in w. Pairs reach at most 2 · 127 · 127: no saturation.
KB_AVX2 inline __m256i dot4(__m256i ax, __m256i xv, __m256i w, __m256i ones) {
  return _mm256_madd_epi16(_mm256_maddubs_epi16(ax, _mm256_sign_epi8(w, xv)), ones);
}

// y[MR × 16] = MR code rows against outputs [16h, 16h + 16) of one panel
// (width wd); `valid` of them are written.
template <int MR>
KB_AVX2 void micro(const int8_t* a, size_t lda, const float* as, size_t ldas, const int8_t* codes, int wd, int h,
                   const float* ws, int blocks, float* y, size_t ldy, int valid) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256 acc[MR][2];
  for (int r = 0; r < MR; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
  for (int b = 0; b < blocks; ++b) {
    __m256i s[MR][2];
    for (int r = 0; r < MR; ++r) s[r][0] = s[r][1] = _mm256_setzero_si256();
    const int8_t* cb = codes + static_cast<size_t>(b) * kWeightBlock * wd + 64 * h;
    const int8_t* ab = a + static_cast<size_t>(b) * kBlock;
#pragma GCC unroll 8
    for (int g = 0; g < kWeightBlock / 4; ++g) {
      const int8_t* cg = cb + static_cast<size_t>(g) * wd * 4;
      const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(cg));
      const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(cg + 32));
      for (int r = 0; r < MR; ++r) {
        int32_t four;
        std::memcpy(&four, ab + r * lda + 4 * g, 4);
        const __m256i xv = _mm256_set1_epi32(four);
        const __m256i ax = _mm256_abs_epi8(xv);
        s[r][0] = _mm256_add_epi32(s[r][0], dot4(ax, xv, w0, ones));
        s[r][1] = _mm256_add_epi32(s[r][1], dot4(ax, xv, w1, ones));
      }
    }
    const __m256 ws0 = _mm256_loadu_ps(ws + static_cast<size_t>(b) * kPanel + 16 * h);
    const __m256 ws1 = _mm256_loadu_ps(ws + static_cast<size_t>(b) * kPanel + 16 * h + 8);
    for (int r = 0; r < MR; ++r) {
      const __m256 xs = _mm256_set1_ps(as[r * ldas + b]);
      acc[r][0] = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(s[r][0]), ws0), xs, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(_mm256_mul_ps(_mm256_cvtepi32_ps(s[r][1]), ws1), xs, acc[r][1]);
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

using Micro = void (*)(const int8_t*, size_t, const float*, size_t, const int8_t*, int, int, const float*, int, float*,
                       size_t, int);
constexpr Micro kMicro[kRows] = {micro<1>, micro<2>};

}  // namespace

KB_AVX2 void quantize_row(const float* x, int in, int blocks, int8_t* q, float* s) {
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
    // VPACKSSDW then VPACKSSWB pack within 128-bit lanes: the result holds
    // codes 0-3 of c[0], c[1], c[2], c[3], then codes 4-7 of each, 4 bytes
    // apiece; VPERMD 0,4,1,5,2,6,3,7 restores the order.
    const __m256i bytes = _mm256_packs_epi16(_mm256_packs_epi32(c[0], c[1]), _mm256_packs_epi32(c[2], c[3]));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(q + static_cast<size_t>(b) * kBlock),
                        _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7)));
    s[b] = mx / 127.0f;
  }
}

void run(const int8_t* xq, const float* xs, int rows, const PackedW& w, int p0, int p1, float* y) {
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
