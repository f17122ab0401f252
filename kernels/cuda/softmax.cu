// Row softmax with scale and additive mask on the GPU: one warp per row.
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/reduce.cuh"

namespace kbseek::kernels::cuda {
namespace {

constexpr int kWarpsPerBlock = 4;

__global__ void softmax_rows_kernel(float* x, int rows, int cols, int ld, float scale, const float* mask) {
  const int row = blockIdx.x * kWarpsPerBlock + (threadIdx.x >> 5);
  const int lane = threadIdx.x & 31;
  if (row >= rows) return;
  warp_softmax(x + static_cast<size_t>(row) * ld, cols, scale, mask, lane);
}

}  // namespace

core::Status softmax_rows(cudaStream_t s, float* x, int rows, int cols, int ld, float scale, const float* mask) {
  if (rows == 0) return core::Status::ok();
  const int blocks = (rows + kWarpsPerBlock - 1) / kWarpsPerBlock;
  softmax_rows_kernel<<<blocks, 32 * kWarpsPerBlock, 0, s>>>(x, rows, cols, ld, scale, mask);
  KB_CUDA_CHECK_LAUNCH("softmax_rows_kernel");
  return core::Status::ok();
}

}  // namespace kbseek::kernels::cuda
