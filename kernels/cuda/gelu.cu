// GELU (erf form) and fused bias + GELU on the GPU.
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"

namespace kbseek::kernels::cuda {
namespace {

__device__ __forceinline__ float gelu_erf(float x) { return 0.5f * x * (1.0f + erff(x * 0.70710678118654752f)); }

__global__ void gelu_kernel(float* x, size_t n) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    x[i] = gelu_erf(x[i]);
  }
}

__global__ void bias_gelu_kernel(float* x, size_t n, int cols, const float* bias) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    x[i] = gelu_erf(x[i] + bias[i % cols]);
  }
}

int grid_for(size_t n, int threads) {
  const size_t blocks = (n + threads - 1) / threads;
  return static_cast<int>(blocks < 65535 ? blocks : 65535);
}

}  // namespace

core::Status gelu(cudaStream_t s, float* x, size_t n) {
  if (n == 0) return core::Status::ok();
  gelu_kernel<<<grid_for(n, 256), 256, 0, s>>>(x, n);
  KB_CUDA_CHECK_LAUNCH("gelu_kernel");
  return core::Status::ok();
}

core::Status bias_gelu(cudaStream_t s, float* x, int rows, int cols, const float* bias) {
  const size_t n = static_cast<size_t>(rows) * cols;
  if (n == 0) return core::Status::ok();
  bias_gelu_kernel<<<grid_for(n, 256), 256, 0, s>>>(x, n, cols, bias);
  KB_CUDA_CHECK_LAUNCH("bias_gelu_kernel");
  return core::Status::ok();
}

}  // namespace kbseek::kernels::cuda
