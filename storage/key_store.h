// API keys of an index: <dir>/keys.sqlite, beside docs.sqlite (its own file,
// so that managing keys needs neither the index's writer lock nor a
// docs.sqlite schema change, and a served index can be given keys while a
// bulk index runs).
//
// A key reads "kbs_<id>_<secret>": <id> is 8 hex digits, shown by `keys
// list` and used to revoke; <secret> is 32 random bytes in hex. The store
// holds the id, SHA-256 of the whole key, the role, the principals the key
// searches as (storage/access.h), and when it was created and revoked;
// never the key itself, which is shown once, at create(). authenticate()
// compares hashes in constant time. Revocation takes effect at the next
// request (every authenticate() reads the file).
//
// Roles nest: admin ⊇ writer ⊇ reader. reader: search and re-rank; writer:
// documents as well; admin: keys and server control as well.
//
// Thread-safety: every method may be called concurrently (one connection,
// serialised).
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace kbseek::storage {

class SqliteDb;

enum class Role { kReader = 0, kWriter = 1, kAdmin = 2 };
const char* role_name(Role role);
// "reader" | "writer" | "admin"; InvalidArgument naming the value otherwise.
core::Result<Role> parse_role(std::string_view name);

struct ApiKey {
  std::string id;
  Role role = Role::kReader;
  std::vector<std::string> principals;
  int64_t created_at = 0;  // Unix seconds
  int64_t revoked_at = 0;  // 0: active
};

// A key's record as JSON text, as `keys list --json` and GET /v1/admin/keys
// show it (never the secret): {"id", "role", "principals", "created_at"
// (ISO 8601 UTC), "revoked_at" ("" while active)}.
std::string api_key_json(const ApiKey& key);

class KeyStore {
 public:
  static constexpr const char* kFileName = "keys.sqlite";

  // Opens <index_dir>/keys.sqlite; `create` makes it if missing (NotFound
  // otherwise, naming the file and the command that creates keys).
  static core::Result<std::unique_ptr<KeyStore>> open(const std::string& index_dir, bool create);
  ~KeyStore();

  // A new key; returns its record and the key itself (the only time it is
  // available). Principals must be non-empty strings without ','.
  core::Result<std::pair<ApiKey, std::string>> create(Role role, const std::vector<std::string>& principals);
  // Every key, active and revoked, oldest first.
  core::Result<std::vector<ApiKey>> list() const;
  // NotFound naming the id; revoking twice is not an error.
  core::Status revoke(const std::string& id);
  // The active key `presented` is, or nullopt (malformed, unknown, wrong
  // secret, revoked). Errors only for a store that cannot be read.
  core::Result<std::optional<ApiKey>> authenticate(std::string_view presented) const;
  // Active keys.
  core::Result<int64_t> active_count() const;

 private:
  explicit KeyStore(std::unique_ptr<SqliteDb> db);
  mutable std::mutex mu_;
  std::unique_ptr<SqliteDb> db_;
};

}  // namespace kbseek::storage
