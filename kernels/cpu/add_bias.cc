// Row-broadcast bias addition (the bias of a Linear layer after its sgemm).
#include "kernels/cpu/cpu_ops.h"
#include "kernels/cpu/vec_math.h"

namespace kbseek::kernels::cpu {
namespace {

KB_CPU_DISPATCH void add_bias_rows(float* x, size_t rows, int cols, const float* bias) {
  for (size_t r = 0; r < rows; ++r) {
    float* row = x + r * cols;
#pragma omp simd
    for (int c = 0; c < cols; ++c) row[c] += bias[c];
  }
}

}  // namespace

void add_bias(float* x, int rows, int cols, const float* bias) {
  // Memory-bound: worth a second thread only for large activations.
  parallel_for(rows, cols * 0.25,
               [&](size_t begin, size_t end) { add_bias_rows(x + begin * cols, end - begin, cols, bias); });
}

}  // namespace kbseek::kernels::cpu
