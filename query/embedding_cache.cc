// LRU bookkeeping.
#include "query/embedding_cache.h"

#include <algorithm>

namespace kbseek::query {

bool EmbeddingCache::get(const std::string& text, float* out, int dim) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(text);
  if (it == index_.end() || static_cast<int>(it->second->second.size()) != dim) {
    misses_++;
    return false;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  std::copy(it->second->second.begin(), it->second->second.end(), out);
  hits_++;
  return true;
}

void EmbeddingCache::put(const std::string& text, const float* v, int dim) {
  if (capacity_ == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(text); it != index_.end()) {
    it->second->second.assign(v, v + dim);
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.emplace_front(text, std::vector<float>(v, v + dim));
  index_[text] = lru_.begin();
  if (lru_.size() > capacity_) {
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

}  // namespace kbseek::query
