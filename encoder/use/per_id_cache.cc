// UsePerIdCache: a hash map from id to slot, slots filled in order until
// full, then a CLOCK hand picks the victim.
#include "encoder/use/per_id_cache.h"

#include <algorithm>

namespace kbseek::encoder {

UsePerIdCache::UsePerIdCache(int capacity, int row_floats)
    : capacity_(std::max(1, capacity)), row_floats_(std::max(1, row_floats)) {
  slot_of_.reserve(static_cast<size_t>(capacity_));
  // Address space only: a page is touched when a row is first written.
  rows_.reserve(static_cast<size_t>(capacity_) * row_floats_);
}

int UsePerIdCache::lookup(const int32_t* ids, int n, float* rows, uint8_t* found) {
  int hits = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int i = 0; i < n; ++i) {
      const auto it = slot_of_.find(ids[i]);
      found[i] = it != slot_of_.end();
      if (!found[i]) continue;
      ++hits;
      referenced_[it->second] = 1;
      std::copy_n(rows_.data() + static_cast<size_t>(it->second) * row_floats_, row_floats_,
                  rows + static_cast<size_t>(i) * row_floats_);
    }
  }
  hits_.fetch_add(static_cast<uint64_t>(hits), std::memory_order_relaxed);
  misses_.fetch_add(static_cast<uint64_t>(n - hits), std::memory_order_relaxed);
  return hits;
}

void UsePerIdCache::insert(const int32_t* ids, int n, const float* rows) {
  std::lock_guard<std::mutex> lock(mu_);
  for (int i = 0; i < n; ++i) {
    if (slot_of_.count(ids[i]) != 0) continue;
    int slot;
    if (static_cast<int>(id_of_slot_.size()) < capacity_) {
      slot = static_cast<int>(id_of_slot_.size());
      id_of_slot_.push_back(ids[i]);
      referenced_.push_back(0);
      rows_.resize(rows_.size() + static_cast<size_t>(row_floats_));
    } else {
      // Second chance: clear the bits of recently used slots until one is clear.
      while (referenced_[hand_] != 0) {
        referenced_[hand_] = 0;
        hand_ = (hand_ + 1) % capacity_;
      }
      slot = hand_;
      hand_ = (hand_ + 1) % capacity_;
      slot_of_.erase(id_of_slot_[slot]);
      id_of_slot_[slot] = ids[i];
    }
    slot_of_[ids[i]] = slot;
    std::copy_n(rows + static_cast<size_t>(i) * row_floats_, row_floats_,
                rows_.data() + static_cast<size_t>(slot) * row_floats_);
  }
}

int UsePerIdCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int>(id_of_slot_.size());
}

}  // namespace kbseek::encoder
