// Linear layer on the GPU: cuBLAS sgemm, then the bias broadcast.
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"

namespace kbseek::kernels::cuda {

core::Status linear(cublasHandle_t h, cudaStream_t s, const float* x, int rows, int in, const float* w,
                    const float* bias, float* y, int out) {
  KB_RETURN_IF_ERROR(sgemm(h, Transpose::kNo, Transpose::kYes, rows, out, in, 1.0f, x, in, w, in, 0.0f, y, out));
  if (bias == nullptr) return core::Status::ok();
  return add_bias(s, y, rows, out, bias);
}

}  // namespace kbseek::kernels::cuda
