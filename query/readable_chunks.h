// ReadableChunks: whether a chunk is written mostly in a model's languages,
// remembered by chunk id.
//
// A DenseRetriever for a model that reads only some scripts (all-MiniLM:
// English) drops the chunks it cannot read from every hit list. Deciding it
// meant reading each hit's text from SQLite and counting its scripts: 100
// reads a query, ~12% of the server's CPU under hybrid load on 116k chunks
// (perf: SqliteStore::get_chunk and readable_share under
// DenseRetriever::retrieve). A chunk's text never changes (a replaced
// document gets new chunk ids, storage/access.h), so the answer can be kept.
//
// A direct-mapped table of 64-bit atomics, slot = id mod size, each holding
// (id << 1 | readable): lock-free, fixed memory (8 bytes a slot), and a
// collision just overwrites the older entry, which is then decided again.
// Thread-safe.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace kbseek::query {

class ReadableChunks {
 public:
  // `slots` is rounded up to a power of two (at least 1).
  explicit ReadableChunks(size_t slots = size_t{1} << 18);

  enum class Known { kUnknown, kReadable, kUnreadable };
  Known lookup(int64_t chunk_id) const;
  // Ids must be in [0, 2^62).
  void remember(int64_t chunk_id, bool readable);
  size_t slots() const { return mask_ + 1; }

 private:
  size_t mask_;
  std::unique_ptr<std::atomic<int64_t>[]> table_;
};

}  // namespace kbseek::query
