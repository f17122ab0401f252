// Plain loops for the elementwise parts (a few percent of the run time next
// to sgemm, measured with perf on the bench); layer-norm statistics in double
// so long rows do not drift from numpy's pairwise sums.
#include "encoder/use/use_ops.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>

#include "core/thread_pool.h"

namespace kbseek::encoder::use_ops {
namespace {

// Below ~1 MFLOP a hand-off to the pool (a few µs) costs more than it saves.
constexpr double kMinSplitFlops = 1.0e6;

}  // namespace

void pin_blas_to_one_thread() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

void sgemm(int m, int n, int k, const float* a, int lda, const float* b, float* c, int ldc, bool accumulate,
           int ways) {
  if (m == 0 || n == 0) return;
  const float beta = accumulate ? 1.0f : 0.0f;
  const double flops = 2.0 * m * n * k;
  if (ways <= 1 || flops < kMinSplitFlops || n < 32) {
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a, lda, b, n, beta, c, ldc);
    return;
  }
  const int parts = std::min(ways, n / 16);
  core::ThreadPool::global().parallel_for(static_cast<size_t>(parts), [&](size_t pb, size_t pe) {
    for (size_t p = pb; p < pe; ++p) {
      // Column ranges on 16-float boundaries keep each part's loads aligned.
      const int begin = static_cast<int>(((static_cast<int64_t>(n) * p / parts) / 16) * 16);
      const int end = p + 1 == static_cast<size_t>(parts) ? n
                                                         : static_cast<int>(((static_cast<int64_t>(n) * (p + 1) / parts) / 16) * 16);
      if (begin < end) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, end - begin, k, 1.0f, a, lda, b + begin, n, beta,
                    c + begin, ldc);
      }
    }
  });
}

void layer_norm_rows(float* x, int rows, int cols, int ld, const float* gamma, const float* beta, float eps) {
  for (int r = 0; r < rows; ++r) {
    float* row = x + static_cast<size_t>(r) * ld;
    double sum = 0;
    for (int j = 0; j < cols; ++j) sum += row[j];
    const float mean = static_cast<float>(sum / cols);
    double sq = 0;
    for (int j = 0; j < cols; ++j) {
      const float d = row[j] - mean;
      row[j] = d;
      sq += static_cast<double>(d) * d;
    }
    const float inv = 1.0f / std::sqrt(static_cast<float>(sq / cols) + eps);
    for (int j = 0; j < cols; ++j) row[j] = row[j] * inv * gamma[j] + beta[j];
  }
}

void add_bias_rows(float* x, int rows, int cols, int ld, const float* bias) {
  for (int r = 0; r < rows; ++r) {
    float* row = x + static_cast<size_t>(r) * ld;
    for (int j = 0; j < cols; ++j) row[j] += bias[j];
  }
}

void bias_relu_residual_rows(float* y, int ldy, const float* residual, int ldr, int rows, int cols,
                             const float* bias) {
  for (int r = 0; r < rows; ++r) {
    float* yr = y + static_cast<size_t>(r) * ldy;
    const float* rr = residual + static_cast<size_t>(r) * ldr;
    for (int j = 0; j < cols; ++j) yr[j] = std::max(yr[j] + bias[j], 0.0f) + rr[j];
  }
}

void gather_windows(const float* x, int ld, int cols, const int* offsets, int num_seqs, int width, int left,
                    float* out) {
  const size_t row_bytes = sizeof(float) * static_cast<size_t>(cols);
  const size_t out_ld = static_cast<size_t>(width) * cols;
  for (int b = 0; b < num_seqs; ++b) {
    const int begin = offsets[b], end = offsets[b + 1];
    for (int t = begin; t < end; ++t) {
      float* o = out + static_cast<size_t>(t) * out_ld;
      for (int w = 0; w < width; ++w) {
        const int src = t - left + w;
        if (src >= begin && src < end) std::memcpy(o + static_cast<size_t>(w) * cols, x + static_cast<size_t>(src) * ld, row_bytes);
        else std::memset(o + static_cast<size_t>(w) * cols, 0, row_bytes);
      }
    }
  }
}

void sum_shifted_products(const float* y, int ld, int cols, const int* row_of, const int* offsets, int num_seqs,
                          int width, int left, const float* bias, float* out) {
  for (int b = 0; b < num_seqs; ++b) {
    const int begin = offsets[b], end = offsets[b + 1];
    for (int t = begin; t < end; ++t) {
      float* o = out + static_cast<size_t>(t) * cols;
      std::memcpy(o, bias, sizeof(float) * static_cast<size_t>(cols));
      for (int w = 0; w < width; ++w) {
        const int src = t - left + w;
        if (src < begin || src >= end) continue;
        const float* p = y + static_cast<size_t>(row_of[src]) * ld + static_cast<size_t>(w) * cols;
        for (int j = 0; j < cols; ++j) o[j] += p[j];
      }
    }
  }
}

}  // namespace kbseek::encoder::use_ops
