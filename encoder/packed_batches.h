// Length-sorted packed batches, the batching every transformer family here
// uses: sequences sorted by length (so each batch's attention work is even),
// concatenated without padding into batches of at most `max_tokens` ids (a
// longer sequence runs alone).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

#include "core/status.h"

namespace kbseek::encoder {

// One batch: ids of `count` sequences back to back, offsets[0..count] into
// them, and rows[b] = the input index of sequence b.
struct PackedBatch {
  const std::vector<int32_t>& ids;
  const std::vector<int>& offsets;
  const size_t* rows;
  int count;
};

// Calls fn on each batch of `seqs` in length order; stops at the first error.
core::Status for_each_packed_batch(const std::vector<std::vector<int32_t>>& seqs, size_t max_tokens,
                                   const std::function<core::Status(const PackedBatch&)>& fn);

}  // namespace kbseek::encoder
