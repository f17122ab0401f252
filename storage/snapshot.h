// Online, consistent snapshots of an index folder, and their restore.
//
// A snapshot is a complete index folder (serve or search it as it is) plus
// a SNAPSHOT file: {"created_at", "source", "generation", "rebuilt"}.
// create_snapshot() copies, in this order:
//   1. MANIFEST, ranking.json and fusion.json (small files);
//   2. docs.sqlite (and keys.sqlite) through SQLite's online backup API: one
//      committed state, at a generation no older than the MANIFEST's, even
//      while a writer (`serve --writable`, `kbseek index`) commits;
//   3. the derived stores (FAISS files, lexical/) as they are when no writer
//      holds the folder (the snapshot takes the folder's LOCK while it
//      copies); when a writer holds it they are not copied (they may be
//      mid-write) and are rebuilt from the copied docs.sqlite ("rebuilt").
// Then the copy is opened for writing once, so that recovery makes every
// derived store agree with its docs.sqlite, and checked (storage/
// index_check.h): a snapshot is consistent by construction, or not made.
// The persistent result cache (cache.sqlite) is derived and left out.
//
// restore_snapshot() checks the snapshot, copies it into a folder that does
// not exist or is empty, and checks the copy. To put it under a running
// server: restore to a new folder, switch the symlink `serve --index` names,
// and reload (SIGHUP or POST /v1/admin/reload).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"

namespace kbseek::storage {

struct Snapshot {
  std::string path;
  std::string created_at;  // ISO 8601 UTC
  std::string source;      // the folder it was taken from
  int64_t generation = 0;  // its docs.sqlite's commit counter
  int64_t documents = 0, chunks = 0;
  bool rebuilt = false;  // a writer held the source: derived stores rebuilt from docs.sqlite
};

inline constexpr const char* kSnapshotFile = "SNAPSHOT";

// `dest` must not exist (its parent is created). NotFound for a folder
// without MANIFEST; AlreadyExists-like InvalidArgument naming `dest`;
// Corruption when the copy fails its check (then `dest` is removed).
core::Result<Snapshot> create_snapshot(const std::string& index_dir, const std::string& dest);
// The snapshots directly under `root` (folders with a SNAPSHOT file), oldest first.
core::Result<std::vector<Snapshot>> list_snapshots(const std::string& root);
core::Result<Snapshot> read_snapshot(const std::string& snapshot_dir);
// Corruption naming the problems when the snapshot or the copy is not
// consistent; InvalidArgument when `index_dir` exists and is not empty.
core::Result<Snapshot> restore_snapshot(const std::string& snapshot_dir, const std::string& index_dir);

}  // namespace kbseek::storage
