// Rotary position embedding (rotate-half convention) on the GPU, in place:
// one block per row, a thread per (head, pair). The row's position comes from
// a binary search of the device copy of the sequence offsets; inv_freq is
// computed on the host exactly as the CPU backend does and passed by value,
// so both backends rotate by the same fp32 angles.
#include <cmath>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"

namespace kbseek::kernels::cuda {
namespace {

struct InvFreq {
  float v[kRopeMaxHeadDim / 2];
};

__global__ void rope_kernel(float* x, int ld, int rows, const int* offsets, int num_seqs, int num_heads, int half,
                            InvFreq inv, int first_position) {
  for (int t = blockIdx.x; t < rows; t += gridDim.x) {
    // The last b with offsets[b] <= t (offsets[0] = 0 <= t < offsets[num_seqs]).
    int lo = 0, hi = num_seqs;
    while (hi - lo > 1) {
      const int mid = (lo + hi) / 2;
      if (offsets[mid] <= t)
        lo = mid;
      else
        hi = mid;
    }
    const float p = static_cast<float>(first_position + t - offsets[lo]);
    float* row = x + static_cast<size_t>(t) * ld;
    for (int e = threadIdx.x; e < num_heads * half; e += blockDim.x) {
      const int h = e / half, i = e % half;
      float* x1 = row + static_cast<size_t>(h) * 2 * half + i;
      float* x2 = x1 + half;
      float sn, cs;
      sincosf(p * inv.v[i], &sn, &cs);
      const float a = *x1, b = *x2;
      *x1 = a * cs - b * sn;
      *x2 = b * cs + a * sn;
    }
  }
}

}  // namespace

core::Status rope(cudaStream_t s, float* x, int ld, int rows, int num_seqs, const int* offsets, int num_heads,
                  int head_dim, float base, int first_position) {
  if (head_dim % 2 != 0 || head_dim > kRopeMaxHeadDim) {
    return core::Status::invalid_argument("cuda rope: head_dim " + std::to_string(head_dim) +
                                          " must be even and at most " + std::to_string(kRopeMaxHeadDim));
  }
  if (rows == 0 || num_heads == 0 || head_dim == 0) return core::Status::ok();
  const int half = head_dim / 2;
  InvFreq inv{};
  // As transformers: 1 / base^(arange(0, d, 2) / d), all in fp32.
  for (int i = 0; i < half; ++i) {
    inv.v[i] = 1.0f / std::pow(base, static_cast<float>(2 * i) / static_cast<float>(head_dim));
  }
  const int pairs = num_heads * half;
  const int threads = pairs >= 256 ? 256 : ((pairs + 31) / 32) * 32;
  const int blocks = rows < 65535 ? rows : 65535;
  rope_kernel<<<blocks, threads, 0, s>>>(x, ld, rows, offsets, num_seqs, num_heads, half, inv, first_position);
  KB_CUDA_CHECK_LAUNCH("rope_kernel");
  return core::Status::ok();
}

}  // namespace kbseek::kernels::cuda
