// SwiGLU, the gated MLP activation of Qwen 2 and Llama: silu(gate) * up over
// the fused gate|up projection's output (the layout geglu.cc reads).
#include "kernels/cpu/cpu_ops.h"
#include "kernels/cpu/vec_math.h"

namespace kbseek::kernels::cpu {
namespace {

// silu(x) = x / (1 + exp(-x)); fast_exp's limits give x far above, 0 far below.
KB_CPU_DISPATCH void swiglu_rows(const float* gu, float* out, size_t rows, int cols) {
  for (size_t r = 0; r < rows; ++r) {
    const float* gate = gu + r * 2 * cols;
    const float* up = gate + cols;
    float* o = out + r * cols;
#pragma omp simd
    for (int c = 0; c < cols; ++c) o[c] = gate[c] / (1.0f + fast_exp(-gate[c])) * up[c];
  }
}

}  // namespace

void swiglu(const float* gu, float* out, int rows, int cols) {
  parallel_for(rows, cols * 12.0, [&](size_t begin, size_t end) {
    swiglu_rows(gu + begin * 2 * static_cast<size_t>(cols), out + begin * static_cast<size_t>(cols), end - begin, cols);
  });
}

}  // namespace kbseek::kernels::cpu
