// An LRU of query embeddings, one per dense retriever (so per model): a
// server asked the same text again (another k, another caller, another
// page) skips the encoder, which is most of a dense search's time on a CPU
// (all-MiniLM ~4 ms, EmbeddingGemma ~24 ms a query). The text is the key
// exactly as encoded. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace kbseek::query {

class EmbeddingCache {
 public:
  explicit EmbeddingCache(size_t capacity) : capacity_(capacity) {}
  // Copies the vector stored for `text` into `out` (dim floats); false if none.
  bool get(const std::string& text, float* out, int dim);
  void put(const std::string& text, const float* v, int dim);
  uint64_t hits() const { return hits_.load(); }
  uint64_t misses() const { return misses_.load(); }

 private:
  const size_t capacity_;
  std::mutex mu_;
  std::list<std::pair<std::string, std::vector<float>>> lru_;  // most recent first
  std::unordered_map<std::string, decltype(lru_)::iterator> index_;
  std::atomic<uint64_t> hits_{0}, misses_{0};
};

}  // namespace kbseek::query
