// Schema, transactions and queries of docs.sqlite.
#include "storage/sqlite_store.h"

#include <cstring>
#include <ctime>
#include <nlohmann/json.hpp>

namespace kbseek::storage {
namespace {

// Version 1. Chunk ids come from AUTOINCREMENT so an id is never reused:
// a stale hit from a derived index can never name a different chunk.
constexpr const char* kSchemaV1 = R"sql(
CREATE TABLE schema_version(version INTEGER NOT NULL);
INSERT INTO schema_version VALUES(1);
CREATE TABLE documents(
  id TEXT PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL, timestamp INTEGER,
  metadata_json TEXT NOT NULL, acl_json TEXT NOT NULL, content_hash TEXT NOT NULL,
  updated_at INTEGER NOT NULL);
CREATE TABLE chunks(
  chunk_id INTEGER PRIMARY KEY AUTOINCREMENT, doc_id TEXT NOT NULL, ordinal INTEGER NOT NULL,
  text TEXT NOT NULL, start_byte INTEGER NOT NULL, end_byte INTEGER NOT NULL);
CREATE INDEX chunks_by_doc ON chunks(doc_id, ordinal);
CREATE TABLE embeddings(
  chunk_id INTEGER NOT NULL, field TEXT NOT NULL, vector BLOB NOT NULL,
  PRIMARY KEY(chunk_id, field)) WITHOUT ROWID;
CREATE TABLE state(key TEXT PRIMARY KEY, value TEXT NOT NULL);
)sql";

// Version 2: each chunk's language and entities, each document's
// near-duplicate fingerprint and what it duplicates. Applied on top of
// version 1, for new stores and as the migration of old ones.
constexpr const char* kSchemaV2 = R"sql(
ALTER TABLE chunks ADD COLUMN language TEXT NOT NULL DEFAULT '';
CREATE TABLE chunk_entities(
  chunk_id INTEGER NOT NULL, type TEXT NOT NULL, value TEXT NOT NULL,
  start_byte INTEGER NOT NULL, end_byte INTEGER NOT NULL);
CREATE INDEX chunk_entities_by_chunk ON chunk_entities(chunk_id);
CREATE INDEX chunk_entities_by_value ON chunk_entities(value);
ALTER TABLE documents ADD COLUMN simhash INTEGER;
ALTER TABLE documents ADD COLUMN duplicate_of TEXT;
ALTER TABLE documents ADD COLUMN duplicate_kind TEXT;
ALTER TABLE documents ADD COLUMN norm_hash TEXT;
CREATE INDEX documents_by_duplicate_of ON documents(duplicate_of);
UPDATE schema_version SET version = 2;
)sql";

// Many lookups in one read transaction. Outside a transaction every
// statement takes and drops SQLite's shared lock on its own (fcntl calls and
// a WAL-index check each time): 10.5 µs a lookup of a chunk's document
// against 3.8 µs inside one transaction, measured through Python's sqlite3 on
// a bench index (most of the difference is the locking). Inside the
// writer's own transaction it does nothing: that one already holds the lock.
class ReadBatch {
 public:
  ReadBatch(SqliteDb& db, bool in_write) : db_(db), own_(!in_write && db.exec("BEGIN").is_ok()) {}
  ~ReadBatch() {
    // A read transaction: nothing to lose; but one left open would pin this
    // connection to an old snapshot, so end it either way.
    if (own_ && !db_.exec("COMMIT").is_ok()) (void)db_.exec("ROLLBACK");
  }
  ReadBatch(const ReadBatch&) = delete;
  ReadBatch& operator=(const ReadBatch&) = delete;

 private:
  SqliteDb& db_;
  const bool own_;
};

}  // namespace

core::Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, bool writable) {
  KB_ASSIGN_OR_RETURN(auto db, SqliteDb::open(path, writable));
  std::unique_ptr<SqliteStore> store(new SqliteStore(std::move(db)));
  KB_RETURN_IF_ERROR(store->init_schema(writable));
  return store;
}

core::Status SqliteStore::init_schema(bool writable) {
  if (writable) {
    // WAL: readers never block on the writer. FULL: a commit survives power loss.
    KB_RETURN_IF_ERROR(db_->exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"));
  }
  KB_ASSIGN_OR_RETURN(Statement * has,
                      db_->cached("SELECT COUNT(*) FROM sqlite_master WHERE type='table' AND name='schema_version'"));
  KB_RETURN_IF_ERROR(has->step().status());
  const bool exists = has->column_int64(0) > 0;
  has->reset();
  if (!exists) {
    if (!writable) return core::Status::corruption(path() + ": no schema_version table: not a kbseek store");
    KB_RETURN_IF_ERROR(db_->exec(std::string("BEGIN IMMEDIATE;") + kSchemaV1 + kSchemaV2 + "COMMIT;"));
    return core::Status::ok();
  }
  KB_ASSIGN_OR_RETURN(Statement * ver, db_->cached("SELECT MAX(version) FROM schema_version"));
  KB_RETURN_IF_ERROR(ver->step().status());
  const int64_t version = ver->column_int64(0);
  ver->reset();
  if (version == 1 && writable) {
    // The migration is one transaction: a crash leaves version 1 intact.
    KB_RETURN_IF_ERROR(db_->exec(std::string("BEGIN IMMEDIATE;") + kSchemaV2 + "COMMIT;"));
    return core::Status::ok();
  }
  if (version == 1)
    return core::Status::failed_precondition(path() +
                                             ": schema version 1: open the index for writing once "
                                             "(e.g. kbseek check --repair) to upgrade it to " +
                                             std::to_string(kSchemaVersion));
  if (version != kSchemaVersion)
    return core::Status::failed_precondition(path() + ": schema version " + std::to_string(version) +
                                             ", this build reads 1-" + std::to_string(kSchemaVersion));
  return core::Status::ok();
}

core::Status SqliteStore::begin() {
  std::lock_guard<std::mutex> lock(mu_);
  if (in_transaction_) return core::Status::ok();
  KB_RETURN_IF_ERROR(db_->exec("BEGIN IMMEDIATE"));
  in_transaction_ = true;
  return core::Status::ok();
}

core::Status SqliteStore::commit() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!in_transaction_) return core::Status::ok();
  KB_RETURN_IF_ERROR(db_->exec("COMMIT"));
  in_transaction_ = false;
  return core::Status::ok();
}

core::Status SqliteStore::rollback() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!in_transaction_) return core::Status::ok();
  in_transaction_ = false;
  return db_->exec("ROLLBACK");
}

bool SqliteStore::in_transaction() const {
  std::lock_guard<std::mutex> lock(mu_);
  return in_transaction_;
}

core::Result<std::vector<int64_t>> SqliteStore::delete_locked(const std::string& id, bool* found) {
  std::vector<int64_t> ids;
  KB_ASSIGN_OR_RETURN(Statement * sel, db_->cached("SELECT chunk_id FROM chunks WHERE doc_id = ?"));
  KB_RETURN_IF_ERROR(sel->bind_text(1, id));
  for (;;) {
    KB_ASSIGN_OR_RETURN(bool row, sel->step());
    if (!row) break;
    ids.push_back(sel->column_int64(0));
  }
  sel->reset();
  KB_ASSIGN_OR_RETURN(
      Statement * del_vec,
      db_->cached("DELETE FROM embeddings WHERE chunk_id IN (SELECT chunk_id FROM chunks WHERE doc_id = ?)"));
  KB_RETURN_IF_ERROR(del_vec->bind_text(1, id));
  KB_RETURN_IF_ERROR(del_vec->run());
  KB_ASSIGN_OR_RETURN(
      Statement * del_ent,
      db_->cached("DELETE FROM chunk_entities WHERE chunk_id IN (SELECT chunk_id FROM chunks WHERE doc_id = ?)"));
  KB_RETURN_IF_ERROR(del_ent->bind_text(1, id));
  KB_RETURN_IF_ERROR(del_ent->run());
  KB_ASSIGN_OR_RETURN(Statement * del_chunks, db_->cached("DELETE FROM chunks WHERE doc_id = ?"));
  KB_RETURN_IF_ERROR(del_chunks->bind_text(1, id));
  KB_RETURN_IF_ERROR(del_chunks->run());
  KB_ASSIGN_OR_RETURN(Statement * del_doc, db_->cached("DELETE FROM documents WHERE id = ?"));
  KB_RETURN_IF_ERROR(del_doc->bind_text(1, id));
  KB_RETURN_IF_ERROR(del_doc->run());
  *found = db_->changes() > 0;
  return ids;
}

core::Result<std::vector<int64_t>> SqliteStore::delete_document(const std::string& id) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!in_transaction_) return core::Status::failed_precondition(path() + ": delete outside a transaction");
  bool found = false;
  KB_ASSIGN_OR_RETURN(auto ids, delete_locked(id, &found));
  if (!found) return core::Status::not_found("document \"" + id + "\" not found in " + path());
  return ids;
}

core::Status SqliteStore::replace_locked(const Document& doc, const std::string& content_hash,
                                         const std::vector<Chunk>& chunks, const std::vector<FieldVectors>& vectors,
                                         Replaced* out) {
  bool found = false;
  KB_ASSIGN_OR_RETURN(out->removed_chunk_ids, delete_locked(doc.id, &found));
  KB_ASSIGN_OR_RETURN(
      Statement * ins_doc,
      db_->cached(
          "INSERT INTO documents(id, title, text, timestamp, metadata_json, acl_json, content_hash, updated_at, "
          "simhash, duplicate_of, duplicate_kind, norm_hash) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"));
  KB_RETURN_IF_ERROR(ins_doc->bind_text(1, doc.id));
  KB_RETURN_IF_ERROR(ins_doc->bind_text(2, doc.title));
  KB_RETURN_IF_ERROR(ins_doc->bind_text(3, doc.text));
  KB_RETURN_IF_ERROR(doc.timestamp ? ins_doc->bind_int64(4, *doc.timestamp) : ins_doc->bind_null(4));
  KB_RETURN_IF_ERROR(ins_doc->bind_text(5, doc.metadata_json));
  KB_RETURN_IF_ERROR(ins_doc->bind_text(6, nlohmann::json(doc.acl).dump()));
  KB_RETURN_IF_ERROR(ins_doc->bind_text(7, content_hash));
  KB_RETURN_IF_ERROR(ins_doc->bind_int64(8, static_cast<int64_t>(std::time(nullptr))));
  // SQLite integers are signed: the fingerprint is stored bit for bit.
  KB_RETURN_IF_ERROR(doc.simhash ? ins_doc->bind_int64(9, static_cast<int64_t>(*doc.simhash)) : ins_doc->bind_null(9));
  KB_RETURN_IF_ERROR(doc.duplicate_of.empty() ? ins_doc->bind_null(10) : ins_doc->bind_text(10, doc.duplicate_of));
  KB_RETURN_IF_ERROR(doc.duplicate_of.empty() ? ins_doc->bind_null(11) : ins_doc->bind_text(11, doc.duplicate_kind));
  KB_RETURN_IF_ERROR(doc.norm_hash.empty() ? ins_doc->bind_null(12) : ins_doc->bind_text(12, doc.norm_hash));
  KB_RETURN_IF_ERROR(ins_doc->run());

  KB_ASSIGN_OR_RETURN(
      Statement * ins_chunk,
      db_->cached(
          "INSERT INTO chunks(doc_id, ordinal, text, start_byte, end_byte, language) VALUES(?, ?, ?, ?, ?, ?)"));
  KB_ASSIGN_OR_RETURN(
      Statement * ins_entity,
      db_->cached("INSERT INTO chunk_entities(chunk_id, type, value, start_byte, end_byte) VALUES(?, ?, ?, ?, ?)"));
  KB_ASSIGN_OR_RETURN(Statement * ins_vec,
                      db_->cached("INSERT INTO embeddings(chunk_id, field, vector) VALUES(?, ?, ?)"));
  for (size_t i = 0; i < chunks.size(); ++i) {
    const Chunk& c = chunks[i];
    ins_chunk->reset();
    KB_RETURN_IF_ERROR(ins_chunk->bind_text(1, doc.id));
    KB_RETURN_IF_ERROR(ins_chunk->bind_int64(2, c.ordinal));
    KB_RETURN_IF_ERROR(ins_chunk->bind_text(3, c.text));
    KB_RETURN_IF_ERROR(ins_chunk->bind_int64(4, c.start_byte));
    KB_RETURN_IF_ERROR(ins_chunk->bind_int64(5, c.end_byte));
    KB_RETURN_IF_ERROR(ins_chunk->bind_text(6, c.language));
    KB_RETURN_IF_ERROR(ins_chunk->run());
    const int64_t chunk_id = db_->last_insert_rowid();
    for (const ChunkEntity& e : c.entities) {
      ins_entity->reset();
      KB_RETURN_IF_ERROR(ins_entity->bind_int64(1, chunk_id));
      KB_RETURN_IF_ERROR(ins_entity->bind_text(2, e.type));
      KB_RETURN_IF_ERROR(ins_entity->bind_text(3, e.value));
      KB_RETURN_IF_ERROR(ins_entity->bind_int64(4, e.start_byte));
      KB_RETURN_IF_ERROR(ins_entity->bind_int64(5, e.end_byte));
      KB_RETURN_IF_ERROR(ins_entity->run());
    }
    out->new_chunk_ids.push_back(chunk_id);
    for (const FieldVectors& f : vectors) {
      ins_vec->reset();
      KB_RETURN_IF_ERROR(ins_vec->bind_int64(1, chunk_id));
      KB_RETURN_IF_ERROR(ins_vec->bind_text(2, f.field));
      KB_RETURN_IF_ERROR(ins_vec->bind_blob(3, f.data + i * f.dim, sizeof(float) * f.dim));
      KB_RETURN_IF_ERROR(ins_vec->run());
    }
  }
  return core::Status::ok();
}

core::Result<SqliteStore::Replaced> SqliteStore::replace_document(const Document& doc, const std::string& content_hash,
                                                                  const std::vector<Chunk>& chunks,
                                                                  const float* vectors, int dim) {
  return replace_document(doc, content_hash, chunks, std::vector<FieldVectors>{{kTextField, dim, vectors}});
}

core::Result<SqliteStore::Replaced> SqliteStore::replace_document(const Document& doc, const std::string& content_hash,
                                                                  const std::vector<Chunk>& chunks,
                                                                  const std::vector<FieldVectors>& vectors) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!in_transaction_) return core::Status::failed_precondition(path() + ": write outside a transaction");
  for (const FieldVectors& f : vectors)
    if (!chunks.empty() && (f.data == nullptr || f.dim <= 0))
      return core::Status::invalid_argument("document \"" + doc.id + "\": chunks given without vectors of field \"" +
                                            f.field + "\"");
  KB_RETURN_IF_ERROR(db_->exec("SAVEPOINT put_document"));
  Replaced out;
  core::Status st = replace_locked(doc, content_hash, chunks, vectors, &out);
  if (!st.is_ok()) {
    // Undo this document only; the rest of the open transaction stays.
    (void)db_->exec("ROLLBACK TO put_document; RELEASE put_document");
    return st.with_context("document \"" + doc.id + "\"");
  }
  KB_RETURN_IF_ERROR(db_->exec("RELEASE put_document"));
  return out;
}

core::Status SqliteStore::set_secure_delete(bool on) {
  std::lock_guard<std::mutex> lock(mu_);
  return db_->exec(on ? "PRAGMA secure_delete=ON" : "PRAGMA secure_delete=OFF");
}

core::Status SqliteStore::checkpoint_truncate() {
  std::lock_guard<std::mutex> lock(mu_);
  return db_->exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

core::Status SqliteStore::set_state(const std::string& key, const std::string& value) {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(Statement * st, db_->cached("INSERT OR REPLACE INTO state(key, value) VALUES(?, ?)"));
  KB_RETURN_IF_ERROR(st->bind_text(1, key));
  KB_RETURN_IF_ERROR(st->bind_text(2, value));
  return st->run();
}

core::Result<std::optional<std::string>> SqliteStore::get_state(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(Statement * st, db_->cached("SELECT value FROM state WHERE key = ?"));
  KB_RETURN_IF_ERROR(st->bind_text(1, key));
  KB_ASSIGN_OR_RETURN(bool row, st->step());
  std::optional<std::string> value;
  if (row) value = st->column_text(0);
  st->reset();
  return value;
}

core::Result<Chunk> SqliteStore::get_chunk(int64_t chunk_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(
      Statement * st,
      db_->cached("SELECT doc_id, ordinal, text, start_byte, end_byte, language FROM chunks WHERE chunk_id = ?"));
  KB_RETURN_IF_ERROR(st->bind_int64(1, chunk_id));
  KB_ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return core::Status::not_found("chunk " + std::to_string(chunk_id) + " not found in " + path());
  Chunk c;
  c.chunk_id = chunk_id;
  c.doc_id = st->column_text(0);
  c.ordinal = static_cast<int>(st->column_int64(1));
  c.text = st->column_text(2);
  c.start_byte = st->column_int64(3);
  c.end_byte = st->column_int64(4);
  c.language = st->column_text(5);
  st->reset();
  KB_ASSIGN_OR_RETURN(
      Statement * ents,
      db_->cached(
          "SELECT type, value, start_byte, end_byte FROM chunk_entities WHERE chunk_id = ? ORDER BY start_byte"));
  KB_RETURN_IF_ERROR(ents->bind_int64(1, chunk_id));
  for (;;) {
    KB_ASSIGN_OR_RETURN(bool more, ents->step());
    if (!more) break;
    c.entities.push_back(
        ChunkEntity{ents->column_text(0), ents->column_text(1), ents->column_int64(2), ents->column_int64(3)});
  }
  ents->reset();
  return c;
}

core::Result<std::vector<std::string>> SqliteStore::chunk_documents(const std::vector<int64_t>& chunk_ids) const {
  std::lock_guard<std::mutex> lock(mu_);
  const ReadBatch batch(*db_, in_transaction_);
  KB_ASSIGN_OR_RETURN(Statement * st, db_->cached("SELECT doc_id FROM chunks WHERE chunk_id = ?"));
  std::vector<std::string> out(chunk_ids.size());
  for (size_t i = 0; i < chunk_ids.size(); ++i) {
    st->reset();
    KB_RETURN_IF_ERROR(st->bind_int64(1, chunk_ids[i]));
    KB_ASSIGN_OR_RETURN(bool row, st->step());
    if (row) out[i] = st->column_text(0);
  }
  st->reset();
  return out;
}

core::Result<Document> SqliteStore::get_document(const std::string& id, bool with_text) const {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(
      Statement * st,
      db_->cached(with_text ? "SELECT title, text, timestamp, metadata_json, acl_json, simhash, duplicate_of, "
                              "duplicate_kind, norm_hash FROM documents WHERE id = ?"
                            : "SELECT title, '', timestamp, metadata_json, acl_json, simhash, duplicate_of, "
                              "duplicate_kind, norm_hash FROM documents WHERE id = ?"));
  KB_RETURN_IF_ERROR(st->bind_text(1, id));
  KB_ASSIGN_OR_RETURN(bool row, st->step());
  if (!row) return core::Status::not_found("document \"" + id + "\" not found in " + path());
  Document d;
  d.id = id;
  d.title = st->column_text(0);
  d.text = st->column_text(1);
  if (!st->column_is_null(2)) d.timestamp = st->column_int64(2);
  d.metadata_json = st->column_text(3);
  const std::string acl = st->column_text(4);
  if (!st->column_is_null(5)) d.simhash = static_cast<uint64_t>(st->column_int64(5));
  if (!st->column_is_null(6)) d.duplicate_of = st->column_text(6);
  if (!st->column_is_null(7)) d.duplicate_kind = st->column_text(7);
  if (!st->column_is_null(8)) d.norm_hash = st->column_text(8);
  st->reset();
  auto parsed = nlohmann::json::parse(acl, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_array())
    return core::Status::corruption(path() + ": document \"" + id + "\": acl_json is not an array");
  for (const auto& p : parsed) {
    if (!p.is_string())
      return core::Status::corruption(path() + ": document \"" + id + "\": acl entry is not a string");
    d.acl.push_back(p.get<std::string>());
  }
  return d;
}

core::Result<std::optional<std::string>> SqliteStore::content_hash(const std::string& doc_id) const {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(Statement * st, db_->cached("SELECT content_hash FROM documents WHERE id = ?"));
  KB_RETURN_IF_ERROR(st->bind_text(1, doc_id));
  KB_ASSIGN_OR_RETURN(bool row, st->step());
  std::optional<std::string> hash;
  if (row) hash = st->column_text(0);
  st->reset();
  return hash;
}

core::Result<int64_t> SqliteStore::count_locked(const char* sql) const {
  KB_ASSIGN_OR_RETURN(Statement * st, db_->cached(sql));
  KB_ASSIGN_OR_RETURN(bool row, st->step());
  const int64_t n = row ? st->column_int64(0) : 0;
  st->reset();
  return n;
}

core::Result<int64_t> SqliteStore::document_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return count_locked("SELECT COUNT(*) FROM documents");
}

core::Result<int64_t> SqliteStore::chunk_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return count_locked("SELECT COUNT(*) FROM chunks");
}

core::Result<int64_t> SqliteStore::embedding_count(const std::string& field) const {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(Statement * st, db_->cached("SELECT COUNT(*) FROM embeddings WHERE field = ?"));
  KB_RETURN_IF_ERROR(st->bind_text(1, field));
  KB_ASSIGN_OR_RETURN(bool row, st->step());
  const int64_t n = row ? st->column_int64(0) : 0;
  st->reset();
  return n;
}

core::Status SqliteStore::scan_chunks(const ChunkVisitor& visit) const {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(auto st,
                      db_->prepare("SELECT c.chunk_id, d.title, c.text, c.language, d.timestamp, d.metadata_json "
                                   "FROM chunks c JOIN documents d ON d.id = c.doc_id ORDER BY c.chunk_id"));
  for (;;) {
    KB_ASSIGN_OR_RETURN(bool has_row, st->step());
    if (!has_row) return core::Status::ok();
    ChunkRow row;
    row.chunk_id = st->column_int64(0);
    row.title = st->column_text(1);
    row.text = st->column_text(2);
    row.language = st->column_text(3);
    if (!st->column_is_null(4)) row.timestamp = st->column_int64(4);
    row.metadata_json = st->column_text(5);
    KB_RETURN_IF_ERROR(visit(row));
  }
}

core::Status SqliteStore::scan_simhashes(const SimhashVisitor& visit) const {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(auto st, db_->prepare("SELECT id, simhash, duplicate_of, norm_hash FROM documents "
                                            "WHERE simhash IS NOT NULL"));
  for (;;) {
    KB_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) return core::Status::ok();
    KB_RETURN_IF_ERROR(visit(st->column_text(0), static_cast<uint64_t>(st->column_int64(1)),
                             st->column_is_null(2) ? std::string() : st->column_text(2),
                             st->column_is_null(3) ? std::string() : st->column_text(3)));
  }
}

core::Result<int64_t> SqliteStore::data_version() const {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(Statement * st, db_->cached("PRAGMA data_version"));
  KB_ASSIGN_OR_RETURN(bool row, st->step());
  const int64_t v = row ? st->column_int64(0) : 0;
  st->reset();
  return v;
}

core::Result<int64_t> SqliteStore::max_chunk_id() const {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(Statement * st, db_->cached("SELECT max(chunk_id) FROM chunks"));
  KB_ASSIGN_OR_RETURN(bool row, st->step());
  const int64_t id = row && !st->column_is_null(0) ? st->column_int64(0) : 0;
  st->reset();
  return id;
}

core::Status SqliteStore::scan_restricted_chunks(int64_t after, int64_t upto, const ChunkAclVisitor& visit) const {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(auto st, db_->prepare("SELECT c.chunk_id, d.id, d.acl_json FROM chunks c JOIN documents d "
                                            "ON d.id = c.doc_id WHERE c.chunk_id > ? AND c.chunk_id <= ? "
                                            "AND d.acl_json != '[]' ORDER BY c.chunk_id"));
  KB_RETURN_IF_ERROR(st->bind_int64(1, after));
  KB_RETURN_IF_ERROR(st->bind_int64(2, upto));
  std::vector<std::string> acl;
  for (;;) {
    KB_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) return core::Status::ok();
    auto parsed = nlohmann::json::parse(st->column_text(2), nullptr, /*allow_exceptions=*/false);
    acl.clear();
    bool ok = parsed.is_array();
    for (const auto& p : ok ? parsed : nlohmann::json::array()) {
      ok = ok && p.is_string();
      if (ok) acl.push_back(p.get<std::string>());
    }
    // Fail closed: an acl that cannot be read admits nobody but operators
    // (no principal holds a ',': Principals::parse splits on it).
    if (!ok || acl.empty()) acl = {",unreadable acl of " + st->column_text(1)};
    KB_RETURN_IF_ERROR(visit(st->column_int64(0), acl));
  }
}

core::Result<std::vector<std::string>> SqliteStore::duplicates_of(const std::string& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(auto st, db_->prepare("SELECT id FROM documents WHERE duplicate_of = ? ORDER BY id"));
  KB_RETURN_IF_ERROR(st->bind_text(1, id));
  std::vector<std::string> out;
  for (;;) {
    KB_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) return out;
    out.push_back(st->column_text(0));
  }
}

core::Status SqliteStore::scan_entities(const EntityVisitor& visit) const {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(auto st, db_->prepare("SELECT chunk_id, type, value, start_byte, end_byte FROM chunk_entities "
                                            "ORDER BY chunk_id"));
  for (;;) {
    KB_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) return core::Status::ok();
    KB_RETURN_IF_ERROR(visit(st->column_int64(0), ChunkEntity{st->column_text(1), st->column_text(2),
                                                              st->column_int64(3), st->column_int64(4)}));
  }
}

core::Status SqliteStore::scan_vectors(const std::string& field, int dim, const VectorVisitor& visit) const {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(auto st,
                      db_->prepare("SELECT chunk_id, vector FROM embeddings WHERE field = ? ORDER BY chunk_id"));
  KB_RETURN_IF_ERROR(st->bind_text(1, field));
  std::vector<float> v(dim);
  for (;;) {
    KB_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) return core::Status::ok();
    const int64_t id = st->column_int64(0);
    std::string_view blob = st->column_blob(1);
    if (blob.size() != sizeof(float) * dim)
      return core::Status::corruption(path() + ": chunk " + std::to_string(id) + ": vector of " +
                                      std::to_string(blob.size()) + " bytes, expected " +
                                      std::to_string(sizeof(float) * dim));
    std::memcpy(v.data(), blob.data(), blob.size());
    KB_RETURN_IF_ERROR(visit(id, v.data()));
  }
}

core::Result<std::vector<float>> SqliteStore::get_vectors(const std::string& field, int dim,
                                                          const std::vector<int64_t>& chunk_ids) const {
  std::lock_guard<std::mutex> lock(mu_);
  const ReadBatch batch(*db_, in_transaction_);
  KB_ASSIGN_OR_RETURN(auto st, db_->prepare("SELECT vector FROM embeddings WHERE chunk_id = ? AND field = ?"));
  std::vector<float> out(chunk_ids.size() * static_cast<size_t>(dim));
  for (size_t i = 0; i < chunk_ids.size(); ++i) {
    st->reset();
    KB_RETURN_IF_ERROR(st->bind_int64(1, chunk_ids[i]));
    KB_RETURN_IF_ERROR(st->bind_text(2, field));
    KB_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row)
      return core::Status::not_found(path() + ": chunk " + std::to_string(chunk_ids[i]) + " has no \"" + field +
                                     "\" vector");
    std::string_view blob = st->column_blob(0);
    if (blob.size() != sizeof(float) * dim)
      return core::Status::corruption(path() + ": chunk " + std::to_string(chunk_ids[i]) + ": vector of " +
                                      std::to_string(blob.size()) + " bytes, expected " +
                                      std::to_string(sizeof(float) * dim));
    std::memcpy(out.data() + i * dim, blob.data(), blob.size());
  }
  return out;
}

namespace {
core::Result<std::vector<int64_t>> id_column(SqliteDb* db, const std::string& sql, const std::string* bind) {
  KB_ASSIGN_OR_RETURN(auto st, db->prepare(sql));
  if (bind) KB_RETURN_IF_ERROR(st->bind_text(1, *bind));
  std::vector<int64_t> ids;
  for (;;) {
    KB_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) return ids;
    ids.push_back(st->column_int64(0));
  }
}
}  // namespace

core::Result<std::vector<int64_t>> SqliteStore::chunk_ids() const {
  std::lock_guard<std::mutex> lock(mu_);
  return id_column(db_.get(), "SELECT chunk_id FROM chunks ORDER BY chunk_id", nullptr);
}

core::Result<std::vector<int64_t>> SqliteStore::embedding_ids(const std::string& field) const {
  std::lock_guard<std::mutex> lock(mu_);
  return id_column(db_.get(), "SELECT chunk_id FROM embeddings WHERE field = ? ORDER BY chunk_id", &field);
}

core::Result<int64_t> SqliteStore::orphan_chunk_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return count_locked("SELECT COUNT(*) FROM chunks c LEFT JOIN documents d ON d.id = c.doc_id WHERE d.id IS NULL");
}

core::Result<std::string> SqliteStore::integrity_check() const {
  std::lock_guard<std::mutex> lock(mu_);
  KB_ASSIGN_OR_RETURN(auto st, db_->prepare("PRAGMA integrity_check"));
  std::string out;
  for (;;) {
    KB_ASSIGN_OR_RETURN(bool row, st->step());
    if (!row) break;
    out += (out.empty() ? "" : "; ") + st->column_text(0);
  }
  return out;
}

}  // namespace kbseek::storage
