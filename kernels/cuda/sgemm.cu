// Row-major sgemm on cuBLAS (column-major): C = A B is computed as Cᵀ = Bᵀ Aᵀ.
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"

namespace kbseek::kernels::cuda {
namespace {
cublasOperation_t to_cublas(Transpose t) { return t == Transpose::kYes ? CUBLAS_OP_T : CUBLAS_OP_N; }
}  // namespace

core::Status sgemm(cublasHandle_t h, Transpose ta, Transpose tb, int m, int n, int k, float alpha, const float* a,
                   int lda, const float* b, int ldb, float beta, float* c, int ldc) {
  KB_CUBLAS_CHECK(cublasSgemm(h, to_cublas(tb), to_cublas(ta), n, m, k, &alpha, b, ldb, a, lda, &beta, c, ldc));
  return core::Status::ok();
}

core::Status sgemm_batched(cublasHandle_t h, Transpose ta, Transpose tb, int m, int n, int k, float alpha,
                           const float* a, int lda, int64_t stride_a, const float* b, int ldb, int64_t stride_b,
                           float beta, float* c, int ldc, int64_t stride_c, int batch) {
  KB_CUBLAS_CHECK(cublasSgemmStridedBatched(h, to_cublas(tb), to_cublas(ta), n, m, k, &alpha, b, ldb, stride_b, a, lda,
                                            stride_a, &beta, c, ldc, stride_c, batch));
  return core::Status::ok();
}

}  // namespace kbseek::kernels::cuda
