// The elementwise parts are `omp simd` loops compiled for AVX-512, AVX2 and
// baseline x86-64 (target_clones picks at load time): once the products ran
// on AMX, the scalar layer norm alone took a quarter of the time (perf).
// Reductions keep one partial sum per SIMD lane, which is as accurate as
// numpy's pairwise sums for rows of ~1,000 floats.
#include "encoder/use/use_ops.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/thread_pool.h"

#define KB_USE_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

namespace kbseek::encoder::use_ops {
namespace {

// A hand-off to the pool costs a few µs on an idle machine but up to a
// scheduler slice when the other core is busy (the 2-core CI machine runs
// builds beside us: splitting every product of a single query took its p50
// latency from 0.6 to 2 ms). So only products of ≳0.2 ms are split.
constexpr double kMinSplitFlops = 1.0e7;

}  // namespace

void sgemm(int m, int n, int k, const float* a, int lda, const float* b, float* c, int ldc, bool accumulate, int ways,
           const kernels::cpu::PackedStrips* strips) {
  if (m == 0 || n == 0) return;
  const float beta = accumulate ? 1.0f : 0.0f;
  const bool small = strips != nullptr && !strips->empty() && m <= kernels::cpu::kSgemmSmallMaxRows;
  const auto product = [&](int begin, int end) {
    if (small) return kernels::cpu::sgemm_small(m, a, lda, *strips, begin, end, c, ldc, accumulate);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, end - begin, k, 1.0f, a, lda, b + begin, n, beta,
                c + begin, ldc);
  };
  const double flops = 2.0 * m * n * k;
  if (ways <= 1 || flops < kMinSplitFlops || n < 32) return product(0, n);
  const int parts = std::min(ways, n / 16);
  core::ThreadPool::global().parallel_for(static_cast<size_t>(parts), [&](size_t pb, size_t pe) {
    for (size_t p = pb; p < pe; ++p) {
      // Column ranges on 16-float boundaries keep each part's loads aligned
      // (and start a strip).
      const int begin = static_cast<int>(((static_cast<int64_t>(n) * p / parts) / 16) * 16);
      const int end = p + 1 == static_cast<size_t>(parts)
                          ? n
                          : static_cast<int>(((static_cast<int64_t>(n) * (p + 1) / parts) / 16) * 16);
      if (begin < end) product(begin, end);
    }
  });
}

KB_USE_CLONES void layer_norm_rows(float* x, int rows, int cols, int ld, const float* gamma, const float* beta,
                                   float eps) {
  for (int r = 0; r < rows; ++r) {
    float* row = x + static_cast<size_t>(r) * ld;
    float sum = 0.0f;
#pragma omp simd reduction(+ : sum)
    for (int j = 0; j < cols; ++j) sum += row[j];
    const float mean = sum / static_cast<float>(cols);
    float sq = 0.0f;
#pragma omp simd reduction(+ : sq)
    for (int j = 0; j < cols; ++j) {
      const float d = row[j] - mean;
      row[j] = d;
      sq += d * d;
    }
    const float inv = 1.0f / std::sqrt(sq / static_cast<float>(cols) + eps);
#pragma omp simd
    for (int j = 0; j < cols; ++j) row[j] = row[j] * inv * gamma[j] + beta[j];
  }
}

KB_USE_CLONES void add_bias_rows(float* x, int rows, int cols, int ld, const float* bias) {
  for (int r = 0; r < rows; ++r) {
    float* row = x + static_cast<size_t>(r) * ld;
#pragma omp simd
    for (int j = 0; j < cols; ++j) row[j] += bias[j];
  }
}

KB_USE_CLONES void bias_relu_residual_rows(float* y, int ldy, const float* residual, int ldr, int rows, int cols,
                                           const float* bias) {
  for (int r = 0; r < rows; ++r) {
    float* yr = y + static_cast<size_t>(r) * ldy;
    const float* rr = residual + static_cast<size_t>(r) * ldr;
#pragma omp simd
    for (int j = 0; j < cols; ++j) yr[j] = std::max(yr[j] + bias[j], 0.0f) + rr[j];
  }
}

KB_USE_CLONES void sum_rows_per_sequence(const float* x, int ld, int cols, const int* offsets, int num_seqs,
                                         float* sums) {
  for (int b = 0; b < num_seqs; ++b) {
    float* sum = sums + static_cast<size_t>(b) * cols;
    std::fill(sum, sum + cols, 0.0f);
    for (int t = offsets[b]; t < offsets[b + 1]; ++t) {
      const float* row = x + static_cast<size_t>(t) * ld;
#pragma omp simd
      for (int j = 0; j < cols; ++j) sum[j] += row[j];
    }
  }
}

template <typename T>
void gather_windows(const T* x, int ld, int cols, const int* offsets, int num_seqs, int width, int left, T* out) {
  const size_t row_bytes = sizeof(T) * static_cast<size_t>(cols);
  const size_t out_ld = static_cast<size_t>(width) * cols;
  for (int b = 0; b < num_seqs; ++b) {
    const int begin = offsets[b], end = offsets[b + 1];
    for (int t = begin; t < end; ++t) {
      T* o = out + static_cast<size_t>(t) * out_ld;
      for (int w = 0; w < width; ++w) {
        const int src = t - left + w;
        T* dst = o + static_cast<size_t>(w) * cols;
        if (src >= begin && src < end)
          std::memcpy(dst, x + static_cast<size_t>(src) * ld, row_bytes);
        else
          std::memset(dst, 0, row_bytes);
      }
    }
  }
}

template void gather_windows<float>(const float*, int, int, const int*, int, int, int, float*);
template void gather_windows<uint16_t>(const uint16_t*, int, int, const int*, int, int, int, uint16_t*);

KB_USE_CLONES void ngram_first_layer(const float* y, int ld_y, const float* x, int ld_x, const int* row_of,
                                     const int* offsets, int num_seqs, int width, int left, int cols, const float* bias,
                                     float* h) {
  // One pass per output row, the sum kept in registers: summing into h row by
  // row re-read and re-stored it `width` times, and its relu loop ran scalar
  // (perf: 15% of a long batch in this function). Same order of additions.
  constexpr int kMaxWidth = 16;  // use_config.cc rejects wider windows
  const float* src_rows[kMaxWidth];
  for (int b = 0; b < num_seqs; ++b) {
    const int begin = offsets[b], end = offsets[b + 1];
    for (int t = begin; t < end; ++t) {
      int n = 0;
      for (int w = 0; w < width && w < kMaxWidth; ++w) {
        const int src = t - left + w;
        if (src >= begin && src < end)
          src_rows[n++] = y + static_cast<size_t>(row_of[src]) * ld_y + static_cast<size_t>(w) * cols;
      }
      const float* xr = x + static_cast<size_t>(row_of[t]) * ld_x;
      float* o = h + static_cast<size_t>(t) * cols;
      // Blocks of 16 columns with a fixed-size accumulator: GCC vectorises
      // these inner loops, not a column loop around the runtime-length one.
      int j0 = 0;
      for (; j0 + 16 <= cols; j0 += 16) {
        float acc[16];
#pragma omp simd
        for (int j = 0; j < 16; ++j) acc[j] = bias[j0 + j];
        for (int k = 0; k < n; ++k) {
          const float* r = src_rows[k] + j0;
#pragma omp simd
          for (int j = 0; j < 16; ++j) acc[j] += r[j];
        }
#pragma omp simd
        for (int j = 0; j < 16; ++j) o[j0 + j] = std::max(acc[j], 0.0f) + xr[j0 + j];
      }
      for (int j = j0; j < cols; ++j) {
        float sum = bias[j];
        for (int k = 0; k < n; ++k) sum += src_rows[k][j];
        o[j] = std::max(sum, 0.0f) + xr[j];
      }
    }
  }
}

}  // namespace kbseek::encoder::use_ops
