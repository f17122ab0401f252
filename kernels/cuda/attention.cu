// Multi-head self-attention on the GPU over packed sequences: per sequence,
// one strided-batched sgemm over all heads for QKᵀ, a row softmax, and one
// for PV. Launches per sequence are cheap next to the dense layers at the
// batch sizes the encoder uses.
#include <cmath>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"

namespace kbseek::kernels::cuda {

core::Status attention(cublasHandle_t h, cudaStream_t s, const float* qkv, float* ctx, float* scores, int num_seqs,
                       const int* host_offsets, int num_heads, int head_dim) {
  const int hidden = num_heads * head_dim;
  const int ld_qkv = 3 * hidden;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  for (int b = 0; b < num_seqs; ++b) {
    const int len = host_offsets[b + 1] - host_offsets[b];
    if (len == 0) continue;
    const int64_t square = static_cast<int64_t>(len) * len;
    const float* q = qkv + static_cast<size_t>(host_offsets[b]) * ld_qkv;
    const float* k = q + hidden;
    const float* v = q + 2 * hidden;
    float* out = ctx + static_cast<size_t>(host_offsets[b]) * hidden;
    KB_RETURN_IF_ERROR(sgemm_batched(h, Transpose::kNo, Transpose::kYes, len, len, head_dim, scale, q, ld_qkv, head_dim,
                                     k, ld_qkv, head_dim, 0.0f, scores, len, square, num_heads));
    KB_RETURN_IF_ERROR(softmax_rows(s, scores, num_heads * len, len, len, 1.0f, nullptr));
    KB_RETURN_IF_ERROR(sgemm_batched(h, Transpose::kNo, Transpose::kNo, len, head_dim, len, 1.0f, scores, len, square,
                                     v, ld_qkv, head_dim, 0.0f, out, hidden, head_dim, num_heads));
  }
  return core::Status::ok();
}

}  // namespace kbseek::kernels::cuda
