// Grouped-query bidirectional attention on the CPU. Work is split into
// (sequence, query head, block of query rows) tasks; each computes its
// block's scores against only the keys its window can reach, so a sliding
// layer over a long sequence costs O(len · window), not O(len²).
#include <cblas.h>

#include <algorithm>
#include <vector>

#include "kernels/cpu/cpu_ops.h"

namespace kbseek::kernels::cpu {
namespace {

// 64 query rows × up to 2,048 keys: 512 KB of scores per worker, inside L2
// on the machines measured, and enough rows for sgemm to run at speed.
constexpr int kRowBlock = 64;

struct Task {
  int seq, head, row0;
};

}  // namespace

void gqa_attention(const float* q, const float* k, const float* v, float* ctx, int num_seqs, const int* offsets,
                   int num_q_heads, int num_kv_heads, int head_dim, float scale, int window) {
  // A window no narrower than the longest sequence hides no key: dropping it
  // keeps the index arithmetic below from overflowing (window = INT_MAX).
  int longest = 0;
  for (int b = 0; b < num_seqs; ++b) longest = std::max(longest, offsets[b + 1] - offsets[b]);
  if (window >= longest) window = 0;
  const int group = num_q_heads / num_kv_heads;
  const int ld_q = num_q_heads * head_dim, ld_kv = num_kv_heads * head_dim;
  std::vector<Task> tasks;
  double work = 0;
  int widest = 0;
  for (int b = 0; b < num_seqs; ++b) {
    const int len = offsets[b + 1] - offsets[b];
    const int reach = window > 0 ? std::min(len, 2 * window - 1 + kRowBlock) : len;
    widest = std::max(widest, reach);
    work += 4.0 * len * reach * head_dim * num_q_heads;
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
      // Keys any row of the block may see: (row - window, row + window).
      const int k0 = window > 0 ? std::max(0, t.row0 - window + 1) : 0;
      const int k1 = window > 0 ? std::min(len, t.row0 + rows + window - 1) : len;
      const int keys = k1 - k0;
      const int kvh = t.head / group;
      const float* qb = q + static_cast<size_t>(base + t.row0) * ld_q + t.head * head_dim;
      const float* kb = k + static_cast<size_t>(base + k0) * ld_kv + kvh * head_dim;
      const float* vb = v + static_cast<size_t>(base + k0) * ld_kv + kvh * head_dim;
      float* out = ctx + static_cast<size_t>(base + t.row0) * ld_q + t.head * head_dim;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, rows, keys, head_dim, scale, qb, ld_q, kb, ld_kv, 0.0f,
                  scores.data(), keys);
      for (int r = 0; r < rows; ++r) {
        float* s = scores.data() + static_cast<size_t>(r) * keys;
        const int row = t.row0 + r;
        // This row's visible keys, relative to k0; the rest get weight 0.
        const int lo = window > 0 ? std::max(0, row - window + 1) - k0 : 0;
        const int hi = window > 0 ? std::min(len, row + window) - k0 : keys;
        std::fill(s, s + lo, 0.0f);
        softmax_row(s + lo, hi - lo, 1.0f, nullptr);
        std::fill(s + hi, s + keys, 0.0f);
      }
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, head_dim, keys, 1.0f, scores.data(), keys, vb, ld_kv,
                  0.0f, out, ld_q);
    }
  });
}

}  // namespace kbseek::kernels::cpu
