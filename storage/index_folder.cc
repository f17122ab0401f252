// IndexFolder: opening, batching writes, commit order, searches and lookups.
// Recovery of the derived stores lives in index_recovery.cc.
#include "storage/index_folder.h"

#include <sys/stat.h>

#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/file_util.h"
#include "core/logging.h"
#include "core/utf8.h"
#include "storage/chunk_fields.h"
#include "storage/folder_lock.h"
#include "storage/sqlite_store.h"

namespace kbseek::storage {
namespace {

// Vectors are stored as given, so only clearly unnormalised ones are
// rejected; encoders normalise in float32, well within this.
constexpr double kNormTolerance = 1e-2;

core::Status check_utf8(std::string_view s, const std::string& what) {
  const size_t bad = core::find_invalid_utf8(s);
  if (bad == std::string_view::npos) return core::Status::ok();
  return core::Status::invalid_argument(what + " is not valid UTF-8 (byte " + std::to_string(bad) + ")");
}

std::string describe(const std::vector<ModelInfo>& models) {
  std::string out;
  for (const auto& m : models) {
    if (!out.empty()) out += ", ";
    out += "\"" + m.name + "\" (fingerprint " + m.fingerprint + ", dimension " + std::to_string(m.dimension) + ")";
  }
  return out;
}

std::vector<ModelInfo> requested_models(const IndexOptions& o) {
  if (!o.models.empty()) return o.models;
  if (o.model_name.empty()) return {};
  ModelInfo m;
  m.name = o.model_name;
  m.fingerprint = o.model_fingerprint;
  m.dimension = o.dimension;
  return {m};
}

bool empty_except_lock(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().filename() != "LOCK") return false;
  }
  return true;
}

}  // namespace

IndexFolder::IndexFolder(std::string dir, bool writable) : dir_(std::move(dir)), writable_(writable) {}

// Members close in reverse order; an open SQLite transaction rolls back and
// the Xapian transaction is cancelled, so uncommitted changes vanish.
IndexFolder::~IndexFolder() = default;

core::Status IndexFolder::check_options(const std::vector<ModelInfo>& requested) const {
  bool same = requested.size() == manifest_.models.size();
  for (size_t i = 0; same && i < requested.size(); ++i) {
    const ModelInfo& m = manifest_.models[i];
    same = m.name == requested[i].name && m.fingerprint == requested[i].fingerprint &&
           m.dimension == requested[i].dimension;
  }
  if (same) return core::Status::ok();
  return core::Status::invalid_argument(dir_ + ": index was built with model(s) " + describe(manifest_.models) +
                                        ", but " + describe(requested) +
                                        " requested: use the same models or a new index folder");
}

core::Result<std::unique_ptr<IndexFolder>> IndexFolder::create_or_open(const std::string& dir,
                                                                       const IndexOptions& options) {
  const std::vector<ModelInfo> requested = requested_models(options);
  if (requested.empty()) return core::Status::invalid_argument(dir + ": index options name no embedding model");
  for (size_t i = 0; i < requested.size(); ++i) {
    if (requested[i].name.empty() || requested[i].dimension <= 0)
      return core::Status::invalid_argument(dir + ": index options need a model name and a positive dimension");
    for (size_t j = 0; j < i; ++j)
      if (field_for_model(requested[j].name) == field_for_model(requested[i].name))
        return core::Status::invalid_argument(dir + ": model \"" + requested[i].name + "\" is named twice");
  }
  KB_RETURN_IF_ERROR(core::make_dirs(dir));
  std::unique_ptr<IndexFolder> folder(new IndexFolder(dir, /*writable=*/true));
  folder->faiss_options_.ivf_threshold = options.ivf_threshold;
  KB_ASSIGN_OR_RETURN(folder->lock_, FolderLock::acquire(dir));

  auto manifest = read_manifest(dir);
  if (manifest.is_ok()) {
    folder->manifest_ = std::move(manifest.value());
    KB_RETURN_IF_ERROR(folder->check_options(requested));
  } else if (manifest.status().code() == core::StatusCode::kNotFound) {
    if (!empty_except_lock(dir))
      return core::Status::invalid_argument(dir + ": folder is not empty and has no MANIFEST: not a kbseek index");
    // The MANIFEST goes first, at generation 0, so a crash while the stores
    // are being created leaves a folder that simply opens as empty.
    Manifest& m = folder->manifest_;
    m.writer = writer_string();
    m.created_at = utc_now_iso8601();
    for (ModelInfo info : requested) {
      info.normalised = true;
      info.field = field_for_model(info.name);
      info.faiss_file = faiss_file_for_field(info.field);
      info.faiss_generation = 0;
      m.models.push_back(std::move(info));
    }
    m.sqlite_schema_version = SqliteStore::kSchemaVersion;
    KB_RETURN_IF_ERROR(write_manifest(dir, m));
  } else {
    return manifest.status();
  }
  KB_RETURN_IF_ERROR(folder->open_stores());
  return folder;
}

core::Result<std::unique_ptr<IndexFolder>> IndexFolder::open_existing_writable(const std::string& dir) {
  KB_ASSIGN_OR_RETURN(const Manifest m, read_manifest(dir));
  IndexOptions opts;
  for (const auto& model : m.models) opts.models.push_back(model_info(model.name, model.fingerprint, model.dimension));
  return create_or_open(dir, opts);
}

core::Result<std::unique_ptr<IndexFolder>> IndexFolder::open_read_only(const std::string& dir) {
  std::unique_ptr<IndexFolder> folder(new IndexFolder(dir, /*writable=*/false));
  auto manifest = read_manifest(dir);
  if (!manifest.is_ok()) {
    if (manifest.status().code() == core::StatusCode::kNotFound)
      return core::Status::not_found(dir + ": no MANIFEST: not a kbseek index folder");
    return manifest.status();
  }
  folder->manifest_ = std::move(manifest.value());
  KB_RETURN_IF_ERROR(folder->open_stores());
  return folder;
}

core::Status IndexFolder::open_stores() {
  const std::string sqlite_path = dir_ + "/docs.sqlite";
  if (!core::path_exists(sqlite_path) && (manifest_.generation > 0 || !writable_))
    return core::Status::corruption(sqlite_path + ": missing, but " + dir_ + "/MANIFEST is at generation " +
                                    std::to_string(manifest_.generation));
  KB_ASSIGN_OR_RETURN(store_, SqliteStore::open(sqlite_path, writable_));
  KB_ASSIGN_OR_RETURN(auto stored, store_->get_state(kGenerationKey));
  const int64_t generation = stored ? std::stoll(*stored) : 0;
  if (generation < manifest_.generation)
    return core::Status::corruption(sqlite_path + ": at generation " + std::to_string(generation) +
                                    ", older than MANIFEST's " + std::to_string(manifest_.generation) +
                                    ": the source of truth was replaced");
  KB_RETURN_IF_ERROR(recover_lexical(generation));
  KB_RETURN_IF_ERROR(recover_vectors(generation));
  if (writable_) return write_manifest_now(generation);
  return core::Status::ok();
}

core::Status IndexFolder::write_manifest_now(int64_t generation) {
  Manifest m = manifest_;
  m.format_version = Manifest::kFormatVersion;  // a format-1 folder is upgraded by its first writer
  m.writer = writer_string();
  m.generation = generation;
  for (size_t i = 0; i < m.models.size(); ++i) {
    m.models[i].faiss_generation = generation;
    m.models[i].faiss_spec = current_vectors(i)->spec();
  }
  m.analyzer = lexical_->analyzer().version();
  m.sqlite_schema_version = SqliteStore::kSchemaVersion;
  m.document_count = document_count();
  m.chunk_count = chunk_count();
  KB_RETURN_IF_ERROR(write_manifest(dir_, m));
  manifest_ = std::move(m);
  return core::Status::ok();
}

core::Status IndexFolder::validate(const Document& doc, const std::vector<Chunk>& chunks,
                                   const std::vector<const float*>& vectors) const {
  if (doc.id.empty()) return core::Status::invalid_argument("document id must not be empty");
  const std::string where = "document \"" + doc.id + "\"";
  KB_RETURN_IF_ERROR(check_utf8(doc.id, "document id"));
  KB_RETURN_IF_ERROR(check_utf8(doc.title, where + ": title"));
  KB_RETURN_IF_ERROR(check_utf8(doc.text, where + ": text"));
  for (const auto& principal : doc.acl) KB_RETURN_IF_ERROR(check_utf8(principal, where + ": acl entry"));
  auto metadata = nlohmann::json::parse(doc.metadata_json, nullptr, /*allow_exceptions=*/false);
  if (!metadata.is_object()) return core::Status::invalid_argument(where + ": metadata_json must be a JSON object");
  if (vectors.size() != manifest_.models.size())
    return core::Status::invalid_argument(where + ": vectors of " + std::to_string(vectors.size()) +
                                          " model(s) given, the index has " + std::to_string(manifest_.models.size()));
  for (size_t m = 0; m < vectors.size(); ++m)
    if (!chunks.empty() && vectors[m] == nullptr)
      return core::Status::invalid_argument(where + ": " + std::to_string(chunks.size()) +
                                            " chunks but no vectors of model \"" + manifest_.models[m].name + "\"");
  const int64_t text_size = static_cast<int64_t>(doc.text.size());
  for (size_t i = 0; i < chunks.size(); ++i) {
    const Chunk& c = chunks[i];
    const std::string cw = where + " chunk " + std::to_string(i);
    if (!c.doc_id.empty() && c.doc_id != doc.id)
      return core::Status::invalid_argument(cw + ": doc_id is \"" + c.doc_id + "\"");
    if (c.start_byte < 0 || c.start_byte > c.end_byte || c.end_byte > text_size)
      return core::Status::invalid_argument(cw + ": byte range [" + std::to_string(c.start_byte) + ", " +
                                            std::to_string(c.end_byte) + ") is outside the text (" +
                                            std::to_string(text_size) + " bytes)");
    KB_RETURN_IF_ERROR(check_utf8(c.text, cw + ": text"));
    for (size_t m = 0; m < vectors.size(); ++m) {
      const int dim = manifest_.models[m].dimension;
      const float* v = vectors[m] + i * dim;
      double norm2 = 0;
      for (int j = 0; j < dim; ++j) norm2 += double(v[j]) * v[j];
      const double norm = std::sqrt(norm2);
      if (!std::isfinite(norm) || std::abs(norm - 1.0) > kNormTolerance)
        return core::Status::invalid_argument(cw + ": vector of model \"" + manifest_.models[m].name + "\" has norm " +
                                              std::to_string(norm) + ", expected 1 (L2-normalised, finite)");
    }
  }
  return core::Status::ok();
}

core::Status IndexFolder::begin_batch() {
  if (!writable_) return core::Status::failed_precondition(dir_ + ": opened read-only");
  if (broken_)
    return core::Status::failed_precondition(dir_ + ": an earlier commit failed; reopen the index to recover");
  return store_->begin();
}

core::Status IndexFolder::discard_batch(const core::Status& cause) {
  const int64_t lost = batch_documents_;
  batch_documents_ = 0;
  pending_vector_removals_.clear();
  {
    std::lock_guard<std::mutex> lock(access_mu_);
    access_table_.reset();
  }
  core::Status undo = store_->rollback();
  if (undo.is_ok()) undo = lexical_->cancel();
  if (undo.is_ok()) undo = recover_vectors(manifest_.generation);
  std::string msg = cause.message() + "; rolled back the " + std::to_string(lost) +
                    " uncommitted document change(s) since the last commit";
  if (!undo.is_ok()) {
    broken_ = true;
    msg += ", and the rollback failed (" + undo.to_string() + "): reopen the index";
  }
  return core::Status(cause.code(), msg);
}

core::Status IndexFolder::put_document(const Document& doc, const std::vector<Chunk>& chunks,
                                       const std::vector<const float*>& vectors_per_model) {
  KB_RETURN_IF_ERROR(validate(doc, chunks, vectors_per_model));
  KB_RETURN_IF_ERROR(begin_batch());
  std::vector<SqliteStore::FieldVectors> fields;
  for (size_t m = 0; m < manifest_.models.size(); ++m)
    fields.push_back({manifest_.models[m].field, manifest_.models[m].dimension, vectors_per_model[m]});
  // A failure inside SQLite rolls back this document only (a savepoint).
  KB_ASSIGN_OR_RETURN(SqliteStore::Replaced replaced,
                      store_->replace_document(doc, document_content_hash(doc), chunks, fields));
  ++batch_documents_;
  core::Status st;
  for (int64_t id : replaced.removed_chunk_ids) {
    if (st.is_ok()) st = lexical_->remove(id);
  }
  for (size_t i = 0; i < chunks.size() && st.is_ok(); ++i)
    st = lexical_->add(replaced.new_chunk_ids[i], doc.title, chunks[i].text,
                       chunk_fields(chunks[i].entities, chunks[i].language, doc.timestamp, doc.metadata_json));
  for (size_t m = 0; m < manifest_.models.size() && st.is_ok(); ++m)
    st = current_vectors(m)->add(replaced.new_chunk_ids.data(), vectors_per_model[m], chunks.size());
  if (!st.is_ok()) return discard_batch(st.with_context("document \"" + doc.id + "\""));
  pending_vector_removals_.insert(pending_vector_removals_.end(), replaced.removed_chunk_ids.begin(),
                                  replaced.removed_chunk_ids.end());
  return core::Status::ok();
}

core::Status IndexFolder::remove_document(const std::string& id) {
  KB_RETURN_IF_ERROR(begin_batch());
  KB_ASSIGN_OR_RETURN(std::vector<int64_t> removed, store_->delete_document(id));
  ++batch_documents_;
  for (int64_t chunk_id : removed) {
    core::Status st = lexical_->remove(chunk_id);
    if (!st.is_ok()) return discard_batch(st.with_context("remove document \"" + id + "\""));
  }
  pending_vector_removals_.insert(pending_vector_removals_.end(), removed.begin(), removed.end());
  return core::Status::ok();
}

core::Result<std::vector<std::string>> IndexFolder::erase_documents(const std::vector<std::string>& ids) {
  if (!writable_) return core::Status::failed_precondition(dir_ + ": opened read-only");
  KB_RETURN_IF_ERROR(store_->set_secure_delete(true));
  std::vector<std::string> missing;
  for (const auto& id : ids) {
    core::Status st = remove_document(id);
    if (st.code() == core::StatusCode::kNotFound) {
      missing.push_back(id);
    } else if (!st.is_ok()) {
      return st;
    }
  }
  KB_RETURN_IF_ERROR(commit());
  KB_RETURN_IF_ERROR(store_->checkpoint_truncate());
  KB_RETURN_IF_ERROR(store_->set_secure_delete(false));
  // Fresh lexical files: Xapian leaves deleted postings in freed blocks.
  lexical_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_ + "/lexical", ec);
  if (ec) return core::Status::io_error(dir_ + "/lexical: cannot remove: " + ec.message());
  KB_RETURN_IF_ERROR(rebuild_lexical(manifest_.generation));
  return missing;
}

core::Status IndexFolder::commit() {
  if (!writable_) return core::Status::failed_precondition(dir_ + ": opened read-only");
  if (broken_)
    return core::Status::failed_precondition(dir_ + ": an earlier commit failed; reopen the index to recover");
  if (batch_documents_ == 0 && !store_->in_transaction()) return core::Status::ok();
  const int64_t generation = manifest_.generation + 1;
  core::Status st = store_->set_state(kGenerationKey, std::to_string(generation));
  if (st.is_ok()) st = store_->commit();
  if (!st.is_ok()) return discard_batch(st.with_context("commit"));
  batch_documents_ = 0;
  // docs.sqlite now holds the batch durably; the rest only derives from it.
  st = lexical_->set_metadata(kGenerationKey, std::to_string(generation));
  if (st.is_ok()) st = lexical_->set_metadata(kAnalyzerKey, lexical_->analyzer().version());
  if (st.is_ok()) st = lexical_->commit();
  for (size_t m = 0; m < manifest_.models.size() && st.is_ok(); ++m) {
    std::shared_ptr<FaissIndex> vectors = current_vectors(m);
    st = vectors->remove(pending_vector_removals_.data(), pending_vector_removals_.size());
    if (st.is_ok()) st = vectors->save(dir_ + "/" + manifest_.models[m].faiss_file);
  }
  pending_vector_removals_.clear();
  if (st.is_ok()) st = write_manifest_now(generation);
  if (!st.is_ok()) {
    broken_ = true;
    return core::Status(st.code(), st.message() + "; the changes are committed to docs.sqlite (generation " +
                                       std::to_string(generation) +
                                       "), and the search indexes will be rebuilt from it when the index is "
                                       "next opened for writing");
  }
  return core::Status::ok();
}

core::Result<std::shared_ptr<const ChunkFilter>> IndexFolder::access_filter(const Principals& who) const {
  if (who.all) return std::shared_ptr<const ChunkFilter>();
  std::lock_guard<std::mutex> lock(access_mu_);
  KB_ASSIGN_OR_RETURN(const int64_t max_id, store_->max_chunk_id());
  if (!access_table_ || max_id > access_table_->max_chunk_id()) {
    // A copy extended with the chunks added since: filters handed out
    // before keep the table they were made from.
    auto table = access_table_ ? std::make_shared<AccessTable>(*access_table_) : std::make_shared<AccessTable>();
    KB_RETURN_IF_ERROR(store_->scan_restricted_chunks(table->max_chunk_id(), max_id,
                                                      [&](int64_t chunk_id, const std::vector<std::string>& acl) {
                                                        table->add(chunk_id, acl);
                                                        return core::Status::ok();
                                                      }));
    table->set_max_chunk_id(max_id);
    access_table_ = std::move(table);
  }
  return std::shared_ptr<const ChunkFilter>(make_access_filter(access_table_, who));
}

core::Result<std::vector<Hit>> IndexFolder::search_dense(size_t model, const float* query, int k,
                                                         const ChunkFilter* allow) const {
  if (query == nullptr) return core::Status::invalid_argument("dense search: no query vector");
  if (model >= manifest_.models.size())
    return core::Status::invalid_argument("dense search: model " + std::to_string(model) + " of " +
                                          std::to_string(manifest_.models.size()));
  return current_vectors(model)->search(query, k, allow);
}

core::Result<std::vector<Hit>> IndexFolder::search_lexical(std::string_view query, int k,
                                                           const std::vector<std::string>& filters,
                                                           const ChunkFilter* allow) const {
  return lexical_->search(query, k, filters, allow);
}

core::Result<std::vector<Hit>> IndexFolder::search_lexical(const LexicalQuery& query, int k,
                                                           const ChunkFilter* allow) const {
  return lexical_->search(query, k, allow);
}

core::Result<std::vector<int64_t>> IndexFolder::matching_chunk_ids(const std::vector<Condition>& must,
                                                                   int limit) const {
  if (must.empty()) return std::vector<int64_t>{};
  KB_ASSIGN_OR_RETURN(auto hits, lexical_->search(LexicalQuery{{}, must}, limit, nullptr));
  std::vector<int64_t> ids;
  ids.reserve(hits.size());
  for (const auto& h : hits) ids.push_back(h.chunk_id);
  return ids;
}

core::Result<IndexedFields> IndexFolder::indexed_fields() const { return lexical_->indexed_fields(); }

QueryTerms IndexFolder::query_terms(std::string_view query) const { return lexical_->query_terms(query); }

core::Result<std::vector<int64_t>> IndexFolder::filtered_chunk_ids(const std::vector<std::string>& filters,
                                                                   int limit) const {
  if (filters.empty()) return std::vector<int64_t>{};
  return matching_chunk_ids({Condition::all_terms(filters)}, limit);
}

namespace {
int64_t mtime_ns(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return -1;
  return static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
}
}  // namespace

core::Status IndexFolder::refresh_vectors() const {
  if (writable_) return core::Status::ok();
  std::lock_guard<std::mutex> lock(refresh_mu_);
  const int64_t mtime = mtime_ns(dir_ + "/MANIFEST");
  if (mtime == manifest_mtime_ns_) return core::Status::ok();
  if (loaded_generation_.empty())
    for (const auto& m : manifest_.models) loaded_generation_.push_back(m.faiss_generation);
  KB_ASSIGN_OR_RETURN(Manifest now, read_manifest(dir_));
  bool all_loaded = true;
  for (size_t i = 0; i < manifest_.models.size() && i < now.models.size(); ++i) {
    const ModelInfo& m = now.models[i];
    if (m.field != manifest_.models[i].field || m.faiss_generation <= loaded_generation_[i]) continue;
    auto index = FaissIndex::load(dir_ + "/" + m.faiss_file, faiss_options_);
    if (!index.is_ok() || index.value()->dimension() != manifest_.models[i].dimension) {
      all_loaded = false;
      continue;
    }
    set_vectors(i, std::move(index).value());
    loaded_generation_[i] = m.faiss_generation;
    core::log_info("storage",
                   dir_ + "/" + m.faiss_file + ": reloaded at generation " + std::to_string(m.faiss_generation));
  }
  if (all_loaded) manifest_mtime_ns_ = mtime;
  return core::Status::ok();
}

core::Status IndexFolder::scan_simhashes(const FingerprintVisitor& visit) const {
  return store_->scan_simhashes(visit);
}

core::Result<std::vector<std::string>> IndexFolder::duplicates_of(const std::string& id) const {
  return store_->duplicates_of(id);
}

core::Result<std::string> IndexFolder::version_token() const {
  KB_ASSIGN_OR_RETURN(const int64_t dv, store_->data_version());
  int64_t manifest_seen;
  {
    std::lock_guard<std::mutex> lock(refresh_mu_);
    manifest_seen = manifest_mtime_ns_;
  }
  return std::to_string(dv) + "/" + std::to_string(manifest_seen);
}

core::Result<std::string> IndexFolder::durable_version() const {
  KB_ASSIGN_OR_RETURN(const std::optional<std::string> generation, store_->get_state(kGenerationKey));
  return manifest_.created_at + "/" + generation.value_or("0");
}

core::Result<std::vector<Hit>> IndexFolder::search_any(const std::vector<std::string>& terms, int k,
                                                       const std::vector<Condition>& must,
                                                       const ChunkFilter* allow) const {
  return lexical_->search_any(terms, k, must, allow);
}

core::Result<double> IndexFolder::known_term_share(std::string_view query) const {
  return lexical_->known_term_share(query);
}

core::Result<double> IndexFolder::known_share(const std::vector<std::string>& terms) const {
  return lexical_->known_share(terms);
}

core::Result<Chunk> IndexFolder::get_chunk(int64_t chunk_id) const { return store_->get_chunk(chunk_id); }

core::Result<std::vector<std::string>> IndexFolder::chunk_documents(const std::vector<int64_t>& chunk_ids) const {
  return store_->chunk_documents(chunk_ids);
}

core::Result<std::vector<float>> IndexFolder::chunk_vectors(size_t model, const std::vector<int64_t>& chunk_ids) const {
  if (model >= manifest_.models.size())
    return core::Status::invalid_argument("model " + std::to_string(model) + " out of range (the index has " +
                                          std::to_string(manifest_.models.size()) + ")");
  return store_->get_vectors(manifest_.models[model].field, manifest_.models[model].dimension, chunk_ids);
}

core::Result<Document> IndexFolder::get_document(const std::string& id, bool with_text) const {
  return store_->get_document(id, with_text);
}

core::Result<std::optional<std::string>> IndexFolder::content_hash(const std::string& doc_id) const {
  return store_->content_hash(doc_id);
}

int64_t IndexFolder::document_count() const {
  auto n = store_->document_count();
  return n.is_ok() ? n.value() : -1;
}

int64_t IndexFolder::chunk_count() const {
  auto n = store_->chunk_count();
  return n.is_ok() ? n.value() : -1;
}

std::shared_ptr<FaissIndex> IndexFolder::current_vectors(size_t model) const {
  std::lock_guard<std::mutex> lock(vectors_mu_);
  return vectors_.at(model);
}

void IndexFolder::set_nprobe(int nprobe) {
  std::lock_guard<std::mutex> lock(vectors_mu_);
  faiss_options_.nprobe = std::max(0, nprobe);
  for (const auto& v : vectors_) {
    if (v != nullptr) v->set_nprobe(faiss_options_.nprobe);
  }
}

void IndexFolder::set_vectors(size_t model, std::shared_ptr<FaissIndex> vectors) const {
  std::lock_guard<std::mutex> lock(vectors_mu_);
  if (vectors_.size() <= model) vectors_.resize(manifest_.models.size());
  vectors_.at(model) = std::move(vectors);
}

}  // namespace kbseek::storage
