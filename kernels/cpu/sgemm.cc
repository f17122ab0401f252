// sgemm through OpenBLAS's cblas (single-threaded, see parallel.cc), split
// over output columns across the thread pool: each thread packs only its
// slice of B (the weights, for a Linear layer) and all of the smaller A.
#include <cblas.h>

#include "kernels/cpu/cpu_ops.h"

namespace kbseek::kernels::cpu {
namespace {

CBLAS_TRANSPOSE to_cblas(Transpose t) { return t == Transpose::kYes ? CblasTrans : CblasNoTrans; }

// Column blocks narrower than this lose more to repacking A than they gain.
constexpr int kMinColumnsPerThread = 64;

}  // namespace

void sgemm(Transpose ta, Transpose tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
           int ldb, float beta, float* c, int ldc) {
  const size_t blocks = static_cast<size_t>(n / kMinColumnsPerThread);
  const double flops_per_block = 2.0 * m * k * kMinColumnsPerThread;
  parallel_for(blocks > 0 ? blocks : 1, flops_per_block, [&](size_t begin, size_t end) {
    const int n0 = static_cast<int>(begin * n / (blocks > 0 ? blocks : 1));
    const int n1 = static_cast<int>(end * n / (blocks > 0 ? blocks : 1));
    // Column n0 of op(B): row n0 of B when B is stored transposed.
    const float* b0 = tb == Transpose::kYes ? b + static_cast<size_t>(n0) * ldb : b + n0;
    cblas_sgemm(CblasRowMajor, to_cblas(ta), to_cblas(tb), m, n1 - n0, k, alpha, a, lda, b0, ldb, beta, c + n0, ldc);
  });
}

void sgemm_batched(Transpose ta, Transpose tb, int m, int n, int k, float alpha, const float* a, int lda,
                   int64_t stride_a, const float* b, int ldb, int64_t stride_b, float beta, float* c, int ldc,
                   int64_t stride_c, int batch) {
  parallel_for(static_cast<size_t>(batch), 2.0 * m * n * k, [&](size_t begin, size_t end) {
    for (size_t i = begin; i < end; ++i) {
      cblas_sgemm(CblasRowMajor, to_cblas(ta), to_cblas(tb), m, n, k, alpha, a + i * stride_a, lda, b + i * stride_b,
                  ldb, beta, c + i * stride_c, ldc);
    }
  });
}

}  // namespace kbseek::kernels::cpu
