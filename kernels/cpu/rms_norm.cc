// RMSNorm over rows (Gemma, Qwen, Llama), optionally accumulated into the
// residual stream: the post-attention and post-MLP norms of Gemma 3 feed
// straight into `h += norm(x)`, so fusing the add saves a pass over h.
#include <cmath>

#include "kernels/cpu/cpu_ops.h"
#include "kernels/cpu/vec_math.h"

namespace kbseek::kernels::cpu {
namespace {

KB_CPU_DISPATCH void rms_norm_rows(const float* x, float* out, size_t rows, int cols, const float* gamma, float eps,
                                   bool accumulate) {
  for (size_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* o = out + r * cols;
    float sq = 0.0f;
#pragma omp simd reduction(+ : sq)
    for (int c = 0; c < cols; ++c) sq += xr[c] * xr[c];
    const float inv = 1.0f / std::sqrt(sq / static_cast<float>(cols) + eps);
    if (accumulate) {
#pragma omp simd
      for (int c = 0; c < cols; ++c) o[c] += xr[c] * inv * gamma[c];
    } else {
#pragma omp simd
      for (int c = 0; c < cols; ++c) o[c] = xr[c] * inv * gamma[c];
    }
  }
}

}  // namespace

void rms_norm(const float* x, float* out, int rows, int cols, const float* gamma, float eps, bool accumulate) {
  parallel_for(rows, cols * 4.0, [&](size_t begin, size_t end) {
    const size_t off = begin * static_cast<size_t>(cols);
    rms_norm_rows(x + off, out + off, end - begin, cols, gamma, eps, accumulate);
  });
}

}  // namespace kbseek::kernels::cpu
