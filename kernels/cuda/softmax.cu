// Row softmax with scale and additive mask on the GPU: one warp per row.
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"

namespace kbseek::kernels::cuda {
namespace {

constexpr int kWarpsPerBlock = 4;

__global__ void softmax_rows_kernel(float* x, int rows, int cols, int ld, float scale,
                                    const float* mask) {
  const int row = blockIdx.x * kWarpsPerBlock + (threadIdx.x >> 5);
  const int lane = threadIdx.x & 31;
  if (row >= rows) return;
  float* xr = x + static_cast<size_t>(row) * ld;
  float mx = -3.0e38f;
  for (int c = lane; c < cols; c += 32) {
    const float v = xr[c] * scale + (mask ? mask[c] : 0.0f);
    xr[c] = v;
    mx = fmaxf(mx, v);
  }
  for (int off = 16; off > 0; off >>= 1) mx = fmaxf(mx, __shfl_xor_sync(0xffffffffu, mx, off));
  float sum = 0.0f;
  for (int c = lane; c < cols; c += 32) {
    const float e = __expf(xr[c] - mx);
    xr[c] = e;
    sum += e;
  }
  for (int off = 16; off > 0; off >>= 1) sum += __shfl_xor_sync(0xffffffffu, sum, off);
  const float inv = 1.0f / sum;
  for (int c = lane; c < cols; c += 32) xr[c] *= inv;
}

}  // namespace

core::Status softmax_rows(cudaStream_t s, float* x, int rows, int cols, int ld, float scale,
                          const float* mask) {
  if (rows == 0) return core::Status::ok();
  const int blocks = (rows + kWarpsPerBlock - 1) / kWarpsPerBlock;
  softmax_rows_kernel<<<blocks, 32 * kWarpsPerBlock, 0, s>>>(x, rows, cols, ld, scale, mask);
  KB_CUDA_CHECK_LAUNCH("softmax_rows_kernel");
  return core::Status::ok();
}

}  // namespace kbseek::kernels::cuda
