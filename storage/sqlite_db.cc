// SQLite RAII wrappers and result-code translation.
#include "storage/sqlite_db.h"

#include <sqlite3.h>

namespace kbseek::storage {

Statement::Statement(SqliteDb* db, sqlite3_stmt* stmt, std::string sql) : db_(db), stmt_(stmt), sql_(std::move(sql)) {}

Statement::~Statement() { sqlite3_finalize(stmt_); }

core::Status Statement::check(int rc, const char* what) {
  if (rc == SQLITE_OK) return core::Status::ok();
  return db_->error(rc, std::string(what) + " in `" + sql_ + "`");
}

core::Status Statement::bind_int64(int index, int64_t value) {
  return check(sqlite3_bind_int64(stmt_, index, value), "bind");
}

core::Status Statement::bind_text(int index, std::string_view value) {
  return check(sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8), "bind");
}

core::Status Statement::bind_blob(int index, const void* data, size_t bytes) {
  return check(sqlite3_bind_blob64(stmt_, index, data, bytes, SQLITE_TRANSIENT), "bind");
}

core::Status Statement::bind_null(int index) { return check(sqlite3_bind_null(stmt_, index), "bind"); }

core::Result<bool> Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  core::Status st = check(rc, "step");
  sqlite3_reset(stmt_);
  return st;
}

core::Status Statement::run() {
  for (;;) {
    KB_ASSIGN_OR_RETURN(bool row, step());
    if (!row) return core::Status::ok();
  }
}

void Statement::reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}

bool Statement::column_is_null(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
int64_t Statement::column_int64(int col) const { return sqlite3_column_int64(stmt_, col); }

std::string Statement::column_text(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : std::string();
}

std::string_view Statement::column_blob(int col) const {
  const void* p = sqlite3_column_blob(stmt_, col);
  return p ? std::string_view(static_cast<const char*>(p), sqlite3_column_bytes(stmt_, col)) : std::string_view();
}

core::Result<std::unique_ptr<SqliteDb>> SqliteDb::open(const std::string& path, bool writable) {
  sqlite3* raw = nullptr;
  const int flags =
      (writable ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE : SQLITE_OPEN_READONLY) | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  std::unique_ptr<SqliteDb> db(new SqliteDb(path, raw));
  if (rc != SQLITE_OK) return db->error(rc, "open");
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, 10000);
  return db;
}

core::Status SqliteDb::backup_to(const std::string& dest) const {
  sqlite3* out = nullptr;
  int rc =
      sqlite3_open_v2(dest.c_str(), &out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = dest + ": open: " + (out ? sqlite3_errmsg(out) : sqlite3_errstr(rc));
    sqlite3_close(out);
    return core::Status::io_error(msg);
  }
  sqlite3_busy_timeout(out, 10000);
  sqlite3_backup* b = sqlite3_backup_init(out, "main", db_, "main");
  if (b == nullptr) {
    std::string msg = dest + ": backup of " + path_ + ": " + sqlite3_errmsg(out);
    sqlite3_close(out);
    return core::Status::io_error(msg);
  }
  // One step copies every page under one read transaction: one committed
  // state. A writer holding its lock makes it wait (busy), not fail.
  for (int tries = 0;; ++tries) {
    rc = sqlite3_backup_step(b, -1);
    if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && tries < 100) {
      sqlite3_sleep(100);
      continue;
    }
    break;
  }
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) {
    std::string msg = dest + ": backup of " + path_ + ": " + sqlite3_errstr(rc);
    sqlite3_close(out);
    return core::Status::io_error(msg);
  }
  rc = sqlite3_close(out);
  if (rc != SQLITE_OK) return core::Status::io_error(dest + ": close after backup: " + sqlite3_errstr(rc));
  return core::Status::ok();
}

SqliteDb::~SqliteDb() {
  cache_.clear();  // statements must be finalised before the connection closes
  sqlite3_close(db_);
}

core::Status SqliteDb::error(int rc, const std::string& what) const {
  std::string msg = path_ + ": " + what + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return core::Status::unavailable(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB: return core::Status::corruption(msg);
    case SQLITE_FULL:
    case SQLITE_NOMEM: return core::Status::resource_exhausted(msg);
    case SQLITE_CANTOPEN: return core::Status::not_found(msg);
    case SQLITE_CONSTRAINT:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG: return core::Status::invalid_argument(msg);
    default: return core::Status::io_error(msg);
  }
}

int64_t SqliteDb::changes() const { return sqlite3_changes64(db_); }
int64_t SqliteDb::last_insert_rowid() const { return sqlite3_last_insert_rowid(db_); }

core::Status SqliteDb::exec(const std::string& sql) {
  char* err = nullptr;
  const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
  if (err != nullptr) sqlite3_free(err);
  if (rc != SQLITE_OK) return error(rc, "`" + sql + "`");
  return core::Status::ok();
}

core::Result<std::unique_ptr<Statement>> SqliteDb::prepare(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(stmt);
    return error(rc, "prepare `" + sql + "`");
  }
  return std::make_unique<Statement>(this, stmt, sql);
}

core::Result<Statement*> SqliteDb::cached(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    KB_ASSIGN_OR_RETURN(auto stmt, prepare(sql));
    it = cache_.emplace(sql, std::move(stmt)).first;
  }
  it->second->reset();
  return it->second.get();
}

}  // namespace kbseek::storage
