// The result cache of a server asked the same thing again (a popular
// query, a page reloaded, a client retrying, a restarted replica): an
// in-memory LRU, and behind it, optionally, a persistent level in the index
// folder (storage/cache_store.h, cache.sqlite) that survives restarts and
// is shared by the replicas serving one folder.
//
// The key is the request as the service sees it: the query with runs of
// whitespace collapsed and ends trimmed, k, mode, models, the LLM stage's
// fields, and the caller's principals (sorted), so an answer is never
// served to a caller with other rights. Each entry also records the index
// version it was computed at; an entry of another version is a miss and is
// replaced, so a commit by a writer is seen by the next request. The
// memory level keys versions by IndexFolder::version_token() (cheap, this
// process); the persistent one by IndexFolder::durable_version() (the
// folder's commit counter), and its keys also hash in a fingerprint of what
// else an answer depends on: the service's configuration, the models' and
// ranking settings, and the build. A persistent answer holds the results
// and the stages' reports; the caller parses the query again (cheap).
// Errors of the persistent level never fail a search: they are counted,
// logged (the first, then every 1000th), and the answer is computed.
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "ranker/search_service.h"
#include "storage/cache_store.h"

namespace kbseek::ranker {

class ResultCache {
 public:
  // `disk` may be null (no persistent level); `fingerprint` is mixed into
  // its keys (see above).
  explicit ResultCache(size_t capacity, std::unique_ptr<storage::CacheStore> disk = nullptr,
                       std::string fingerprint = "");
  ~ResultCache();

  static std::string key_of(const SearchRequest& request);

  // The memory level: the answer stored under `key` at `version`, if any
  // (and marks it used).
  std::optional<SearchResponse> get(const std::string& key, const std::string& version);
  void put(const std::string& key, const std::string& version, const SearchResponse& response);

  // The persistent level (misses without one): an answer whose `query` is
  // left empty for the caller to fill.
  bool has_disk() const { return disk_ != nullptr; }
  std::optional<SearchResponse> get_durable(const std::string& key, const std::string& durable_version);
  void put_durable(const std::string& key, const std::string& durable_version, const SearchResponse& response);

  // Both levels emptied (after an erasure). Errors of the persistent level
  // are returned: the caller must know the erased text may still be there.
  core::Status clear();

  uint64_t hits() const { return hits_.load(); }
  uint64_t misses() const { return misses_.load(); }
  uint64_t disk_hits() const { return disk_hits_.load(); }
  uint64_t disk_misses() const { return disk_misses_.load(); }
  uint64_t disk_errors() const { return disk_errors_.load(); }
  size_t capacity() const { return capacity_; }

  // The persistent form of an answer (CBOR) and back; Corruption for bytes
  // that are not one.
  static std::string encode(const SearchResponse& response);
  static core::Result<SearchResponse> decode(std::string_view bytes);

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
  void disk_failed(const core::Status& status);
  std::string disk_key(const std::string& key) const;
  std::unique_ptr<storage::CacheStore> disk_;
  const std::string fingerprint_;
  std::atomic<uint64_t> disk_hits_{0}, disk_misses_{0}, disk_errors_{0};
};

}  // namespace kbseek::ranker
