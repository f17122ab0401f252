// Multi-head self-attention on the CPU: per (sequence, head), two small
// OpenBLAS sgemms around an in-place row softmax. Sequences are packed, so
// no work is spent on padding and no mask is needed.
#include <cblas.h>

#include <cmath>
#include <vector>

#include "kernels/cpu/cpu_ops.h"

namespace kbseek::kernels::cpu {

void attention(const float* qkv, float* ctx, int num_seqs, const int* offsets, int num_heads, int head_dim) {
  const int hidden = num_heads * head_dim;
  const int ld_qkv = 3 * hidden;
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  const size_t tasks = static_cast<size_t>(num_seqs) * num_heads;
  int longest = 0;
  double work = 0;
  for (int b = 0; b < num_seqs; ++b) {
    const int len = offsets[b + 1] - offsets[b];
    longest = len > longest ? len : longest;
    work += 4.0 * len * len * head_dim * num_heads;
  }
  // (sequence, head) pairs are independent; each worker keeps one scores
  // buffer for its whole range rather than allocating per pair.
  parallel_for(tasks, tasks ? work / tasks : 0, [&](size_t begin, size_t end) {
    std::vector<float> scores(static_cast<size_t>(longest) * longest);
    for (size_t t = begin; t < end; ++t) {
      const int b = static_cast<int>(t / num_heads);
      const int h = static_cast<int>(t % num_heads);
      const int len = offsets[b + 1] - offsets[b];
      if (len == 0) continue;
      const float* q = qkv + static_cast<size_t>(offsets[b]) * ld_qkv + h * head_dim;
      const float* k = q + hidden;
      const float* v = q + 2 * hidden;
      float* out = ctx + static_cast<size_t>(offsets[b]) * hidden + h * head_dim;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, len, len, head_dim, scale, q, ld_qkv, k, ld_qkv, 0.0f,
                  scores.data(), len);
      for (int r = 0; r < len; ++r) {
        softmax_row(scores.data() + static_cast<size_t>(r) * len, len, 1.0f, nullptr);
      }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, len, head_dim, len, 1.0f, scores.data(), len, v, ld_qkv,
                  0.0f, out, hidden);
    }
  });
}

}  // namespace kbseek::kernels::cpu
