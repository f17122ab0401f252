// Causal grouped-query attention on the CPU, for decoders scoring many
// continuations of one shared prefix: every new row sees the whole cached
// prefix and the rows of its own sequence up to itself. Work is split into
// (sequence, query head, block of rows) tasks as gqa_attention.cc does; a
// block's scores are two sgemms (against the prefix, against its own
// sequence's keys so far), so the prefix is read once per block, not per row.
#include <cblas.h>

#include <algorithm>
#include <vector>

#include "kernels/cpu/cpu_ops.h"

namespace kbseek::kernels::cpu {
namespace {

constexpr int kRowBlock = 64;

struct Task {
  int seq, head, row0;
};

}  // namespace

void causal_attention(const float* q, const float* k, const float* v, const float* prefix_k, const float* prefix_v,
                      int prefix_len, float* ctx, int num_seqs, const int* offsets, int num_q_heads, int num_kv_heads,
                      int head_dim, float scale) {
  const int group = num_q_heads / num_kv_heads;
  const int ld_q = num_q_heads * head_dim, ld_kv = num_kv_heads * head_dim;
  std::vector<Task> tasks;
  double work = 0;
  int widest = 0;
  for (int b = 0; b < num_seqs; ++b) {
    const int len = offsets[b + 1] - offsets[b];
    widest = std::max(widest, prefix_len + len);
    work += 4.0 * len * (prefix_len + len / 2.0) * head_dim * num_q_heads;
    for (int h = 0; h < num_q_heads; ++h) {
      for (int r = 0; r < len; r += kRowBlock) tasks.push_back({b, h, r});
    }
  }
  if (tasks.empty()) return;
  parallel_for(tasks.size(), work / tasks.size(), [&](size_t begin, size_t end) {
    std::vector<float> scores(static_cast<size_t>(kRowBlock) * widest);
    for (size_t i = begin; i < end; ++i) {
      const Task& t = tasks[i];
      const int base = offsets[t.seq], len = offsets[t.seq + 1] - base;
      const int rows = std::min(kRowBlock, len - t.row0);
      // Own keys any row of the block may see: [0, row0 + rows).
      const int own = t.row0 + rows;
      const int keys = prefix_len + own;
      const int kvh = t.head / group;
      const float* qb = q + static_cast<size_t>(base + t.row0) * ld_q + t.head * head_dim;
      const float* kb = k + static_cast<size_t>(base) * ld_kv + kvh * head_dim;
      const float* vb = v + static_cast<size_t>(base) * ld_kv + kvh * head_dim;
      float* out = ctx + static_cast<size_t>(base + t.row0) * ld_q + t.head * head_dim;
      if (prefix_len > 0) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, prefix_len, head_dim, scale, qb, ld_q,
                    prefix_k + kvh * head_dim, ld_kv, 0.0f, scores.data(), keys);
      }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, own, head_dim, scale, qb, ld_q, kb, ld_kv, 0.0f,
                  scores.data() + prefix_len, keys);
      for (int r = 0; r < rows; ++r) {
        float* s = scores.data() + static_cast<size_t>(r) * keys;
        const int visible = prefix_len + t.row0 + r + 1;
        softmax_row(s, visible, 1.0f, nullptr);
        std::fill(s + visible, s + keys, 0.0f);
      }
      if (prefix_len > 0) {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, head_dim, prefix_len, 1.0f, scores.data(), keys,
                    prefix_v + kvh * head_dim, ld_kv, 0.0f, out, ld_q);
      }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, head_dim, own, 1.0f, scores.data() + prefix_len,
                  keys, vb, ld_kv, prefix_len > 0 ? 1.0f : 0.0f, out, ld_q);
    }
  });
}

}  // namespace kbseek::kernels::cpu
