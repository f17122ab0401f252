// GELU (erf form) and the fused bias + GELU that follows BERT's FFN up-projection.
#include "kernels/cpu/cpu_ops.h"
#include "kernels/cpu/vec_math.h"

namespace kbseek::kernels::cpu {
namespace {

KB_CPU_DISPATCH void gelu_span(float* x, size_t n) {
#pragma omp simd
  for (size_t i = 0; i < n; ++i) x[i] = gelu_erf(x[i]);
}

KB_CPU_DISPATCH void bias_gelu_rows(float* x, size_t rows, int cols, const float* bias) {
  for (size_t r = 0; r < rows; ++r) {
    float* row = x + r * cols;
#pragma omp simd
    for (int c = 0; c < cols; ++c) row[c] = gelu_erf(row[c] + bias[c]);
  }
}

}  // namespace

void gelu(float* x, size_t n) {
  constexpr size_t kChunk = 4096;
  const size_t chunks = (n + kChunk - 1) / kChunk;
  parallel_for(chunks, kChunk * 20.0, [&](size_t begin, size_t end) {
    const size_t lo = begin * kChunk;
    const size_t hi = end * kChunk < n ? end * kChunk : n;
    gelu_span(x + lo, hi - lo);
  });
}

void bias_gelu(float* x, int rows, int cols, const float* bias) {
  parallel_for(rows, cols * 20.0,
               [&](size_t begin, size_t end) { bias_gelu_rows(x + begin * cols, end - begin, cols, bias); });
}

}  // namespace kbseek::kernels::cpu
