// Grouped-query bidirectional attention on the GPU over packed sequences.
// Per sequence, per block of query rows and per kv head: one strided-batched
// sgemm over the query heads of that kv head's group for the scores (the K
// operand at batch stride 0, shared by the group), a band-masked row softmax,
// and one for PV. A sliding layer takes its rows in blocks of kRowBlock
// against only the keys their window reaches (O(len · window) work, as the
// CPU path); a full layer takes the whole sequence as one block.
#include <algorithm>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/reduce.cuh"

namespace kbseek::kernels::cuda {
namespace {

constexpr int kRowBlock = 256;
constexpr int kWarpsPerBlock = 4;

// The window a `len`-long sequence needs: 0 (none) when every key is within it
// anyway, which also keeps the index arithmetic below from overflowing.
int effective_window(int len, int window) { return window > 0 && window < len ? window : 0; }

// Query rows per block for a `len`-long sequence.
int row_block(int len, int window) { return window > 0 ? std::min(len, kRowBlock) : len; }

// Keys [k0, k1) that some row of [row0, row0 + rows) may see.
void key_range(int row0, int rows, int len, int window, int* k0, int* k1) {
  *k0 = window > 0 ? std::max(0, row0 - window + 1) : 0;
  *k1 = window > 0 ? std::min(len, row0 + rows + window - 1) : len;
}

// scores: `heads` stacked [rows × keys] blocks for query rows row0.. of a
// len-long sequence against keys k0..; row r sees keys with |row0 + r - j| <
// window (all when window <= 0) and gets weight 0 for the rest.
__global__ void band_softmax_kernel(float* scores, int total_rows, int rows, int keys, int row0, int k0, int len,
                                    int window) {
  const int idx = blockIdx.x * kWarpsPerBlock + (threadIdx.x >> 5);
  const int lane = threadIdx.x & 31;
  if (idx >= total_rows) return;
  float* s = scores + static_cast<size_t>(idx) * keys;
  const int row = row0 + idx % rows;
  const int lo = window > 0 ? max(0, row - window + 1) - k0 : 0;
  const int hi = window > 0 ? min(len, row + window) - k0 : keys;
  for (int c = lane; c < lo; c += 32) s[c] = 0.0f;
  for (int c = hi + lane; c < keys; c += 32) s[c] = 0.0f;
  warp_softmax(s + lo, hi - lo, 1.0f, nullptr, lane);
}

}  // namespace

size_t gqa_attention_scratch(int num_seqs, const int* host_offsets, int num_q_heads, int num_kv_heads, int window) {
  const int group = num_kv_heads > 0 ? num_q_heads / num_kv_heads : 0;
  size_t need = 0;
  for (int b = 0; b < num_seqs; ++b) {
    const int len = host_offsets[b + 1] - host_offsets[b];
    if (len == 0) continue;
    const int w = effective_window(len, window);
    const int rows = row_block(len, w);
    // The widest key span of a block, reached away from the sequence's ends.
    const int keys = w > 0 ? std::min(len, rows + 2 * w - 2) : len;
    need = std::max(need, static_cast<size_t>(group) * rows * keys);
  }
  return need;
}

core::Status gqa_attention(cublasHandle_t h, cudaStream_t s, const float* q, const float* k, const float* v, float* ctx,
                           float* scores, int num_seqs, const int* host_offsets, int num_q_heads, int num_kv_heads,
                           int head_dim, float scale, int window) {
  if (num_kv_heads <= 0 || num_q_heads % num_kv_heads != 0) {
    return core::Status::invalid_argument("cuda gqa_attention: num_q_heads " + std::to_string(num_q_heads) +
                                          " is not a multiple of num_kv_heads " + std::to_string(num_kv_heads));
  }
  const int group = num_q_heads / num_kv_heads;
  const int ld_q = num_q_heads * head_dim, ld_kv = num_kv_heads * head_dim;
  for (int b = 0; b < num_seqs; ++b) {
    const int base = host_offsets[b], len = host_offsets[b + 1] - base;
    const int w = effective_window(len, window);
    const int block = row_block(len, w);
    for (int row0 = 0; row0 < len; row0 += block) {
      const int rows = std::min(block, len - row0);
      int k0 = 0, k1 = 0;
      key_range(row0, rows, len, w, &k0, &k1);
      const int keys = k1 - k0;
      const int64_t square = static_cast<int64_t>(rows) * keys;
      for (int g = 0; g < num_kv_heads; ++g) {
        const float* qb = q + static_cast<size_t>(base + row0) * ld_q + g * group * head_dim;
        const float* kb = k + static_cast<size_t>(base + k0) * ld_kv + g * head_dim;
        const float* vb = v + static_cast<size_t>(base + k0) * ld_kv + g * head_dim;
        float* out = ctx + static_cast<size_t>(base + row0) * ld_q + g * group * head_dim;
        KB_RETURN_IF_ERROR(sgemm_batched(h, Transpose::kNo, Transpose::kYes, rows, keys, head_dim, scale, qb, ld_q,
                                         head_dim, kb, ld_kv, 0, 0.0f, scores, keys, square, group));
        const int total = group * rows;
        band_softmax_kernel<<<(total + kWarpsPerBlock - 1) / kWarpsPerBlock, 32 * kWarpsPerBlock, 0, s>>>(
            scores, total, rows, keys, row0, k0, len, w);
        KB_CUDA_CHECK_LAUNCH("band_softmax_kernel");
        KB_RETURN_IF_ERROR(sgemm_batched(h, Transpose::kNo, Transpose::kNo, rows, head_dim, keys, 1.0f, scores, keys,
                                         square, vb, ld_kv, 0, 0.0f, out, ld_q, head_dim, group));
      }
    }
  }
  return core::Status::ok();
}

}  // namespace kbseek::kernels::cuda
