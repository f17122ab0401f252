// Row-broadcast bias addition on the GPU, one thread per element.
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"

namespace kbseek::kernels::cuda {
namespace {

__global__ void add_bias_kernel(float* x, size_t n, int cols, const float* bias) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    x[i] += bias[i % cols];
  }
}

}  // namespace

core::Status add_bias(cudaStream_t s, float* x, int rows, int cols, const float* bias) {
  const size_t n = static_cast<size_t>(rows) * cols;
  if (n == 0) return core::Status::ok();
  const int threads = 256;
  const int blocks = static_cast<int>((n + threads - 1) / threads < 65535 ? (n + threads - 1) / threads : 65535);
  add_bias_kernel<<<blocks, threads, 0, s>>>(x, n, cols, bias);
  KB_CUDA_CHECK_LAUNCH("add_bias_kernel");
  return core::Status::ok();
}

}  // namespace kbseek::kernels::cuda
