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

// The embedding model whose vectors the folder holds.
struct ModelInfo {
  std::string name;         // e.g. "bge-small-zh-v1.5"
  std::string fingerprint;  // identifies the exact weights (e.g. a SHA-256)
  int dimension = 0;
  bool normalised = true;  // vectors are L2-normalised
};

struct Manifest {
  static constexpr int kFormatVersion = 1;  // what this build writes and reads

  int format_version = kFormatVersion;
  std::string writer;             // "kbseek 0.1.0": the build of the last commit
  std::string created_at;         // ISO 8601 UTC, set when the folder was created
  int64_t generation = 0;         // commits so far; equals docs.sqlite's state.generation
  std::vector<ModelInfo> models;  // exactly one in format 1
  std::string faiss_spec = "IDMap2,Flat";
  int64_t faiss_generation = 0;  // generation vectors.faiss was saved at
  std::string analyzer;          // Analyzer::version() of the lexical index
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

// <dir>/MANIFEST. read: NotFound if absent. write: atomic replace.
core::Result<Manifest> read_manifest(const std::string& dir);
core::Status write_manifest(const std::string& dir, const Manifest& manifest);

}  // namespace kbseek::storage
