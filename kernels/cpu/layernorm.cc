// LayerNorm over rows, optionally fused with the residual addition before it.
#include <cmath>

#include "kernels/cpu/cpu_ops.h"
#include "kernels/cpu/vec_math.h"

namespace kbseek::kernels::cpu {

// Two passes (mean, then centred variance): one-pass E[x²]−E[x]² loses digits
// on BERT's large-offset activations. The mean is summed relative to x[0] so a
// common offset does not eat the float accumulator's precision either.
KB_CPU_DISPATCH void layernorm_row(const float* x, const float* residual, float* out, int cols, const float* gamma,
                                   const float* beta, float eps) {
  if (residual != nullptr) {
#pragma omp simd
    for (int c = 0; c < cols; ++c) out[c] = x[c] + residual[c];
    x = out;
  }
  const float pivot = x[0];
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (int c = 0; c < cols; ++c) sum += x[c] - pivot;
  const float mean = pivot + sum / cols;
  float sq = 0.0f;
#pragma omp simd reduction(+ : sq)
  for (int c = 0; c < cols; ++c) {
    const float d = x[c] - mean;
    sq += d * d;
  }
  const float inv = 1.0f / std::sqrt(sq / cols + eps);
#pragma omp simd
  for (int c = 0; c < cols; ++c) out[c] = (x[c] - mean) * inv * gamma[c] + beta[c];
}

void layernorm(const float* x, const float* residual, float* out, int rows, int cols, const float* gamma,
               const float* beta, float eps) {
  parallel_for(rows, cols * 2.0, [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) {
      const size_t off = r * static_cast<size_t>(cols);
      layernorm_row(x + off, residual ? residual + off : nullptr, out + off, cols, gamma, beta, eps);
    }
  });
}

}  // namespace kbseek::kernels::cpu
