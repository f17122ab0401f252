// A bounded, thread-safe cache of use-m3's per-id rows across forward() calls:
// for a token id, x_t after the projection's layer norm and the first n-gram
// layer's products x^i_t · W1[block k] (use_model.h), which depend on the id
// alone. Shared by every query a model encodes.
//
// Why: a query is 10-40 pieces, so the per-id stage cannot share work within
// one call the way a 2,048-token group of passages does, and for a query it
// was about 55% of use-m3's multiply-adds. Queries share their pieces across
// calls instead: BOS, EOS, punctuation, question words, common characters.
// Over the load test's 2,100 questions (7 evaluation sets, one pass, cache
// cold at the start) 4,096 ids served 84% of the lookups, over all 6,207
// distinct questions of those sets 88%, and a query's encoding took 40-45%
// less time (bench/results/use-m3-id-cache.md). The rows are the same numbers the stage would compute
// (each output row of its products depends on its input row alone), so a
// vector is the same with the cache on or off, up to which matrix routine a
// call's row count selects — a choice that already differs between a query
// encoded alone and one batched with others.
//
// Cost: row_floats × 4 bytes per id (13 KB for use-m3: 768 + 2,560 floats),
// allocated as ids arrive, at most capacity ids (4,096: 55 MB). Eviction is
// CLOCK (a second chance for ids looked up since the hand last passed).
//
// Thread-safety: every method may be called concurrently (one mutex; a call
// copies at most a few hundred KB under it).
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace kbseek::encoder {

class UsePerIdCache {
 public:
  // capacity >= 1 ids of row_floats floats each.
  UsePerIdCache(int capacity, int row_floats);

  int capacity() const { return capacity_; }
  int row_floats() const { return row_floats_; }

  // For each of ids[0, n): when cached, copies its row to rows + i·row_floats
  // and sets found[i] = 1; else found[i] = 0. Returns the number found.
  int lookup(const int32_t* ids, int n, float* rows, uint8_t* found);
  // Stores the rows of ids[0, n) (rows + i·row_floats), evicting as needed;
  // an id already cached keeps its row.
  void insert(const int32_t* ids, int n, const float* rows);

  // Lookups served and missed since construction.
  uint64_t hits() const { return hits_.load(std::memory_order_relaxed); }
  uint64_t misses() const { return misses_.load(std::memory_order_relaxed); }
  int size() const;

 private:
  const int capacity_, row_floats_;
  mutable std::mutex mu_;
  std::unordered_map<int32_t, int> slot_of_;
  std::vector<int32_t> id_of_slot_;
  std::vector<uint8_t> referenced_;
  std::vector<float> rows_;  // grows to capacity_ · row_floats_
  int hand_ = 0;
  std::atomic<uint64_t> hits_{0}, misses_{0};
};

}  // namespace kbseek::encoder
