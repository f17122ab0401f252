// The cache file's schema, reset on corruption, and eviction.
#include "storage/cache_store.h"

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "storage/sqlite_db.h"

namespace kbseek::storage {
namespace {

constexpr const char* kSchemaVersion = "1";

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries(
  key BLOB PRIMARY KEY, version BLOB NOT NULL, value BLOB NOT NULL, used_at INTEGER NOT NULL) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_by_use ON entries(used_at);
)sql";

constexpr int64_t kRefreshMs = 60 * 1000;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Opens the file and checks or writes its schema; Corruption for a file
// that is not a cache of this schema.
core::Result<std::unique_ptr<SqliteDb>> open_checked(const std::string& path) {
  KB_ASSIGN_OR_RETURN(auto db, SqliteDb::open(path, /*writable=*/true));
  KB_RETURN_IF_ERROR(db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"));
  KB_RETURN_IF_ERROR(db->exec(kSchema));
  KB_ASSIGN_OR_RETURN(Statement * get, db->cached("SELECT value FROM meta WHERE key = 'schema'"));
  KB_ASSIGN_OR_RETURN(bool row, get->step());
  if (!row) {
    get->reset();
    KB_RETURN_IF_ERROR(
        db->exec(std::string("INSERT OR IGNORE INTO meta(key, value) VALUES('schema', '") + kSchemaVersion + "')"));
  } else if (get->column_text(0) != kSchemaVersion) {
    return core::Status::corruption(path + ": cache schema " + get->column_text(0) + ", this build writes " +
                                    kSchemaVersion);
  }
  get->reset();
  return db;
}

}  // namespace

CacheStore::CacheStore(std::unique_ptr<SqliteDb> db, int64_t capacity, std::string reset_reason)
    : db_(std::move(db)), capacity_(capacity), reset_reason_(std::move(reset_reason)) {}
CacheStore::~CacheStore() = default;

const std::string& CacheStore::path() const { return db_->path(); }

core::Result<std::unique_ptr<CacheStore>> CacheStore::open(const std::string& path, int64_t capacity) {
  if (capacity < 1) return core::Status::invalid_argument("cache capacity must be at least 1");
  std::string reset;
  auto db = open_checked(path);
  if (!db.is_ok() && db.status().code() == core::StatusCode::kCorruption) {
    // Derived data: start again rather than refuse to serve.
    reset = db.status().message();  // the failed open has closed its connection
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix, ec);
    db = open_checked(path);
  }
  if (!db.is_ok()) return db.status();
  std::unique_ptr<CacheStore> store(new CacheStore(std::move(db).value(), capacity, std::move(reset)));
  KB_ASSIGN_OR_RETURN(store->rows_, store->size());
  return store;
}

core::Result<std::optional<std::string>> CacheStore::get(std::string_view key, std::string_view version) {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(Statement * st, db_->cached("SELECT version, value, used_at FROM entries WHERE key = ?"));
  KB_RETURN_IF_ERROR(st->bind_blob(1, key.data(), key.size()));
  KB_ASSIGN_OR_RETURN(bool row, st->step());
  if (!row || st->column_blob(0) != version) {
    st->reset();
    return std::optional<std::string>();
  }
  std::string value(st->column_blob(1));
  const int64_t used_at = st->column_int64(2);
  st->reset();
  if (const int64_t now = now_ms(); now - used_at > kRefreshMs) {
    KB_ASSIGN_OR_RETURN(Statement * touch, db_->cached("UPDATE entries SET used_at = ? WHERE key = ?"));
    KB_RETURN_IF_ERROR(touch->bind_int64(1, now));
    KB_RETURN_IF_ERROR(touch->bind_blob(2, key.data(), key.size()));
    KB_RETURN_IF_ERROR(touch->run());
  }
  return std::optional<std::string>(std::move(value));
}

core::Status CacheStore::put(std::string_view key, std::string_view version, std::string_view value) {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(Statement * st,
                      db_->cached("INSERT INTO entries(key, version, value, used_at) VALUES(?, ?, ?, ?) "
                                  "ON CONFLICT(key) DO UPDATE SET version = excluded.version, "
                                  "value = excluded.value, used_at = excluded.used_at"));
  KB_RETURN_IF_ERROR(st->bind_blob(1, key.data(), key.size()));
  KB_RETURN_IF_ERROR(st->bind_blob(2, version.data(), version.size()));
  KB_RETURN_IF_ERROR(st->bind_blob(3, value.data(), value.size()));
  KB_RETURN_IF_ERROR(st->bind_int64(4, now_ms()));
  KB_RETURN_IF_ERROR(st->run());
  // An upsert counts as one more row at worst; evict_locked() counts exactly.
  if (++rows_ > capacity_ + std::max<int64_t>(1, capacity_ / 8)) return evict_locked();
  return core::Status::ok();
}

core::Result<int64_t> CacheStore::count_locked() const {
  KB_ASSIGN_OR_RETURN(Statement * count, db_->cached("SELECT count(*) FROM entries"));
  KB_ASSIGN_OR_RETURN(bool row, count->step());
  const int64_t n = row ? count->column_int64(0) : 0;
  count->reset();
  return n;
}

core::Status CacheStore::evict_locked() {
  KB_ASSIGN_OR_RETURN(rows_, count_locked());
  if (rows_ <= capacity_) return core::Status::ok();
  KB_ASSIGN_OR_RETURN(Statement * del, db_->cached("DELETE FROM entries WHERE key IN "
                                                   "(SELECT key FROM entries ORDER BY used_at LIMIT ?)"));
  KB_RETURN_IF_ERROR(del->bind_int64(1, rows_ - capacity_));
  KB_RETURN_IF_ERROR(del->run());
  rows_ = capacity_;
  return core::Status::ok();
}

core::Status CacheStore::clear() {
  std::lock_guard<std::mutex> lock(mu_);
  KB_RETURN_IF_ERROR(db_->exec("PRAGMA secure_delete=ON; DELETE FROM entries; PRAGMA wal_checkpoint(TRUNCATE);"));
  rows_ = 0;
  return core::Status::ok();
}

core::Result<int64_t> CacheStore::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return count_locked();
}

}  // namespace kbseek::storage
