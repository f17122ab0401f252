// RAII wrappers over the SQLite C API: a connection and prepared statements.
//
// Every failure becomes a Status naming the database file and the SQL (or
// the operation) and SQLite's own message. SQLITE_BUSY/LOCKED map to
// Unavailable, SQLITE_CORRUPT/NOTADB to Corruption, SQLITE_FULL/NOMEM to
// ResourceExhausted, the rest to IOError.
//
// Thread-safety: none; SqliteStore serialises use of one connection.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace kbseek::storage {

class SqliteDb;

// One prepared statement. Bind parameters are 1-based, columns 0-based.
// After a step() that returned false (done) or an error, call reset() before
// reusing; SqliteDb::cached() hands statements out already reset.
class Statement {
 public:
  Statement(SqliteDb* db, sqlite3_stmt* stmt, std::string sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  core::Status bind_int64(int index, int64_t value);
  core::Status bind_text(int index, std::string_view value);
  core::Status bind_blob(int index, const void* data, size_t bytes);
  core::Status bind_null(int index);

  // true: a row is ready; false: done.
  core::Result<bool> step();
  // Runs to completion (for statements that return no rows).
  core::Status run();
  void reset();

  bool column_is_null(int col) const;
  int64_t column_int64(int col) const;
  std::string column_text(int col) const;
  std::string_view column_blob(int col) const;  // valid until the next step/reset

 private:
  core::Status check(int rc, const char* what);
  SqliteDb* db_;
  sqlite3_stmt* stmt_;
  std::string sql_;
};

class SqliteDb {
 public:
  // Opens (writable: creates if missing) the database file and sets a busy
  // timeout, so concurrent readers and the writer wait instead of failing.
  static core::Result<std::unique_ptr<SqliteDb>> open(const std::string& path, bool writable);
  ~SqliteDb();
  SqliteDb(const SqliteDb&) = delete;
  SqliteDb& operator=(const SqliteDb&) = delete;

  // Runs one or more statements that return no rows.
  core::Status exec(const std::string& sql);
  core::Result<std::unique_ptr<Statement>> prepare(const std::string& sql);
  // A statement prepared once per connection and reused (reset, bindings cleared).
  core::Result<Statement*> cached(const char* sql);

  const std::string& path() const { return path_; }
  // Copies the whole database, as one committed state, into a new file
  // `dest` with SQLite's online backup API: consistent even while other
  // connections (other processes) write; what is in the WAL is included.
  core::Status backup_to(const std::string& dest) const;

  // Rows changed by the last INSERT/UPDATE/DELETE.
  int64_t changes() const;
  // Rowid of the last successful INSERT on this connection.
  int64_t last_insert_rowid() const;

  // Status for SQLite result code `rc` with context "<path>: <what>: <sqlite message>".
  core::Status error(int rc, const std::string& what) const;

 private:
  SqliteDb(std::string path, sqlite3* db) : path_(std::move(path)), db_(db) {}
  std::string path_;
  sqlite3* db_;
  std::unordered_map<std::string, std::unique_ptr<Statement>> cache_;
};

}  // namespace kbseek::storage
