// An in-memory LRU of search answers, for a server asked the same thing
// again (a popular query, a page reloaded, a client retrying).
//
// The key is the request as the service sees it: the query with runs of
// whitespace collapsed and ends trimmed, k, mode, models, the LLM stage's
// fields, and the caller's principals (sorted), so an answer is never
// served to a caller with other rights. Each entry also records the index
// version it was computed at (IndexFolder::version_token()); an entry of
// another version is a miss and is replaced, so a commit by a writer is
// seen by the next request. Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "ranker/search_service.h"

namespace kbseek::ranker {

class ResultCache {
 public:
  explicit ResultCache(size_t capacity) : capacity_(capacity) {}

  static std::string key_of(const SearchRequest& request);

  // The answer stored under `key` at `version`, if any (and marks it used).
  std::optional<SearchResponse> get(const std::string& key, const std::string& version);
  void put(const std::string& key, const std::string& version, const SearchResponse& response);

  uint64_t hits() const { return hits_.load(); }
  uint64_t misses() const { return misses_.load(); }
  size_t capacity() const { return capacity_; }

 private:
  struct Entry {
    std::string key, version;
    SearchResponse response;
  };
  const size_t capacity_;
  std::mutex mu_;
  std::list<Entry> lru_;  // most recent first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  std::atomic<uint64_t> hits_{0}, misses_{0};
};

}  // namespace kbseek::ranker
