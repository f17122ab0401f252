// Manifest: the JSON file MANIFEST at the top of an index folder.
//
// It is read first on open (format check, model check) and rewritten
// atomically (temp file, fsync, rename) at the end of every commit. Keys
// are listed in storage/FORMAT.md; unknown keys are ignored so that later
// writers of the same format version may add some.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace kbseek::storage {

// One embedding field of the folder: a model, where its vectors live in
// docs.sqlite (embeddings.field) and its FAISS file. Format 2 holds one or
// more, in the order the index was created with; a format-1 folder has one,
// read as field "text" with file "vectors.faiss".
struct ModelInfo {
  std::string name;         // e.g. "all-minilm-l6-v2"
  std::string fingerprint;  // identifies the exact weights (e.g. a SHA-256)
  int dimension = 0;
  bool normalised = true;  // vectors are L2-normalised
  std::string field;       // embeddings.field in docs.sqlite; unique in the folder
  std::string faiss_file;  // file name in the folder, e.g. "vectors.all-minilm-l6-v2.faiss"
  std::string faiss_spec = "IDMap2,Flat";
  int64_t faiss_generation = 0;  // generation faiss_file was saved at
};

// A model as IndexOptions::models takes it (the other members are set by
// the folder).
inline ModelInfo model_info(std::string name, std::string fingerprint, int dimension) {
  ModelInfo m;
  m.name = std::move(name);
  m.fingerprint = std::move(fingerprint);
  m.dimension = dimension;
  return m;
}

// The field name and FAISS file a new folder gives `model_name`: the name
// with characters outside [A-Za-z0-9._-] replaced by '_'.
std::string field_for_model(const std::string& model_name);
std::string faiss_file_for_field(const std::string& field);

struct Manifest {
  static constexpr int kFormatVersion = 2;   // what this build writes
  static constexpr int kOldestReadable = 1;  // format 1: exactly one model, top-level "faiss"

  int format_version = kFormatVersion;
  std::string writer;             // "kbseek 0.1.0": the build of the last commit
  std::string created_at;         // ISO 8601 UTC, set when the folder was created
  int64_t generation = 0;         // commits so far; equals docs.sqlite's state.generation
  std::vector<ModelInfo> models;  // at least one; exactly one in format 1
  std::string analyzer;           // Analyzer::version() of the lexical index
  int sqlite_schema_version = 0;
  int64_t document_count = 0;  // at the last commit
  int64_t chunk_count = 0;

  std::string to_json() const;
  // Corruption naming `path` and the key for malformed input;
  // FailedPrecondition for a format version this build does not read.
  static core::Result<Manifest> from_json(const std::string& text, const std::string& path);
};

// This build's writer string, "kbseek <version>".
std::string writer_string();
// Current UTC time as "2024-05-01T12:00:00Z".
std::string utc_now_iso8601();
// The same for a Unix time.
std::string utc_iso8601(int64_t unix_seconds);

// <dir>/MANIFEST. read: NotFound if absent. write: atomic replace.
core::Result<Manifest> read_manifest(const std::string& dir);
core::Status write_manifest(const std::string& dir, const Manifest& manifest);

}  // namespace kbseek::storage
