// SwiGLU on the GPU: silu(gate) * up over the fused gate|up projection, one
// thread per output element (the layout geglu.cu reads).
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"

namespace kbseek::kernels::cuda {
namespace {

__global__ void swiglu_kernel(const float* gu, float* out, size_t n, int cols) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    const size_t r = i / cols, c = i % cols;
    const float g = gu[r * 2 * cols + c];
    out[i] = g / (1.0f + expf(-g)) * gu[r * 2 * cols + cols + c];
  }
}

}  // namespace

core::Status swiglu(cudaStream_t s, const float* gu, float* out, int rows, int cols) {
  const size_t n = static_cast<size_t>(rows) * cols;
  if (n == 0) return core::Status::ok();
  const int threads = 256;
  const size_t blocks = (n + threads - 1) / threads;
  swiglu_kernel<<<static_cast<int>(blocks < 65535 ? blocks : 65535), threads, 0, s>>>(gu, out, n, cols);
  KB_CUDA_CHECK_LAUNCH("swiglu_kernel");
  return core::Status::ok();
}

}  // namespace kbseek::kernels::cuda
