// Branch-free float exp and erf that GCC vectorises inside `omp simd` loops
// (libm's expf/erff are scalar calls and would dominate GELU and softmax).
#pragma once

#include <cstdint>
#include <cstring>

// Compiles the annotated function for AVX-512F, AVX2 and baseline x86-64 and
// picks one at load time (GNU ifunc) by CPU features, so the library needs no
// -march flag. (Clones named by "arch=" dispatch on the CPU model instead and
// fell back to SSE2 on this project's Xeon: 4× slower softmax.)
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define KB_CPU_DISPATCH __attribute__((target_clones("default", "avx2", "avx512f")))
#else
#define KB_CPU_DISPATCH
#endif

// Force inlining into the clones: GCC may refuse across target boundaries.
#if defined(__GNUC__)
#define KB_VEC_INLINE inline __attribute__((always_inline))
#else
#define KB_VEC_INLINE inline
#endif

namespace kbseek::kernels::cpu {

// exp(x) with relative error below 2e-7 on [-87, 88]; 0 below -87.3, as
// masked softmax entries need an exact zero. Cephes-style: 2^n * p(r).
KB_VEC_INLINE float fast_exp(float x) {
  const float xc = x < -87.3f ? -87.3f : (x > 88.7f ? 88.7f : x);
  const float kShift = 12582912.0f;  // 1.5 * 2^23: adding it rounds to an integer
  const float t = xc * 1.44269504f + kShift;
  const float n = t - kShift;
  float r = xc - n * 0.693359375f;
  r = r - n * -2.12194440e-4f;
  float p = 1.9875691500e-4f;
  p = p * r + 1.3981999507e-3f;
  p = p * r + 8.3334519073e-3f;
  p = p * r + 4.1665795894e-2f;
  p = p * r + 1.6666665459e-1f;
  p = p * r + 5.0000001201e-1f;
  p = p * r * r + r + 1.0f;
  int32_t ni = static_cast<int32_t>(n);
  int32_t bits;
  std::memcpy(&bits, &p, sizeof bits);
  bits += ni * (1 << 23);
  float out;
  std::memcpy(&out, &bits, sizeof out);
  return x < -87.3f ? 0.0f : out;
}

// erf(x) by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7), the same formula
// PyTorch's vectorised CPU GELU uses.
KB_VEC_INLINE float fast_erf(float x) {
  const float ax = x < 0.0f ? -x : x;
  const float t = 1.0f / (1.0f + 0.3275911f * ax);
  float p = 1.061405429f;
  p = p * t - 1.453152027f;
  p = p * t + 1.421413741f;
  p = p * t - 0.284496736f;
  p = p * t + 0.254829592f;
  const float y = 1.0f - p * t * fast_exp(-ax * ax);
  return x < 0.0f ? -y : y;
}

// HF BERT's "gelu": x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)).
KB_VEC_INLINE float gelu_erf(float x) { return 0.5f * x * (1.0f + fast_erf(x * 0.70710678118654752f)); }

}  // namespace kbseek::kernels::cpu
