// A persistent cache of derived answers: <dir>/cache.sqlite, beside
// docs.sqlite (its own file, like keys.sqlite: filling it needs neither the
// index's writer lock nor write access to docs.sqlite, and replicas serving
// one folder share it).
//
// Entries are (key, version) -> value, all opaque bytes. A lookup under
// another version is a miss (the caller names the index generation it read,
// so a commit makes older answers unreachable; they are overwritten or
// evicted). At most `capacity` entries are kept: past it by an eighth, the
// least recently used are deleted down to `capacity` (a hit refreshes an
// entry's use time when it is older than a minute, so hits rarely write).
//
// Everything here is derived data: the file is opened in WAL mode with
// synchronous=NORMAL (a power cut may lose the last writes, never the file);
// a file SQLite reports corrupt, or one of another schema, is deleted and
// created again by open(), with the reason in `reset_reason`.
//
// Thread-safety: every method may be called concurrently (one connection,
// serialised). Processes sharing the file wait on SQLite's busy timeout.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace kbseek::storage {

class SqliteDb;

class CacheStore {
 public:
  static constexpr const char* kFileName = "cache.sqlite";

  // Opens or creates `path`; capacity >= 1. IOError (naming the file) when
  // it can be neither opened nor created, e.g. a read-only folder.
  static core::Result<std::unique_ptr<CacheStore>> open(const std::string& path, int64_t capacity);
  ~CacheStore();

  // The value stored under `key` at `version`; nullopt for none or another version.
  core::Result<std::optional<std::string>> get(std::string_view key, std::string_view version);
  // Stores (replaces) the value of `key`; may evict (see above).
  core::Status put(std::string_view key, std::string_view version, std::string_view value);
  core::Result<int64_t> size() const;
  // Every entry gone, from the file too (secure_delete, WAL truncated):
  // after an erasure, answers that may quote erased text.
  core::Status clear();

  const std::string& path() const;
  int64_t capacity() const { return capacity_; }
  // Why open() started the file afresh ("" when it did not).
  const std::string& reset_reason() const { return reset_reason_; }

 private:
  CacheStore(std::unique_ptr<SqliteDb> db, int64_t capacity, std::string reset_reason);
  core::Status evict_locked();
  core::Result<int64_t> count_locked() const;

  mutable std::mutex mu_;
  std::unique_ptr<SqliteDb> db_;
  const int64_t capacity_;
  int64_t rows_ = 0;  // known after open, kept by put/evict (other processes may add more)
  std::string reset_reason_;
};

}  // namespace kbseek::storage
