// The indexing pipeline: documents in, chunks embedded and written to an
// index folder.
//
// Documents are chunked to the smallest window among the index's encoders
// (so every model sees every chunk whole), embedded by each encoder in
// batches (an encoder sorts a batch by length, so larger batches pad less)
// and written
// with IndexFolder::put_document. The index is committed every
// `commit_every_docs` documents and at finish(): a crash loses at most the
// uncommitted tail, and re-running the same input finishes the job. A
// document whose id and content are unchanged is skipped without
// re-embedding; a changed one replaces the old version. Single-threaded
// caller; the encoder parallelises internally.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "encoder/encoder.h"
#include "indexer/chunker.h"
#include "indexer/dedup.h"
#include "storage/entities.h"
#include "storage/index_folder.h"
#include "storage/types.h"

namespace kbseek::indexer {

struct IndexerOptions {
  int batch_chunks = 128;  // chunks per encoder call
  int64_t commit_every_docs = 2000;
  int overlap_tokens = 32;
  // Duplicates (indexer/dedup.h): detect them; the largest SimHash distance
  // that counts as a near duplicate (0: exact only); index their chunks
  // anyway. A duplicate is always stored and recorded (duplicate_of).
  bool detect_duplicates = true;
  int near_duplicate_threshold = 3;
  bool keep_duplicates = false;
  // Named entities to find besides the built-in kinds (storage/entities.h); may be null.
  std::shared_ptr<const storage::EntityDictionary> entities;
  // Called after each durable commit with the documents committed so far
  // by this run (new or replaced); may be empty.
  std::function<void(int64_t documents_committed)> on_commit;
};

struct IndexerStats {
  int64_t documents_indexed = 0;    // new or replaced
  int64_t documents_unchanged = 0;  // same id and content hash: skipped
  int64_t chunks = 0;
  int64_t documents_committed = 0;  // durable as of the last commit
  int64_t duplicates_exact = 0;     // new or replaced documents found to duplicate another
  int64_t duplicates_near = 0;
};

// Text the encoder sees for a chunk: the title carried into every chunk,
// because a passage's own words rarely repeat what its title says.
std::string embedding_input(const storage::Document& doc, std::string_view chunk_text);

class Indexer {
 public:
  // `encoders` pair with index->manifest().models, in order (the caller
  // opened each and checked it); all must outlive the indexer.
  Indexer(storage::IndexFolder* index, std::vector<encoder::Encoder*> encoders, IndexerOptions options = {});
  Indexer(storage::IndexFolder* index, encoder::Encoder* encoder, IndexerOptions options = {})
      : Indexer(index, std::vector<encoder::Encoder*>{encoder}, options) {}

  // Queues a document; encodes and writes when a batch is full.
  core::Status add(storage::Document doc);
  // Writes everything queued and commits. Call once at the end.
  core::Status finish();

  const IndexerStats& stats() const { return stats_; }
  // What add() decided about the last document: "" (new or replaced),
  // "unchanged", or "exact"/"near" duplicate of last_duplicate_of().
  const std::string& last_outcome() const { return last_outcome_; }
  const std::string& last_duplicate_of() const { return last_duplicate_of_; }
  void set_on_commit(std::function<void(int64_t)> fn) { options_.on_commit = std::move(fn); }

 private:
  struct Pending {
    storage::Document doc;
    std::vector<storage::Chunk> chunks;
  };
  core::Status flush();
  core::Status commit();

  storage::IndexFolder* index_;
  std::vector<encoder::Encoder*> encoders_;
  encoder::Encoder* chunking_encoder_;  // the one with the smallest window
  IndexerOptions options_;
  IndexerStats stats_;
  core::Status load_fingerprints();
  // Whether a stored duplicate (unchanged input) still duplicates a live original.
  bool still_duplicate(const storage::Document& stored) const;

  DuplicateIndex duplicates_;
  std::unordered_map<std::string, std::string> original_norm_hash_;  // originals' normalised-text hashes
  bool fingerprints_loaded_ = false;
  std::string last_outcome_, last_duplicate_of_;
  std::vector<Pending> pending_;
  size_t pending_chunks_ = 0;
  int64_t since_commit_ = 0;
};

}  // namespace kbseek::indexer
