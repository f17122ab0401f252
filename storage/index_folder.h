// IndexFolder: the one persistent index folder (see storage/FORMAT.md).
//
//   <dir>/MANIFEST       JSON: format, models (embedding fields), counts, generation
//   <dir>/docs.sqlite    documents, chunks, vectors, state: the source of truth
//   <dir>/vectors.<field>.faiss  one dense index per embedding field (derived)
//   <dir>/lexical/       Xapian BM25 index over chunk text (derived)
//   <dir>/LOCK           held by the one writer
//
// Writes: put_document/remove_document accumulate in an open SQLite
// transaction (and a Xapian transaction, and FAISS in memory); commit()
// makes them durable in the order SQLite (truth), Xapian, FAISS, MANIFEST
// and increments the generation. Closing without commit() discards them.
// Crash safety: each derived store records the generation it was committed
// at; opening for writing rebuilds any store whose generation (or size)
// disagrees with docs.sqlite, from docs.sqlite, and logs one line.
//
// Thread-safety: one writer: the mutating methods (put_document,
// remove_document, commit) must not be called concurrently with each
// other. The const methods may be called from any number of threads, also
// while a mutation runs. manifest() must not race commit().
//
// Visibility: the writer's searches and lookups see its uncommitted puts,
// except that vectors of replaced or removed chunks are dropped from FAISS
// only at commit() (one compaction per commit instead of one per
// document), so until then dense search may return their ids and
// get_chunk() answers NotFound for them: callers skip such hits. A
// read-only folder sees later commits of a writer in SQLite and Xapian at
// once, and vectors as of its open or its last refresh_vectors().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "storage/access.h"
#include "storage/faiss_index.h"
#include "storage/manifest.h"
#include "storage/types.h"
#include "storage/xapian_index.h"

namespace kbseek::storage {

class FolderLock;
class SqliteStore;

using FingerprintVisitor = std::function<core::Status(const std::string& id, uint64_t simhash,
                                                      const std::string& duplicate_of, const std::string& norm_hash)>;

// The embedding fields of a new folder, in order: each model's name,
// fingerprint and dimension (ModelInfo's other members are assigned here).
// The three single-model members are shorthand for `models` = {that one}.
// An existing folder must be opened with the same models in the same order.
struct IndexOptions {
  std::vector<ModelInfo> models;
  std::string model_name;
  std::string model_fingerprint;
  int dimension = 0;
  // Size at which the vector index turns into an IVF (storage/faiss_index.h).
  int64_t ivf_threshold = FaissOptions{}.ivf_threshold;
};

class IndexFolder {
 public:
  // Keys of docs.sqlite's state table and of Xapian's metadata.
  static constexpr const char* kGenerationKey = "generation";
  static constexpr const char* kAnalyzerKey = "analyzer";  // Xapian metadata only

  // Creates the folder (and parents) or opens an existing index for
  // writing, recovering derived stores if needed. InvalidArgument if the
  // options are incomplete, if the MANIFEST names another model (the message
  // names both) or if `dir` is a non-empty folder without a MANIFEST;
  // Unavailable if another writer has it open; Corruption/FailedPrecondition
  // from the MANIFEST or docs.sqlite.
  static core::Result<std::unique_ptr<IndexFolder>> create_or_open(const std::string& dir, const IndexOptions& options);
  // Opens an existing index for searching (search, serve, stats); never
  // writes. NotFound if `dir` has no MANIFEST. May be used while a writer
  // has the folder open.
  static core::Result<std::unique_ptr<IndexFolder>> open_read_only(const std::string& dir);

  // Probes per IVF search for every model's vectors, now and after reloads
  // (FaissIndex::set_nprobe; 0 restores the rule of storage/faiss_index.h).
  // Call before searches start.
  void set_nprobe(int nprobe);
  // Opens an existing index for writing with the models its MANIFEST names
  // (delete, check --repair, erase, snapshots). NotFound without MANIFEST.
  static core::Result<std::unique_ptr<IndexFolder>> open_existing_writable(const std::string& dir);

  ~IndexFolder();

  const Manifest& manifest() const { return manifest_; }
  const std::string& dir() const { return dir_; }
  bool writable() const { return writable_; }

  // Adds or replaces document `doc.id` with its chunks and their vectors:
  // one array per model of manifest().models, in that order, each
  // chunks.size() x that model's dimension floats, row-major, L2-normalised
  // (null when chunks is empty). Chunk::chunk_id is assigned here (the
  // input's is ignored); Chunk::doc_id must be empty or doc.id; offsets must
  // lie in doc.text. InvalidArgument naming the document (and chunk and
  // model) for bad input, before anything is changed. If a derived store
  // fails midway, every change since the last commit is rolled back and the
  // error says so.
  core::Status put_document(const Document& doc, const std::vector<Chunk>& chunks,
                            const std::vector<const float*>& vectors_per_model);
  // The same for a folder with exactly one model.
  core::Status put_document(const Document& doc, const std::vector<Chunk>& chunks, const float* chunk_vectors) {
    return put_document(doc, chunks, std::vector<const float*>{chunk_vectors});
  }
  // NotFound naming the id if there is no such document.
  core::Status remove_document(const std::string& id);
  // Erasure (GDPR): removes `ids` with their chunks, vectors and postings
  // so that their content is gone from the folder's files, not only
  // unreachable: SQLite's secure_delete zeroes what the removal frees and
  // the WAL is checkpointed and truncated; the FAISS files are rewritten
  // without them; the lexical index is rebuilt from docs.sqlite into fresh
  // files (Xapian keeps freed blocks otherwise). Commits (with anything
  // pending). Returns the ids that were not stored. The persistent result
  // cache is the caller's (it is not the folder's data).
  core::Result<std::vector<std::string>> erase_documents(const std::vector<std::string>& ids);
  // Durable: SQLite transaction committed, Xapian committed, FAISS saved,
  // MANIFEST rewritten with generation + 1. No-op without changes. If a
  // step after SQLite fails, the data is safe in docs.sqlite, the error
  // says the derived stores will be rebuilt on the next writable open, and
  // this object refuses further writes.
  core::Status commit();

  // The chunks `who` may read (storage/access.h), as a filter for the
  // searches below; null for a caller who reads everything. Brings the
  // folder's table of restricted chunks up to date first (one indexed
  // SQLite lookup, plus a scan of the chunks added since). Thread-safe.
  core::Result<std::shared_ptr<const ChunkFilter>> access_filter(const Principals& who) const;

  // The k best chunks by inner product with `query` in the FAISS index of
  // manifest().models[model] (that model's dimension floats, L2-normalised),
  // best first, among those `allow` allows (null: all). InvalidArgument for
  // a model index out of range.
  core::Result<std::vector<Hit>> search_dense(size_t model, const float* query, int k,
                                              const ChunkFilter* allow = nullptr) const;
  core::Result<std::vector<Hit>> search_dense(const float* query, int k) const { return search_dense(0, query, k); }
  // The k best chunks by BM25 for `query` (analysed like the documents)
  // among those `allow` allows; empty for a query without terms.
  core::Result<std::vector<Hit>> search_lexical(std::string_view query, int k,
                                                const std::vector<std::string>& filters = {},
                                                const ChunkFilter* allow = nullptr) const;
  // LexicalIndex::search: a query analysed once (query_terms()), with conditions.
  core::Result<std::vector<Hit>> search_lexical(const LexicalQuery& query, int k, const ChunkFilter* allow) const;
  // LexicalIndex::query_terms: `query` through the folder's analyzer.
  QueryTerms query_terms(std::string_view query) const;
  // Up to `limit` chunk ids holding every filter term (lexical_index.h's
  // entity_filter_term()), for filtering dense results.
  core::Result<std::vector<int64_t>> filtered_chunk_ids(const std::vector<std::string>& filters, int limit) const;
  // Up to `limit` chunk ids where every condition holds (dense search filters by them).
  core::Result<std::vector<int64_t>> matching_chunk_ids(const std::vector<Condition>& must, int limit) const;
  // LexicalIndex::indexed_fields: what the folder's lexical index can filter on.
  core::Result<IndexedFields> indexed_fields() const;
  // Read-only folders: if the MANIFEST changed since the last look (one
  // stat), reloads every FAISS file a writer has saved at a newer
  // generation, so a long-running server sees new vectors without a
  // restart. Searches running meanwhile keep the index they started with.
  // A file that cannot be loaded (a writer mid-commit) keeps the old one
  // and is tried again on the next call. No-op for the writer. Thread-safe.
  core::Status refresh_vectors() const;

  // What this folder reads, as a token that changes when a writer commits
  // documents or vectors this folder will see (docs.sqlite's data_version,
  // and the MANIFEST as refresh_vectors() last saw it): answers derived
  // under one token are current as long as the token is. Cheap.
  core::Result<std::string> version_token() const;
  // The same state named so that it means the same after a restart, for
  // caches that outlive the process (storage/cache_store.h): the folder's
  // creation time and docs.sqlite's commit counter (state.generation). A
  // reader sees a writer's commit here once docs.sqlite shows it. One
  // indexed lookup.
  core::Result<std::string> durable_version() const;

  // LexicalIndex::search_any over the folder's lexical index.
  core::Result<std::vector<Hit>> search_any(const std::vector<std::string>& terms, int k,
                                            const std::vector<Condition>& must = {},
                                            const ChunkFilter* allow = nullptr) const;
  // LexicalIndex::known_term_share over the folder's lexical index.
  core::Result<double> known_term_share(std::string_view query) const;
  // LexicalIndex::known_share: of terms analysed once (QueryTerms::known).
  core::Result<double> known_share(const std::vector<std::string>& terms) const;

  core::Result<Chunk> get_chunk(int64_t chunk_id) const;  // NotFound when absent
  // The document of each chunk, in order ("" for a chunk no longer stored).
  core::Result<std::vector<std::string>> chunk_documents(const std::vector<int64_t>& chunk_ids) const;
  // The stored vectors of manifest().models[model] for `chunk_ids`, its
  // dimension floats each, in order. NotFound naming a chunk without one.
  core::Result<std::vector<float>> chunk_vectors(size_t model, const std::vector<int64_t>& chunk_ids) const;
  // NotFound when absent. Without `with_text`, Document::text is left empty.
  core::Result<Document> get_document(const std::string& id, bool with_text = true) const;
  // The hash stored by the last put_document of `doc_id` (see
  // document_content_hash()), or nullopt if there is no such document.
  core::Result<std::optional<std::string>> content_hash(const std::string& doc_id) const;

  // SqliteStore::scan_simhashes / duplicates_of over docs.sqlite.
  core::Status scan_simhashes(const FingerprintVisitor& visit) const;
  core::Result<std::vector<std::string>> duplicates_of(const std::string& id) const;

  // Live counts (the writer's include uncommitted changes); -1 if
  // docs.sqlite cannot be read.
  int64_t document_count() const;
  int64_t chunk_count() const;

 private:
  IndexFolder(std::string dir, bool writable);
  core::Status open_stores();
  core::Status check_options(const std::vector<ModelInfo>& requested) const;
  core::Status validate(const Document& doc, const std::vector<Chunk>& chunks,
                        const std::vector<const float*>& vectors) const;
  core::Status begin_batch();
  core::Status discard_batch(const core::Status& cause);
  core::Status write_manifest_now(int64_t generation);
  // index_recovery.cc: bring derived stores in line with docs.sqlite.
  core::Status recover_lexical(int64_t generation);
  core::Status recover_vectors(int64_t generation);
  core::Status recover_field_vectors(size_t model, int64_t generation);
  core::Result<std::unique_ptr<FaissIndex>> vectors_from_store(const ModelInfo& model) const;
  core::Status rebuild_lexical(int64_t generation);
  // vectors_[i] (model i's) is swapped when a failed batch is rolled back,
  // so readers take a reference under vectors_mu_.
  std::shared_ptr<FaissIndex> current_vectors(size_t model) const;
  void set_vectors(size_t model, std::shared_ptr<FaissIndex> vectors) const;

  const std::string dir_;
  const bool writable_;
  Manifest manifest_;
  FaissOptions faiss_options_;
  std::unique_ptr<FolderLock> lock_;
  std::unique_ptr<SqliteStore> store_;
  std::unique_ptr<XapianIndex> lexical_;
  mutable std::mutex vectors_mu_;
  mutable std::vector<std::shared_ptr<FaissIndex>> vectors_;  // one per manifest_.models
  // refresh_vectors(): the MANIFEST's mtime last seen and the generation
  // each FAISS index was loaded at (read-only folders).
  mutable std::mutex refresh_mu_;
  mutable int64_t manifest_mtime_ns_ = -1;
  mutable std::vector<int64_t> loaded_generation_;
  // access_filter(): the restricted chunks as of the last look (reset
  // when a batch is rolled back, as its chunk ids will be handed out again).
  mutable std::mutex access_mu_;
  mutable std::shared_ptr<const AccessTable> access_table_;
  std::vector<int64_t> pending_vector_removals_;
  int64_t batch_documents_ = 0;  // puts and removes since the last commit
  bool broken_ = false;          // a commit failed after SQLite: refuse writes
};

}  // namespace kbseek::storage
