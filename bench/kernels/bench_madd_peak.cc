// bench_madd_peak: the ceiling of the AVX2 int8 kernel (kernels/cpu/
// int8_gemm_avx2.cc) on this CPU. It runs that kernel's inner step alone —
// per group of 4 values, two 32-byte weight loads, two 4-byte broadcasts of
// activation codes, two VPABSB, then four each of VPSIGNB, VPMADDUBSW,
// VPMADDWD by ones and VPADDD (2 rows × 16 outputs) — on data that stays in
// L1, with no block scales and no stores, and reports its multiply-adds per
// second. Beside it: the same without VPSIGNB/VPABSB (what an inexact form
// with 7-bit codes on one side would run at), the earlier step (VPMOVSXBW
// weights, 8 VPMADDWD + 8 VPADDD per 128 products) and the fp32 FMA peak (a
// 4 × 16 tile, as kernels/cpu/sgemm_small.cc). Compare with the int8 column
// of bench_linear_rows: the distance between the two is all a better tile
// could gain.
//
//   build/bench/kernels/bench_madd_peak [--seconds S]
#include <immintrin.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

#define KB_AVX2 __attribute__((target("avx2,fma"), noinline))
#define KB_AVX2_INLINE __attribute__((target("avx2,fma"), always_inline)) inline

// The sum of v's 8 int32 lanes (keeps the loops' results live).
KB_AVX2 int64_t lane_sum(__m256i v) {
  int32_t o[8];
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(o), v);
  int64_t t = 0;
  for (int i = 0; i < 8; ++i) t += o[i];
  return t;
}

// 128 multiply-adds per iteration.
template <bool kWiden>
KB_AVX2 int64_t madd_steps(const int8_t* w, const int16_t* x, long iters) {
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0;
  for (long i = 0; i < iters; ++i) {
    const int8_t* cg = w + (i & 63) * 64;
    const int16_t* ab = x + (i & 7) * 4;
    __m256i w0, w1;
    if (kWiden) {
      w0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(cg)));
      w1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(cg + 16)));
    } else {
      w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(cg));
      w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(cg + 32));
    }
    int64_t four[4];
    for (int r = 0; r < 4; ++r) std::memcpy(&four[r], ab + 64 * r, 8);
    const __m256i x0 = _mm256_set1_epi64x(four[0]), x1 = _mm256_set1_epi64x(four[1]);
    const __m256i x2 = _mm256_set1_epi64x(four[2]), x3 = _mm256_set1_epi64x(four[3]);
    a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(w0, x0));
    a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(w1, x0));
    a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(w0, x1));
    a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(w1, x1));
    a4 = _mm256_add_epi32(a4, _mm256_madd_epi16(w0, x2));
    a5 = _mm256_add_epi32(a5, _mm256_madd_epi16(w1, x2));
    a6 = _mm256_add_epi32(a6, _mm256_madd_epi16(w0, x3));
    a7 = _mm256_add_epi32(a7, _mm256_madd_epi16(w1, x3));
  }
  return lane_sum(_mm256_add_epi32(_mm256_add_epi32(_mm256_add_epi32(a0, a1), _mm256_add_epi32(a2, a3)),
                                   _mm256_add_epi32(_mm256_add_epi32(a4, a5), _mm256_add_epi32(a6, a7))));
}

// x's 4 codes (broadcast) times 8 outputs' 4 codes, summed per output: with
// the sign transfer (exact), or x taken as unsigned.
template <bool kSign>
KB_AVX2_INLINE __m256i dot4(__m256i x, __m256i w, __m256i ones) {
  const __m256i pairs =
      kSign ? _mm256_maddubs_epi16(_mm256_abs_epi8(x), _mm256_sign_epi8(w, x)) : _mm256_maddubs_epi16(x, w);
  return _mm256_madd_epi16(pairs, ones);
}

// 128 multiply-adds per iteration: 2 rows × 16 outputs × 4 values, the
// current kernel's step (kSign) or the same without the sign transfer.
template <bool kSign>
KB_AVX2 int64_t maddubs_steps(const int8_t* w, const int8_t* x, long iters) {
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i a0 = _mm256_setzero_si256(), a1 = a0, a2 = a0, a3 = a0;
  for (long i = 0; i < iters; ++i) {
    const int8_t* cg = w + (i & 63) * 64;
    const int8_t* ab = x + (i & 7) * 4;
    const __m256i w0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(cg));
    const __m256i w1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(cg + 32));
    int32_t four[2];
    for (int r = 0; r < 2; ++r) std::memcpy(&four[r], ab + 64 * r, 4);
    const __m256i x0 = _mm256_set1_epi32(four[0]), x1 = _mm256_set1_epi32(four[1]);
    a0 = _mm256_add_epi32(a0, dot4<kSign>(x0, w0, ones));
    a1 = _mm256_add_epi32(a1, dot4<kSign>(x0, w1, ones));
    a2 = _mm256_add_epi32(a2, dot4<kSign>(x1, w0, ones));
    a3 = _mm256_add_epi32(a3, dot4<kSign>(x1, w1, ones));
  }
  return lane_sum(_mm256_add_epi32(_mm256_add_epi32(a0, a1), _mm256_add_epi32(a2, a3)));
}

// 64 multiply-adds per iteration: a 4 × 16 fp32 tile.
KB_AVX2 float fma_steps(const float* b, const float* a, long iters) {
  __m256 c[4][2];
  for (auto& r : c) r[0] = r[1] = _mm256_setzero_ps();
  for (long i = 0; i < iters; ++i) {
    const float* bp = b + (i & 63) * 16;
    const __m256 b0 = _mm256_loadu_ps(bp), b1 = _mm256_loadu_ps(bp + 8);
    for (int r = 0; r < 4; ++r) {
      const __m256 av = _mm256_broadcast_ss(a + r * 64 + (i & 63));
      c[r][0] = _mm256_fmadd_ps(av, b0, c[r][0]);
      c[r][1] = _mm256_fmadd_ps(av, b1, c[r][1]);
    }
  }
  __m256 s = _mm256_setzero_ps();
  for (auto& r : c) s = _mm256_add_ps(s, _mm256_add_ps(r[0], r[1]));
  float o[8];
  _mm256_storeu_ps(o, s);
  return o[0] + o[7];
}

double gmacs(double seconds, long calls, long iters, int macs) {
  return static_cast<double>(calls) * static_cast<double>(iters) * macs / seconds / 1e9;
}

}  // namespace

int main(int argc, char** argv) {
  double seconds = 2.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--seconds") seconds = std::atof(argv[i + 1]);
  }
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) {
    std::printf("bench_madd_peak: this CPU lacks AVX2 + FMA\n");
    return 0;
  }
  alignas(64) static int8_t w[64 * 64 + 64];
  alignas(64) static int16_t x[512];
  alignas(64) static int8_t xb[512];
  alignas(64) static float fb[64 * 16 + 16], fa[512];
  for (size_t i = 0; i < sizeof w; ++i) w[i] = static_cast<int8_t>(i * 7);
  for (int i = 0; i < 512; ++i) x[i] = static_cast<int16_t>((i * 3) % 255 - 127), fa[i] = 0.001f * i;
  for (int i = 0; i < 512; ++i) xb[i] = static_cast<int8_t>(x[i]);
  for (int i = 0; i < 64 * 16 + 16; ++i) fb[i] = 0.002f * (i % 97);
  const long iters = 1 << 20;
  using Clock = std::chrono::steady_clock;
  const auto measure = [&](auto fn, int macs) {
    long calls = 0;
    volatile double sink = 0;
    const auto t0 = Clock::now();
    double s = 0;
    do {
      sink = sink + static_cast<double>(fn());
      ++calls;
      s = std::chrono::duration<double>(Clock::now() - t0).count();
    } while (s < seconds);
    return gmacs(s, calls, iters, macs);
  };
  const double signed_step = measure([&] { return maddubs_steps<true>(w, xb, iters); }, 128);
  const double unsigned_step = measure([&] { return maddubs_steps<false>(w, xb, iters); }, 128);
  const double widened = measure([&] { return madd_steps<true>(w, x, iters); }, 128);
  const double plain = measure([&] { return madd_steps<false>(w, x, iters); }, 128);
  const double fp32 = measure([&] { return fma_steps(fb, fa, iters); }, 64);
  std::printf("one thread, data in L1, %.1f s each; multiply-adds per second (G):\n\n", seconds);
  std::printf("| inner step | GMAC/s |\n|---|---:|\n");
  std::printf("| int8 kernel's step: 2 VPABSB, 4 each of VPSIGNB, VPMADDUBSW, VPMADDWD, VPADDD | %.1f |\n",
              signed_step);
  std::printf("| the same without VPABSB and VPSIGNB (inexact unless one side has 7-bit codes) | %.1f |\n",
              unsigned_step);
  std::printf("| the earlier step: VPMOVSXBW weights, 8 VPMADDWD + 8 VPADDD | %.1f |\n", widened);
  std::printf("| the earlier step with int16 weights (no widening) | %.1f |\n", plain);
  std::printf("| fp32 4 x 16 FMA tile | %.1f |\n", fp32);
  return 0;
}
