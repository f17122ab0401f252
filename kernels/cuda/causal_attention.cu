// Causal grouped-query attention after a cached prefix on the GPU: one block
// per (row, query head), a thread per head dimension, one pass over the
// visible keys with the online softmax (running max and sum), so no score
// matrix is stored. Scoring prompts are short (hundreds of rows), where this
// simple form is bound by launching, not arithmetic; a tiled kernel is for
// when long prompts are measured.
#include <cfloat>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"

namespace kbseek::kernels::cuda {
namespace {

constexpr int kMaxHeadDim = 256;

// Sum over the block (blockDim.x ≤ kMaxHeadDim, a multiple of 32).
__device__ float block_sum(float v, float* shared) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  __syncthreads();
  if (lane == 0) shared[warp] = v;
  __syncthreads();
  float total = 0.0f;
  for (int w = 0; w < static_cast<int>(blockDim.x / 32); ++w) total += shared[w];
  return total;
}

__global__ void causal_kernel(const float* q, const float* k, const float* v, const float* pk, const float* pv,
                              int prefix_len, float* ctx, const int* offsets, int num_seqs, int rows, int hq, int group,
                              int d, float scale) {
  __shared__ float partial[kMaxHeadDim / 32];
  const int t = blockIdx.x, h = blockIdx.y, c = threadIdx.x;
  if (t >= rows) return;
  int lo = 0, hi = num_seqs;
  while (hi - lo > 1) {
    const int mid = (lo + hi) / 2;
    if (offsets[mid] <= t)
      lo = mid;
    else
      hi = mid;
  }
  const int base = offsets[lo], own = t - base + 1;
  const int ld_q = hq * d, ld_kv = (hq / group) * d, col = (h / group) * d + c;
  const bool live = c < d;
  const float qc = live ? q[static_cast<size_t>(t) * ld_q + h * d + c] : 0.0f;
  float m = -FLT_MAX, l = 0.0f, acc = 0.0f;
  for (int j = 0; j < prefix_len + own; ++j) {
    const bool from_prefix = j < prefix_len;
    const size_t row = from_prefix ? static_cast<size_t>(j) : static_cast<size_t>(base + j - prefix_len);
    const float* kk = from_prefix ? pk : k;
    const float* vv = from_prefix ? pv : v;
    const float s = block_sum(live ? qc * kk[row * ld_kv + col] : 0.0f, partial) * scale;
    const float m_new = fmaxf(m, s);
    const float correction = __expf(m - m_new), p = __expf(s - m_new);
    l = l * correction + p;
    acc = acc * correction + (live ? p * vv[row * ld_kv + col] : 0.0f);
    m = m_new;
  }
  if (live) ctx[static_cast<size_t>(t) * ld_q + h * d + c] = acc / l;
}

}  // namespace

core::Status causal_attention(cudaStream_t s, const float* q, const float* k, const float* v, const float* prefix_k,
                              const float* prefix_v, int prefix_len, float* ctx, int rows, int num_seqs,
                              const int* offsets, int num_q_heads, int num_kv_heads, int head_dim, float scale) {
  if (head_dim > kMaxHeadDim || num_kv_heads <= 0 || num_q_heads % num_kv_heads != 0) {
    return core::Status::invalid_argument("cuda causal_attention: head_dim " + std::to_string(head_dim) + " (at most " +
                                          std::to_string(kMaxHeadDim) + ") with " + std::to_string(num_q_heads) +
                                          " query heads over " + std::to_string(num_kv_heads) + " kv heads");
  }
  if (rows == 0) return core::Status::ok();
  const int threads = ((head_dim + 31) / 32) * 32;
  const dim3 grid(rows, num_q_heads);
  causal_kernel<<<grid, threads, 0, s>>>(q, k, v, prefix_k, prefix_v, prefix_len, ctx, offsets, num_seqs, rows,
                                         num_q_heads, num_q_heads / num_kv_heads, head_dim, scale);
  KB_CUDA_CHECK_LAUNCH("causal_kernel");
  return core::Status::ok();
}

}  // namespace kbseek::kernels::cuda
