// RMSNorm over rows on the GPU, optionally accumulated into the residual
// stream: one block per row, the mean square reduced in fp32 as in
// transformers' Gemma3RMSNorm.
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/reduce.cuh"

namespace kbseek::kernels::cuda {
namespace {

constexpr int kThreads = 128;

__global__ void rms_norm_kernel(const float* x, float* out, int cols, const float* gamma, float eps, bool accumulate) {
  __shared__ float shared[kThreads / 32];
  const size_t off = static_cast<size_t>(blockIdx.x) * cols;
  const float* xr = x + off;
  float* orow = out + off;
  float sq = 0.0f;
  for (int c = threadIdx.x; c < cols; c += kThreads) sq += xr[c] * xr[c];
  const float inv = 1.0f / sqrtf(block_sum<kThreads>(sq, shared) / cols + eps);
  // Each thread rewrites only the columns it read, so out may alias x.
  if (accumulate) {
    for (int c = threadIdx.x; c < cols; c += kThreads) orow[c] += xr[c] * inv * gamma[c];
  } else {
    for (int c = threadIdx.x; c < cols; c += kThreads) orow[c] = xr[c] * inv * gamma[c];
  }
}

}  // namespace

core::Status rms_norm(cudaStream_t s, const float* x, float* out, int rows, int cols, const float* gamma, float eps,
                      bool accumulate) {
  if (rows == 0 || cols == 0) return core::Status::ok();
  rms_norm_kernel<<<rows, kThreads, 0, s>>>(x, out, cols, gamma, eps, accumulate);
  KB_CUDA_CHECK_LAUNCH("rms_norm_kernel");
  return core::Status::ok();
}

}  // namespace kbseek::kernels::cuda
