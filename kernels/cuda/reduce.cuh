// Warp and block reductions and the warp-per-row softmax that several
// kernels in kernels/cuda share (device code only).
#pragma once

#include <cuda_runtime.h>

namespace kbseek::kernels::cuda {

__device__ __forceinline__ float warp_sum(float v) {
  for (int off = 16; off > 0; off >>= 1) v += __shfl_xor_sync(0xffffffffu, v, off);
  return v;
}

__device__ __forceinline__ float warp_max(float v) {
  for (int off = 16; off > 0; off >>= 1) v = fmaxf(v, __shfl_xor_sync(0xffffffffu, v, off));
  return v;
}

// Sum of `v` over a block of kThreads threads (a multiple of 32); every thread
// gets the total. `shared` holds kThreads / 32 floats.
template <int kThreads>
__device__ float block_sum(float v, float* shared) {
  v = warp_sum(v);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();  // `shared` may still be read from a previous call
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  float total = 0.0f;
  for (int w = 0; w < kThreads / 32; ++w) total += shared[w];
  return total;
}

// In place, by one warp (`lane` its lane): softmax(scale * x + mask) over
// x[0, cols); mask (cols floats) may be null.
__device__ __forceinline__ void warp_softmax(float* x, int cols, float scale, const float* mask, int lane) {
  float mx = -3.0e38f;
  for (int c = lane; c < cols; c += 32) {
    const float v = x[c] * scale + (mask ? mask[c] : 0.0f);
    x[c] = v;
    mx = fmaxf(mx, v);
  }
  mx = warp_max(mx);
  float sum = 0.0f;
  for (int c = lane; c < cols; c += 32) {
    const float e = __expf(x[c] - mx);
    x[c] = e;
    sum += e;
  }
  const float inv = 1.0f / warp_sum(sum);
  for (int c = lane; c < cols; c += 32) x[c] *= inv;
}

}  // namespace kbseek::kernels::cuda
