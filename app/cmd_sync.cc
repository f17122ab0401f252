// `kbseek sync --index DIR --source file:///PATH`: an incremental connector
// for a folder tree. Each run indexes the folder as `kbseek index` does
// (documents whose content hash is unchanged are skipped; changed ones are
// replaced) and then removes the documents the previous run of this source
// brought in whose files are gone. What a source brought in is kept in
// <index>/sync/<hash of the source>.json, written only after a run
// succeeds, so an interrupted run is simply run again (resumable).
// Documents from other inputs are never touched. A report (JSON on stdout)
// says how many files, and which ids were deleted. --watch syncs again a
// second after the last change in the tree (inotify), until SIGTERM/SIGINT.
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "app/args.h"
#include "app/commands.h"
#include "core/file_util.h"
#include "core/sha256.h"
#include "indexer/document_source.h"
#include "storage/index_folder.h"
#include "storage/manifest.h"

namespace kbseek::app {

using core::Status;

namespace {

namespace fs = std::filesystem;

constexpr const char* kUsage =
    "usage: kbseek sync --index DIR --source file:///ABSOLUTE/PATH [--watch] [--models-dir DIR] [--quiet]";

std::atomic<bool> g_stop{false};
void on_stop(int) { g_stop = true; }

// Watches every folder under `root` (inotify); returns the descriptor.
int watch_tree(const std::string& root) {
  const int fd = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (fd < 0) return -1;
  const uint32_t mask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_DELETE_SELF;
  ::inotify_add_watch(fd, root.c_str(), mask);
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_directory(ec)) ::inotify_add_watch(fd, it->path().c_str(), mask);
  }
  return fd;
}

int sync_once(const Args& args, const std::string& dir, const std::string& uri, const std::string& root) {
  std::error_code ec;
  // 1. Index the folder (unchanged documents are skipped by content hash).
  std::vector<std::string> index_args = {"--index", dir, root};
  if (args.has("--models-dir")) index_args.insert(index_args.end(), {"--models-dir", args.get("--models-dir")});
  if (args.has("--quiet")) index_args.push_back("--quiet");
  std::vector<char*> av;
  for (auto& a : index_args) av.push_back(a.data());
  const int indexed = cmd_index(static_cast<int>(av.size()), av.data());
  if (indexed != 0 && indexed != 1) return indexed;  // 1: some files rejected, the rest are in

  // 2. Remove what this source brought in before and no longer has.
  const std::vector<std::string> listed = indexer::folder_document_ids(root);
  const std::set<std::string> now(listed.begin(), listed.end());
  const std::string state_dir = dir + "/sync";
  const std::string state = state_dir + "/" + core::sha256_hex(uri).substr(0, 16) + ".json";
  std::set<std::string> before;
  if (core::path_exists(state)) {
    auto text = core::read_file(state);
    if (!text.is_ok()) return fail("sync", text.status());
    const nlohmann::json j = nlohmann::json::parse(text.value(), nullptr, false);
    if (!j.is_object() || !j.contains("ids") || !j["ids"].is_array())
      return fail("sync", Status::corruption(state + ": not a sync state file"));
    for (const auto& id : j["ids"]) before.insert(id.get<std::string>());
  }
  std::vector<std::string> gone;
  std::set_difference(before.begin(), before.end(), now.begin(), now.end(), std::back_inserter(gone));
  if (!gone.empty()) {
    auto index = storage::IndexFolder::open_existing_writable(dir);
    if (!index.is_ok()) return fail("sync", index.status());
    for (const auto& id : gone) {
      Status st = index.value()->remove_document(id);
      if (!st.is_ok() && st.code() != core::StatusCode::kNotFound) return fail("sync", st);
    }
    if (Status st = index.value()->commit(); !st.is_ok()) return fail("sync", st);
  }
  fs::create_directories(state_dir, ec);
  const nlohmann::json record = {{"source", uri}, {"synced_at", storage::utc_now_iso8601()},
                                 {"ids", std::vector<std::string>(now.begin(), now.end())}};
  if (Status st = core::write_file_atomic(state, record.dump(1) + "\n"); !st.is_ok()) return fail("sync", st);
  const nlohmann::json report = {{"source", uri}, {"files", now.size()}, {"deleted", gone},
                                 {"rejected_some", indexed == 1}};
  std::printf("%s\n", report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  std::fprintf(stderr, "sync %s: %zu files, %zu deleted since the last run\n", uri.c_str(), now.size(), gone.size());
  std::fflush(stdout);
  return indexed;
}

}  // namespace

int cmd_sync(int argc, char** argv) {
  auto args = Args::parse(argc, argv, {"--index", "--source", "--models-dir"}, {"--quiet", "--watch"});
  if (!args.is_ok()) return fail("sync", args.status());
  auto dir = args->require("--index");
  auto source = args->require("--source");
  if (!dir.is_ok() || !source.is_ok()) return fail("sync", Status::invalid_argument(kUsage));
  const std::string uri = source.value();
  if (uri.rfind("file://", 0) != 0)
    return fail("sync", Status::invalid_argument("source \"" + uri + "\": only file:///PATH is supported so far"));
  const std::string root = uri.substr(7);
  std::error_code ec;
  if (root.empty() || root[0] != '/' || !fs::is_directory(root, ec))
    return fail("sync", Status::not_found("source \"" + uri + "\": not an absolute path to a folder"));
  int rc = sync_once(args.value(), dir.value(), uri, root);
  if (!args->has("--watch") || (rc != 0 && rc != 1)) return rc;
  // --watch: again one second after the last change, until SIGTERM/SIGINT.
  std::signal(SIGTERM, on_stop);
  std::signal(SIGINT, on_stop);
  int fd = watch_tree(root);
  if (fd < 0) return fail("sync", Status::from_errno("inotify", errno));
  std::fprintf(stderr, "sync %s: watching for changes\n", uri.c_str());
  int64_t last_change = -1;
  char buf[64 * 1024];
  while (!g_stop.load()) {
    pollfd p{fd, POLLIN, 0};
    ::poll(&p, 1, 200);
    bool changed = false;
    while (::read(fd, buf, sizeof buf) > 0) changed = true;
    const int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now().time_since_epoch()).count();
    if (changed) last_change = now;
    if (last_change >= 0 && now - last_change >= 1000) {
      last_change = -1;
      rc = sync_once(args.value(), dir.value(), uri, root);
      if (rc != 0 && rc != 1) break;
      ::close(fd);  // new folders get watches too
      fd = watch_tree(root);
      if (fd < 0) return fail("sync", Status::from_errno("inotify", errno));
    }
  }
  ::close(fd);
  return rc;
}

}  // namespace kbseek::app
