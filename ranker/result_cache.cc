// LRU bookkeeping and the request key.
#include "ranker/result_cache.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace kbseek::ranker {

std::string ResultCache::key_of(const SearchRequest& r) {
  std::string query;
  bool space = false;
  for (char c : r.query) {
    const bool ws = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    if (ws) {
      space = !query.empty();
      continue;
    }
    if (space) query += ' ';
    space = false;
    query += c;
  }
  std::vector<std::string> principals = r.principals.names;
  std::sort(principals.begin(), principals.end());
  principals.erase(std::unique(principals.begin(), principals.end()), principals.end());
  // JSON keeps every field unambiguous whatever bytes the strings hold.
  const nlohmann::json key = {query,
                              r.k,
                              search_mode_name(r.mode),
                              r.models,
                              r.rerank_model,
                              r.rerank.k,
                              r.rerank.budget_ms,
                              r.rerank.llm_weight,
                              r.principals.all,
                              principals,
                              r.ranking ? ranking_to_json(*r.ranking) : nlohmann::json()};
  return key.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<SearchResponse> ResultCache::get(const std::string& key, const std::string& version) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end() || it->second->version != version) {
    misses_++;
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  hits_++;
  return it->second->response;
}

void ResultCache::put(const std::string& key, const std::string& version, const SearchResponse& response) {
  if (capacity_ == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    it->second->version = version;
    it->second->response = response;
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.push_front(Entry{key, version, response});
  index_[key] = lru_.begin();
  if (lru_.size() > capacity_) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

}  // namespace kbseek::ranker
