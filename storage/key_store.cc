// The key store's schema, key format and constant-time check.
#include "storage/key_store.h"

#include <sys/random.h>

#include <cerrno>
#include <ctime>
#include <nlohmann/json.hpp>

#include "core/file_util.h"
#include "core/sha256.h"
#include "storage/manifest.h"
#include "storage/sqlite_db.h"

namespace kbseek::storage {
namespace {

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS api_keys(
  id TEXT PRIMARY KEY, key_sha256 TEXT NOT NULL, role TEXT NOT NULL,
  principals_json TEXT NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER NOT NULL DEFAULT 0);
)sql";

constexpr size_t kIdHex = 8, kSecretBytes = 32;

core::Result<std::string> random_hex(size_t bytes) {
  std::string raw(bytes, '\0');
  size_t got = 0;
  while (got < bytes) {
    const ssize_t n = ::getrandom(raw.data() + got, bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return core::Status::from_errno("getrandom", errno);
    got += static_cast<size_t>(n);
  }
  static const char* kHex = "0123456789abcdef";
  std::string hex;
  for (unsigned char c : raw) {
    hex += kHex[c >> 4];
    hex += kHex[c & 15];
  }
  return hex;
}

bool is_hex(std::string_view s) { return s.find_first_not_of("0123456789abcdef") == std::string_view::npos; }

// Equal strings of equal length, in time that depends only on the length.
bool equal_constant_time(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

core::Result<ApiKey> row_to_key(const Statement& st, int first_col) {
  ApiKey k;
  k.id = st.column_text(first_col);
  KB_ASSIGN_OR_RETURN(k.role, parse_role(st.column_text(first_col + 1)));
  auto p = nlohmann::json::parse(st.column_text(first_col + 2), nullptr, false);
  if (!p.is_array()) return core::Status::corruption("key " + k.id + ": principals_json is not an array");
  for (const auto& x : p) {
    if (!x.is_string()) return core::Status::corruption("key " + k.id + ": a principal is not a string");
    k.principals.push_back(x.get<std::string>());
  }
  k.created_at = st.column_int64(first_col + 3);
  k.revoked_at = st.column_int64(first_col + 4);
  return k;
}

}  // namespace

std::string api_key_json(const ApiKey& k) {
  return nlohmann::json{{"id", k.id},
                        {"role", role_name(k.role)},
                        {"principals", k.principals},
                        {"created_at", utc_iso8601(k.created_at)},
                        {"revoked_at", k.revoked_at ? utc_iso8601(k.revoked_at) : ""}}
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

const char* role_name(Role role) {
  switch (role) {
    case Role::kReader: return "reader";
    case Role::kWriter: return "writer";
    case Role::kAdmin: return "admin";
  }
  return "reader";
}

core::Result<Role> parse_role(std::string_view name) {
  if (name == "reader") return Role::kReader;
  if (name == "writer") return Role::kWriter;
  if (name == "admin") return Role::kAdmin;
  return core::Status::invalid_argument("role \"" + std::string(name) + "\" is not one of reader, writer, admin");
}

KeyStore::KeyStore(std::unique_ptr<SqliteDb> db) : db_(std::move(db)) {}
KeyStore::~KeyStore() = default;

core::Result<std::unique_ptr<KeyStore>> KeyStore::open(const std::string& index_dir, bool create) {
  const std::string path = index_dir + "/" + kFileName;
  if (!create && !core::path_exists(path)) {
    return core::Status::not_found(path + ": no API keys; create one with `kbseek keys create --index " + index_dir +
                                   " --role reader`");
  }
  if (create && !core::path_exists(index_dir + "/MANIFEST")) {
    return core::Status::not_found(index_dir + ": not an index folder (no MANIFEST)");
  }
  KB_ASSIGN_OR_RETURN(auto db, SqliteDb::open(path, /*writable=*/true));
  KB_RETURN_IF_ERROR(db->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"));
  KB_RETURN_IF_ERROR(db->exec(kSchema));
  return std::unique_ptr<KeyStore>(new KeyStore(std::move(db)));
}

core::Result<std::pair<ApiKey, std::string>> KeyStore::create(Role role, const std::vector<std::string>& principals) {
  for (const auto& p : principals) {
    if (p.empty() || p.find(',') != std::string::npos) {
      return core::Status::invalid_argument("principal \"" + p + "\" must be non-empty and hold no ','");
    }
  }
  KB_ASSIGN_OR_RETURN(std::string secret, random_hex(kSecretBytes));
  std::lock_guard<std::mutex> lock(mu_);
  // A fresh id; a collision (1 in 4 billion per existing key) draws again.
  for (int attempt = 0; attempt < 8; ++attempt) {
    KB_ASSIGN_OR_RETURN(std::string id, random_hex(kIdHex / 2));
    const std::string key = "kbs_" + id + "_" + secret;
    ApiKey rec{id, role, principals, static_cast<int64_t>(std::time(nullptr)), 0};
    KB_ASSIGN_OR_RETURN(auto st, db_->prepare("INSERT OR IGNORE INTO api_keys(id, key_sha256, role, principals_json, "
                                              "created_at) VALUES(?, ?, ?, ?, ?)"));
    KB_RETURN_IF_ERROR(st->bind_text(1, id));
    KB_RETURN_IF_ERROR(st->bind_text(2, core::sha256_hex(key)));
    KB_RETURN_IF_ERROR(st->bind_text(3, role_name(role)));
    KB_RETURN_IF_ERROR(st->bind_text(4, nlohmann::json(principals).dump()));
    KB_RETURN_IF_ERROR(st->bind_int64(5, rec.created_at));
    KB_RETURN_IF_ERROR(st->run());
    if (db_->changes() == 1) return std::make_pair(std::move(rec), key);
  }
  return core::Status::internal("could not draw an unused key id");
}

core::Result<std::vector<ApiKey>> KeyStore::list() const {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(auto st, db_->prepare("SELECT id, role, principals_json, created_at, revoked_at FROM api_keys "
                                            "ORDER BY created_at, id"));
  std::vector<ApiKey> out;
  for (;;) {
    KB_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) return out;
    KB_ASSIGN_OR_RETURN(ApiKey k, row_to_key(*st, 0));
    out.push_back(std::move(k));
  }
}

core::Status KeyStore::revoke(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(auto st, db_->prepare("UPDATE api_keys SET revoked_at = CASE WHEN revoked_at = 0 THEN ? ELSE "
                                            "revoked_at END WHERE id = ?"));
  KB_RETURN_IF_ERROR(st->bind_int64(1, static_cast<int64_t>(std::time(nullptr))));
  KB_RETURN_IF_ERROR(st->bind_text(2, id));
  KB_RETURN_IF_ERROR(st->run());
  if (db_->changes() == 0) return core::Status::not_found("no API key with id \"" + id + "\"");
  return core::Status::ok();
}

core::Result<std::optional<ApiKey>> KeyStore::authenticate(std::string_view presented) const {
  // kbs_ + id + _ + secret, all lower-case hex.
  if (presented.size() != 4 + kIdHex + 1 + 2 * kSecretBytes || presented.substr(0, 4) != "kbs_" ||
      presented[4 + kIdHex] != '_' || !is_hex(presented.substr(4, kIdHex)) || !is_hex(presented.substr(5 + kIdHex))) {
    return std::optional<ApiKey>();
  }
  const std::string id(presented.substr(4, kIdHex));
  const std::string hash = core::sha256_hex(presented);
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(Statement * st, db_->cached("SELECT key_sha256, id, role, principals_json, created_at, "
                                                  "revoked_at FROM api_keys WHERE id = ?"));
  KB_RETURN_IF_ERROR(st->bind_text(1, id));
  KB_ASSIGN_OR_RETURN(bool row, st->step());
  std::optional<ApiKey> out;
  if (row && equal_constant_time(st->column_text(0), hash)) {
    auto k = row_to_key(*st, 1);
    if (!k.is_ok()) {
      st->reset();
      return k.status();
    }
    if (k->revoked_at == 0) out = std::move(k).value();
  }
  st->reset();
  return out;
}

core::Result<int64_t> KeyStore::active_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(auto st, db_->prepare("SELECT count(*) FROM api_keys WHERE revoked_at = 0"));
  KB_ASSIGN_OR_RETURN(bool row, st->step());
  return row ? st->column_int64(0) : 0;
}

}  // namespace kbseek::storage
