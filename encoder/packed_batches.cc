// Sorting and packing for for_each_packed_batch.
#include "encoder/packed_batches.h"

#include <algorithm>
#include <numeric>

namespace kbseek::encoder {

core::Status for_each_packed_batch(const std::vector<std::vector<int32_t>>& seqs, size_t max_tokens,
                                   const std::function<core::Status(const PackedBatch&)>& fn) {
  const size_t n = seqs.size();
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return seqs[a].size() < seqs[b].size(); });
  std::vector<int32_t> packed;
  std::vector<int> offsets;
  for (size_t next = 0; next < n;) {
    packed.clear();
    offsets.assign(1, 0);
    const size_t first = next;
    while (next < n && (next == first || packed.size() + seqs[order[next]].size() <= max_tokens)) {
      const auto& seq = seqs[order[next++]];
      packed.insert(packed.end(), seq.begin(), seq.end());
      offsets.push_back(static_cast<int>(packed.size()));
    }
    KB_RETURN_IF_ERROR(fn(PackedBatch{packed, offsets, order.data() + first, static_cast<int>(next - first)}));
  }
  return core::Status::ok();
}

}  // namespace kbseek::encoder
