// Row softmax with a scale and an additive column mask.
#include "kernels/cpu/cpu_ops.h"
#include "kernels/cpu/vec_math.h"

namespace kbseek::kernels::cpu {

KB_CPU_DISPATCH void softmax_row(float* x, int cols, float scale, const float* mask) {
  if (mask != nullptr) {
#pragma omp simd
    for (int c = 0; c < cols; ++c) x[c] = x[c] * scale + mask[c];
  } else if (scale != 1.0f) {
#pragma omp simd
    for (int c = 0; c < cols; ++c) x[c] *= scale;
  }
  float mx = -3.0e38f;
#pragma omp simd reduction(max : mx)
  for (int c = 0; c < cols; ++c) mx = x[c] > mx ? x[c] : mx;
  float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
  for (int c = 0; c < cols; ++c) {
    const float e = fast_exp(x[c] - mx);
    x[c] = e;
    sum += e;
  }
  const float inv = 1.0f / sum;
#pragma omp simd
  for (int c = 0; c < cols; ++c) x[c] *= inv;
}

void softmax_rows(float* x, int rows, int cols, int ld, float scale, const float* mask) {
  parallel_for(rows, cols * 12.0, [&](size_t begin, size_t end) {
    for (size_t r = begin; r < end; ++r) softmax_row(x + r * ld, cols, scale, mask);
  });
}

}  // namespace kbseek::kernels::cpu
