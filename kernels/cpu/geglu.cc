// GeGLU, the gated MLP activation of Gemma: gelu_tanh(gate) * up over the
// fused gate|up projection's output.
#include "kernels/cpu/cpu_ops.h"
#include "kernels/cpu/vec_math.h"

namespace kbseek::kernels::cpu {
namespace {

// 0.5 x (1 + tanh(u)) = x * sigmoid(2u) = x / (1 + exp(-2u)): one exp, no
// tanh call, and exact limits (fast_exp gives 0 far below, a huge value far
// above, so the quotient is x or 0 there).
KB_VEC_INLINE float gelu_tanh(float x) {
  const float u = 0.7978845608028654f * (x + 0.044715f * x * x * x);
  return x / (1.0f + fast_exp(-2.0f * u));
}

KB_CPU_DISPATCH void geglu_rows(const float* gu, float* out, size_t rows, int cols) {
  for (size_t r = 0; r < rows; ++r) {
    const float* gate = gu + r * 2 * cols;
    const float* up = gate + cols;
    float* o = out + r * cols;
#pragma omp simd
    for (int c = 0; c < cols; ++c) o[c] = gelu_tanh(gate[c]) * up[c];
  }
}

}  // namespace

void geglu(const float* gu, float* out, int rows, int cols) {
  parallel_for(rows, cols * 20.0, [&](size_t begin, size_t end) {
    geglu_rows(gu + begin * 2 * static_cast<size_t>(cols), out + begin * static_cast<size_t>(cols), end - begin, cols);
  });
}

}  // namespace kbseek::kernels::cpu
