#include "query/readable_chunks.h"

namespace kbseek::query {
namespace {
constexpr int64_t kEmpty = -1;
}  // namespace

ReadableChunks::ReadableChunks(size_t slots) {
  size_t n = 1;
  while (n < slots) n <<= 1;
  mask_ = n - 1;
  table_.reset(new std::atomic<int64_t>[n]);
  for (size_t i = 0; i < n; ++i) table_[i].store(kEmpty, std::memory_order_relaxed);
}

ReadableChunks::Known ReadableChunks::lookup(int64_t chunk_id) const {
  if (chunk_id < 0) return Known::kUnknown;
  const int64_t v = table_[static_cast<size_t>(chunk_id) & mask_].load(std::memory_order_relaxed);
  if (v == kEmpty || (v >> 1) != chunk_id) return Known::kUnknown;
  return (v & 1) != 0 ? Known::kReadable : Known::kUnreadable;
}

void ReadableChunks::remember(int64_t chunk_id, bool readable) {
  if (chunk_id < 0 || chunk_id >= (int64_t{1} << 62)) return;
  table_[static_cast<size_t>(chunk_id) & mask_].store((chunk_id << 1) | (readable ? 1 : 0), std::memory_order_relaxed);
}

}  // namespace kbseek::query
