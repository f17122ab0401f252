// LayerNorm (optionally fused with a residual add) on the GPU: one block per
// row, two-pass mean/variance like the CPU path.
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/reduce.cuh"

namespace kbseek::kernels::cuda {
namespace {

constexpr int kThreads = 128;

__global__ void layernorm_kernel(const float* x, const float* residual, float* out, int cols, const float* gamma,
                                 const float* beta, float eps) {
  __shared__ float shared[kThreads / 32];
  const size_t off = static_cast<size_t>(blockIdx.x) * cols;
  const float* xr = x + off;
  const float* rr = residual ? residual + off : nullptr;
  float* orow = out + off;
  // Summed relative to the row's first value, as on the CPU, so a common
  // offset does not eat the accumulator's precision.
  const float pivot = xr[0] + (rr ? rr[0] : 0.0f);
  float sum = 0.0f;
  for (int c = threadIdx.x; c < cols; c += kThreads) {
    const float v = xr[c] + (rr ? rr[c] : 0.0f);
    sum += v - pivot;
  }
  const float mean = pivot + block_sum<kThreads>(sum, shared) / cols;
  __syncthreads();  // every thread has read xr[0] before anyone overwrites it
  for (int c = threadIdx.x; c < cols; c += kThreads) orow[c] = xr[c] + (rr ? rr[c] : 0.0f);
  float sq = 0.0f;
  for (int c = threadIdx.x; c < cols; c += kThreads) {
    const float d = orow[c] - mean;
    sq += d * d;
  }
  const float inv = rsqrtf(block_sum<kThreads>(sq, shared) / cols + eps);
  for (int c = threadIdx.x; c < cols; c += kThreads) {
    orow[c] = (orow[c] - mean) * inv * gamma[c] + beta[c];
  }
}

}  // namespace

core::Status layernorm(cudaStream_t s, const float* x, const float* residual, float* out, int rows, int cols,
                       const float* gamma, const float* beta, float eps) {
  if (rows == 0) return core::Status::ok();
  layernorm_kernel<<<rows, kThreads, 0, s>>>(x, residual, out, cols, gamma, beta, eps);
  KB_CUDA_CHECK_LAUNCH("layernorm_kernel");
  return core::Status::ok();
}

}  // namespace kbseek::kernels::cuda
