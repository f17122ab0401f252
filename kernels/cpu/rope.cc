// Rotary position embedding (rotate-half convention) with cached cos/sin
// tables: computing them per call cost more than the rotation itself
// (24 layers × q and k × every token × head_dim/2 sin/cos pairs).
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "kernels/cpu/cpu_ops.h"

namespace kbseek::kernels::cpu {
namespace {

// cos and sin of p * inv_freq[i] for p < positions, i < half; row p at p*half.
struct RopeTable {
  int positions = 0;
  std::vector<float> cos, sin;
};

// Tables keyed by (base, head_dim), grown (replaced by a longer one) when a
// longer sequence arrives; readers keep the shared_ptr they got, so growing
// never invalidates a table in use.
std::shared_ptr<const RopeTable> rope_table(float base, int head_dim, int positions) {
  static std::mutex mu;
  static std::map<std::pair<float, int>, std::shared_ptr<const RopeTable>> tables;
  std::lock_guard<std::mutex> lock(mu);
  auto& slot = tables[{base, head_dim}];
  if (slot && slot->positions >= positions) return slot;
  auto t = std::make_shared<RopeTable>();
  const int half = head_dim / 2;
  t->positions = std::max(positions, 512);
  t->cos.resize(static_cast<size_t>(t->positions) * half);
  t->sin.resize(t->cos.size());
  // As transformers: inv_freq = 1 / base^(arange(0, d, 2) / d) and the angle
  // p * inv_freq in fp32; only cos/sin are taken in double and rounded.
  std::vector<float> inv(half);
  for (int i = 0; i < half; ++i) {
    inv[i] = 1.0f / std::pow(base, static_cast<float>(2 * i) / static_cast<float>(head_dim));
  }
  for (int p = 0; p < t->positions; ++p) {
    for (int i = 0; i < half; ++i) {
      const float a = static_cast<float>(p) * inv[i];
      t->cos[static_cast<size_t>(p) * half + i] = static_cast<float>(std::cos(static_cast<double>(a)));
      t->sin[static_cast<size_t>(p) * half + i] = static_cast<float>(std::sin(static_cast<double>(a)));
    }
  }
  slot = std::move(t);
  return slot;
}

}  // namespace

void rope(float* x, int ld, int num_seqs, const int* offsets, int num_heads, int head_dim, float base,
          int first_position) {
  int longest = 0;
  for (int b = 0; b < num_seqs; ++b) longest = std::max(longest, offsets[b + 1] - offsets[b]);
  longest += first_position;
  if (longest == 0) return;
  const std::shared_ptr<const RopeTable> table = rope_table(base, head_dim, longest);
  const int half = head_dim / 2;
  const int tokens = offsets[num_seqs];
  // Split by rows, not sequences: one long sequence is the common query case.
  parallel_for(tokens, static_cast<double>(num_heads) * head_dim * 3.0, [&](size_t begin, size_t end) {
    int b = static_cast<int>(std::upper_bound(offsets, offsets + num_seqs + 1, static_cast<int>(begin)) - offsets) - 1;
    for (int t = static_cast<int>(begin); t < static_cast<int>(end); ++t) {
      while (t >= offsets[b + 1]) ++b;
      const int p = first_position + t - offsets[b];
      const float* cs = table->cos.data() + static_cast<size_t>(p) * half;
      const float* sn = table->sin.data() + static_cast<size_t>(p) * half;
      for (int h = 0; h < num_heads; ++h) {
        float* x1 = x + static_cast<size_t>(t) * ld + static_cast<size_t>(h) * head_dim;
        float* x2 = x1 + half;
#pragma omp simd
        for (int i = 0; i < half; ++i) {
          const float a = x1[i], c = x2[i];
          x1[i] = a * cs[i] - c * sn[i];
          x2[i] = c * cs[i] + a * sn[i];
        }
      }
    }
  });
}

}  // namespace kbseek::kernels::cpu
