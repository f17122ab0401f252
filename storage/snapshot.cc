// Snapshot copy order, the writer's lock, recovery and checks.
#include "storage/snapshot.h"

#include <algorithm>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/file_util.h"
#include "storage/folder_lock.h"
#include "storage/index_check.h"
#include "storage/index_folder.h"
#include "storage/key_store.h"
#include "storage/manifest.h"
#include "storage/sqlite_db.h"

namespace kbseek::storage {
namespace {

namespace fs = std::filesystem;

core::Status copy_path(const fs::path& from, const fs::path& to) {
  std::error_code ec;
  fs::copy(from, to, fs::copy_options::recursive, ec);
  if (ec) return core::Status::io_error("copy " + from.string() + " to " + to.string() + ": " + ec.message());
  return core::Status::ok();
}

core::Status backup(const std::string& from, const std::string& to) {
  KB_ASSIGN_OR_RETURN(auto db, SqliteDb::open(from, /*writable=*/false));
  return db->backup_to(to);
}

// Opens `dir` for writing once (recovery rebuilds what disagrees with
// docs.sqlite) and closes it.
core::Status settle(const std::string& dir) {
  KB_ASSIGN_OR_RETURN(auto folder, IndexFolder::open_existing_writable(dir));
  return core::Status::ok();
}

core::Status checked(const std::string& dir, const std::string& what) {
  KB_ASSIGN_OR_RETURN(CheckReport report, check_index(dir));
  if (report.consistent()) return core::Status::ok();
  std::string problems;
  for (const auto& p : report.problems) problems += (problems.empty() ? "" : "; ") + p;
  return core::Status::corruption(what + " " + dir + " is not consistent: " + problems);
}

bool empty_or_missing(const std::string& dir) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return true;
  return fs::is_directory(dir, ec) && fs::is_empty(dir, ec);
}

core::Result<Snapshot> take(const std::string& index_dir, const std::string& dest) {
  KB_ASSIGN_OR_RETURN(const Manifest manifest, read_manifest(index_dir));  // NotFound: not an index
  std::error_code ec;
  fs::create_directories(dest, ec);
  if (ec) return core::Status::io_error("cannot create " + dest + ": " + ec.message());
  // The writer's lock, if no writer has it: then the derived stores are
  // still while they are copied.
  std::unique_ptr<FolderLock> lock;
  auto locked = FolderLock::acquire(index_dir);
  if (locked.is_ok()) {
    lock = std::move(locked).value();
  } else if (locked.status().code() != core::StatusCode::kUnavailable) {
    return locked.status();
  }
  const fs::path src(index_dir), dst(dest);
  // 1. Small files, the MANIFEST before docs.sqlite (so docs.sqlite is at
  //    its generation or later).
  for (const char* name : {"MANIFEST", "ranking.json", "fusion.json"})
    if (fs::exists(src / name)) KB_RETURN_IF_ERROR(copy_path(src / name, dst / name));
  // 2. The source of truth and the keys, each one committed state.
  KB_RETURN_IF_ERROR(backup((src / "docs.sqlite").string(), (dst / "docs.sqlite").string()));
  if (fs::exists(src / KeyStore::kFileName))
    KB_RETURN_IF_ERROR(backup((src / KeyStore::kFileName).string(), (dst / KeyStore::kFileName).string()));
  // 3. Derived stores, only while no writer can change them.
  if (lock) {
    for (const auto& m : manifest.models)
      if (fs::exists(src / m.faiss_file)) KB_RETURN_IF_ERROR(copy_path(src / m.faiss_file, dst / m.faiss_file));
    if (fs::exists(src / "lexical")) KB_RETURN_IF_ERROR(copy_path(src / "lexical", dst / "lexical"));
  }
  lock.reset();
  KB_RETURN_IF_ERROR(settle(dest));
  KB_RETURN_IF_ERROR(checked(dest, "the snapshot"));
  KB_ASSIGN_OR_RETURN(const Manifest taken, read_manifest(dest));
  Snapshot s;
  s.path = dest;
  s.created_at = utc_now_iso8601();
  s.source = fs::weakly_canonical(src, ec).string();
  s.generation = taken.generation;
  s.documents = taken.document_count;
  s.chunks = taken.chunk_count;
  s.rebuilt = !locked.is_ok();
  const nlohmann::json j = {
      {"created_at", s.created_at}, {"source", s.source}, {"generation", s.generation}, {"rebuilt", s.rebuilt}};
  KB_RETURN_IF_ERROR(core::write_file_atomic((dst / kSnapshotFile).string(), j.dump(2) + "\n"));
  return s;
}

}  // namespace

core::Result<Snapshot> create_snapshot(const std::string& index_dir, const std::string& dest) {
  std::error_code ec;
  if (fs::exists(dest, ec)) return core::Status::invalid_argument(dest + " exists: a snapshot goes to a new folder");
  auto s = take(index_dir, dest);
  if (!s.is_ok()) fs::remove_all(dest, ec);  // nothing half-made is left
  return s;
}

core::Result<Snapshot> read_snapshot(const std::string& dir) {
  KB_ASSIGN_OR_RETURN(const std::string text, core::read_file((fs::path(dir) / kSnapshotFile).string()));
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return core::Status::corruption(dir + "/" + kSnapshotFile + ": not a JSON object");
  KB_ASSIGN_OR_RETURN(const Manifest m, read_manifest(dir));
  Snapshot s;
  s.path = dir;
  s.created_at = j.value("created_at", "");
  s.source = j.value("source", "");
  s.generation = m.generation;
  s.documents = m.document_count;
  s.chunks = m.chunk_count;
  s.rebuilt = j.value("rebuilt", false);
  return s;
}

core::Result<std::vector<Snapshot>> list_snapshots(const std::string& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return core::Status::not_found(root + ": no such folder of snapshots");
  std::vector<Snapshot> out;
  for (const auto& entry : fs::directory_iterator(root, ec)) {
    if (!entry.is_directory() || !fs::exists(entry.path() / kSnapshotFile)) continue;
    auto s = read_snapshot(entry.path().string());
    if (s.is_ok()) out.push_back(std::move(s).value());
  }
  std::sort(out.begin(), out.end(), [](const Snapshot& a, const Snapshot& b) {
    return a.created_at != b.created_at ? a.created_at < b.created_at : a.path < b.path;
  });
  return out;
}

core::Result<Snapshot> restore_snapshot(const std::string& snapshot_dir, const std::string& index_dir) {
  KB_ASSIGN_OR_RETURN(Snapshot s, read_snapshot(snapshot_dir));
  if (!empty_or_missing(index_dir))
    return core::Status::invalid_argument(index_dir + " exists and is not empty: restore into a new folder");
  KB_RETURN_IF_ERROR(checked(snapshot_dir, "the snapshot"));
  std::error_code ec;
  fs::create_directories(index_dir, ec);
  if (ec) return core::Status::io_error("cannot create " + index_dir + ": " + ec.message());
  for (const auto& entry : fs::directory_iterator(snapshot_dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name == kSnapshotFile || name == "LOCK" || name.rfind("cache.sqlite", 0) == 0) continue;
    if (core::Status st = copy_path(entry.path(), fs::path(index_dir) / name); !st.is_ok()) {
      fs::remove_all(index_dir, ec);
      return st;
    }
  }
  if (core::Status st = checked(index_dir, "the restored index"); !st.is_ok()) {
    fs::remove_all(index_dir, ec);
    return st;
  }
  s.path = index_dir;
  return s;
}

}  // namespace kbseek::storage
