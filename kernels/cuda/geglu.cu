// GeGLU on the GPU: gelu_tanh(gate) * up over the fused gate|up projection,
// one thread per output element.
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"

namespace kbseek::kernels::cuda {
namespace {

// 0.5 x (1 + tanh(u)) written as x / (1 + exp(-2u)), as the CPU path: the
// same value without the cancellation in 1 + tanh(u) for negative x, and the
// exact limits (x, or 0 once exp overflows to inf).
__device__ __forceinline__ float gelu_tanh(float x) {
  const float u = 0.7978845608028654f * (x + 0.044715f * x * x * x);
  return x / (1.0f + expf(-2.0f * u));
}

__global__ void geglu_kernel(const float* gu, float* out, size_t n, int cols) {
  for (size_t i = blockIdx.x * static_cast<size_t>(blockDim.x) + threadIdx.x; i < n;
       i += static_cast<size_t>(gridDim.x) * blockDim.x) {
    const size_t r = i / cols, c = i % cols;
    const float* gate = gu + r * 2 * cols;
    out[i] = gelu_tanh(gate[c]) * gate[cols + c];
  }
}

}  // namespace

core::Status geglu(cudaStream_t s, const float* gu, float* out, int rows, int cols) {
  const size_t n = static_cast<size_t>(rows) * cols;
  if (n == 0) return core::Status::ok();
  const int threads = 256;
  const size_t blocks = (n + threads - 1) / threads;
  geglu_kernel<<<static_cast<int>(blocks < 65535 ? blocks : 65535), threads, 0, s>>>(gu, out, n, cols);
  KB_CUDA_CHECK_LAUNCH("geglu_kernel");
  return core::Status::ok();
}

}  // namespace kbseek::kernels::cuda
