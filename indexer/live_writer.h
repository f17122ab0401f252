// Documents written request by request into the index a server is serving
// (serve --writable; PUT/DELETE /v1/documents, POST /v1/documents NDJSON).
//
// Opens the folder as its one writer (so `kbseek index` cannot run on it
// meanwhile: the folder lock says so) with the encoders its MANIFEST names,
// cleans each document as `kbseek index` does (normalize_text on title and
// text), and commits each call's documents before returning: the server's
// searches, and its result cache's version, see them at the next request.
// A document is validated whole before anything is written; a record that
// fails leaves the others of its call indexed. Thread-safe: calls are
// serialised.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"
#include "encoder/encoder.h"
#include "indexer/indexer.h"
#include "storage/index_folder.h"

namespace kbseek::indexer {

class LiveWriter {
 public:
  // `models_dir` holds the MANIFEST's models. Unavailable if another writer
  // holds the folder.
  static core::Result<std::unique_ptr<LiveWriter>> open(const std::string& dir, const std::string& models_dir);
  ~LiveWriter();

  struct Outcome {
    std::string id;
    std::string status;  // "indexed", "unchanged", "duplicate" (stored, not searchable) or "rejected"
    std::string error;   // for "rejected"
  };
  // Writes `docs` (a record that did not parse comes as its error) and
  // commits once. Errors only when the commit itself fails (nothing of
  // the call is then durable).
  core::Result<std::vector<Outcome>> put(std::vector<core::Result<storage::Document>> docs);
  // Removes and commits. NotFound naming the id.
  core::Status remove(const std::string& id);
  // Erasure (storage::IndexFolder::erase_documents): the content gone from
  // the folder's files; returns the ids that were not stored.
  core::Result<std::vector<std::string>> erase(const std::vector<std::string>& ids);

 private:
  LiveWriter() = default;
  void renew_indexer();
  std::mutex mu_;
  std::unique_ptr<storage::IndexFolder> folder_;
  std::vector<std::unique_ptr<encoder::Encoder>> encoders_;
  std::unique_ptr<Indexer> indexer_;
};

}  // namespace kbseek::indexer
