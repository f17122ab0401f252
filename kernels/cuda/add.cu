// y += x on the GPU, a thread per element (the decoder's residual adds).
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"

namespace kbseek::kernels::cuda {
namespace {

__global__ void add_kernel(float* y, const float* x, size_t n) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    y[i] += x[i];
  }
}

}  // namespace

core::Status add(cudaStream_t s, float* y, const float* x, size_t n) {
  if (n == 0) return core::Status::ok();
  const int threads = 256;
  const size_t blocks = (n + threads - 1) / threads;
  add_kernel<<<static_cast<int>(blocks < 65535 ? blocks : 65535), threads, 0, s>>>(y, x, n);
  KB_CUDA_CHECK_LAUNCH("add_kernel");
  return core::Status::ok();
}

}  // namespace kbseek::kernels::cuda
