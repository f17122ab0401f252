// `kbseek sync --index DIR --source URI`: incremental connectors.
//
// postgresql://...?table=T|query=SQL&updated=COL... (indexer/postgres_source.h
// has the parameters): each run reads the rows changed since the previous
// run's watermark into a JSONL file beside the state, indexes it as
// `kbseek index` does, and deletes the documents whose ids the rows no longer
// have. The state (watermark, ids) is written only after a run succeeds.
// The report: rows read, added, changed, deleted ids, rejected rows (row
// number, id, why). --watch polls every --interval seconds (default 10).
//
// file:///PATH: a folder tree. Each run indexes the folder as `kbseek index` does
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
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "app/args.h"
#include "app/commands.h"
#include "core/file_util.h"
#include "core/sha256.h"
#include "indexer/document_source.h"
#include "indexer/postgres_source.h"
#include "storage/index_folder.h"
#include "storage/manifest.h"

namespace kbseek::app {

using core::Status;

namespace {

namespace fs = std::filesystem;

constexpr const char* kUsage =
    "usage: kbseek sync --index DIR --source file:///ABSOLUTE/PATH|postgresql://...?table=T&updated=COL [--watch] "
    "[--interval S] [--models-dir DIR] [--quiet]";

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

// `kbseek index --index DIR INPUT` in this process: 0, 1 (some records
// rejected, the rest are in) or an error's exit status.
int index_input(const Args& args, const std::string& dir, const std::string& input, const char* format = "auto",
                bool acl_from_owner = false) {
  std::vector<std::string> index_args = {"--index", dir, "--format", format, input};
  if (acl_from_owner) index_args.push_back("--acl-from-owner");
  if (args.has("--models-dir")) index_args.insert(index_args.end(), {"--models-dir", args.get("--models-dir")});
  if (args.has("--quiet")) index_args.push_back("--quiet");
  std::vector<char*> av;
  for (auto& a : index_args) av.push_back(a.data());
  return cmd_index(static_cast<int>(av.size()), av.data());
}

// What the previous successful run of a source left: <index>/sync/<hash>.json.
struct SyncState {
  std::string path;
  std::set<std::string> ids;
  std::string watermark;
};

core::Result<SyncState> load_state(const std::string& dir, const std::string& uri) {
  SyncState s;
  s.path = dir + "/sync/" + core::sha256_hex(uri).substr(0, 16) + ".json";
  if (!core::path_exists(s.path)) return s;
  KB_ASSIGN_OR_RETURN(std::string text, core::read_file(s.path));
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object() || !j.contains("ids") || !j["ids"].is_array())
    return Status::corruption(s.path + ": not a sync state file");
  for (const auto& id : j["ids"]) s.ids.insert(id.get<std::string>());
  if (j.contains("watermark") && j["watermark"].is_string()) s.watermark = j["watermark"].get<std::string>();
  return s;
}

// Removes the ids in `before` but not in `now`; returns them.
core::Result<std::vector<std::string>> delete_gone(const std::string& dir, const std::set<std::string>& before,
                                                   const std::set<std::string>& now) {
  std::vector<std::string> gone;
  std::set_difference(before.begin(), before.end(), now.begin(), now.end(), std::back_inserter(gone));
  if (gone.empty()) return gone;
  KB_ASSIGN_OR_RETURN(auto index, storage::IndexFolder::open_existing_writable(dir));
  for (const auto& id : gone) {
    Status st = index->remove_document(id);
    if (!st.is_ok() && st.code() != core::StatusCode::kNotFound) return st;
  }
  KB_RETURN_IF_ERROR(index->commit());
  return gone;
}

Status save_state(const SyncState& state, const std::string& shown_source, const std::set<std::string>& ids,
                  const std::string& watermark) {
  std::error_code ec;
  fs::create_directories(fs::path(state.path).parent_path(), ec);
  nlohmann::json record = {{"source", shown_source},
                           {"synced_at", storage::utc_now_iso8601()},
                           {"ids", std::vector<std::string>(ids.begin(), ids.end())}};
  if (!watermark.empty()) record["watermark"] = watermark;
  return core::write_file_atomic(state.path, record.dump(1) + "\n");
}

int sync_postgres_once(const Args& args, const std::string& dir, const indexer::PostgresSource& source,
                       const std::string& uri) {
  auto state = load_state(dir, uri);
  if (!state.is_ok()) return fail("sync", state.status());
  // 1. The rows changed since the last run, as JSONL in a private file
  // beside the index folder (same disk; the folder itself may not exist yet).
  std::error_code ec;
  std::string rows_path = (fs::path(dir).lexically_normal() / "").parent_path().string() + ".sync-rows-XXXXXX";
  const int rows_fd = ::mkstemp(rows_path.data());
  if (rows_fd < 0) return fail("sync", Status::from_errno(rows_path, errno));
  std::FILE* rows_file = ::fdopen(rows_fd, "w");
  if (!rows_file) {
    ::close(rows_fd);
    return fail("sync", Status::from_errno(rows_path, errno));
  }
  int64_t added = 0, changed = 0;
  nlohmann::json rejected = nlohmann::json::array();
  auto read = indexer::read_postgres(
      source, state->watermark,
      [&](indexer::PostgresRow&& row) {
        (state->ids.count(row.id) ? changed : added) += 1;
        std::fputs(row.jsonl.c_str(), rows_file);
        std::fputc('\n', rows_file);
      },
      [&](indexer::PostgresRejection&& r) {
        std::fprintf(stderr, "sync %s: row %lld%s rejected: %s\n", source.display.c_str(),
                     static_cast<long long>(r.row), r.id.empty() ? "" : (" (id " + r.id + ")").c_str(),
                     r.message.c_str());
        rejected.push_back({{"row", r.row}, {"id", r.id}, {"error", r.message}});
      });
  const bool written = std::fclose(rows_file) == 0;
  if (!read.is_ok()) {
    fs::remove(rows_path, ec);
    return fail("sync", read.status());
  }
  if (!written) return fail("sync", Status::io_error(rows_path + ": cannot write"));
  // 2. Index them (unchanged ones are skipped by content hash).
  int indexed = 0;
  if (added + changed > 0) indexed = index_input(args, dir, rows_path, "jsonl");
  fs::remove(rows_path, ec);
  if (indexed != 0 && indexed != 1) return indexed;
  // 3. Delete what the rows no longer have.
  auto listed = indexer::postgres_ids(source);
  if (!listed.is_ok()) return fail("sync", listed.status());
  const std::set<std::string> now(listed->begin(), listed->end());
  auto gone = delete_gone(dir, state->ids, now);
  if (!gone.is_ok()) return fail("sync", gone.status());
  const std::string watermark = read->watermark.empty() ? state->watermark : read->watermark;
  if (Status st = save_state(state.value(), source.display, now, watermark); !st.is_ok()) return fail("sync", st);
  const nlohmann::json report = {{"source", source.display}, {"rows", read->rows},      {"added", added},
                                 {"changed", changed},       {"deleted", gone.value()}, {"rejected", rejected},
                                 {"watermark", watermark}};
  std::printf("%s\n", report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  std::fprintf(stderr, "sync %s: %lld rows read (%lld new, %lld changed), %zu deleted, %zu rejected\n",
               source.display.c_str(), static_cast<long long>(read->rows), static_cast<long long>(added),
               static_cast<long long>(changed), gone->size(), rejected.size());
  std::fflush(stdout);
  return (indexed == 1 || !rejected.empty()) ? 1 : 0;
}

int sync_once(const Args& args, const std::string& dir, const std::string& uri, const std::string& root,
              bool acl_from_owner) {
  // 1. Index the folder (unchanged documents are skipped by content hash).
  const int indexed = index_input(args, dir, root, "auto", acl_from_owner);
  if (indexed != 0 && indexed != 1) return indexed;  // 1: some files rejected, the rest are in

  // 2. Remove what this source brought in before and no longer has.
  const std::vector<std::string> listed = indexer::folder_document_ids(root);
  const std::set<std::string> now(listed.begin(), listed.end());
  auto state = load_state(dir, uri);
  if (!state.is_ok()) return fail("sync", state.status());
  auto gone_ids = delete_gone(dir, state->ids, now);
  if (!gone_ids.is_ok()) return fail("sync", gone_ids.status());
  const std::vector<std::string>& gone = gone_ids.value();
  if (Status st = save_state(state.value(), uri, now, ""); !st.is_ok()) return fail("sync", st);
  const nlohmann::json report = {
      {"source", uri}, {"files", now.size()}, {"deleted", gone}, {"rejected_some", indexed == 1}};
  std::printf("%s\n", report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  std::fprintf(stderr, "sync %s: %zu files, %zu deleted since the last run\n", uri.c_str(), now.size(), gone.size());
  std::fflush(stdout);
  return indexed;
}

}  // namespace

int cmd_sync(int argc, char** argv) {
  auto args = Args::parse(argc, argv, {"--index", "--source", "--models-dir", "--interval"}, {"--quiet", "--watch"});
  if (!args.is_ok()) return fail("sync", args.status());
  auto dir = args->require("--index");
  auto source = args->require("--source");
  if (!dir.is_ok() || !source.is_ok()) return fail("sync", Status::invalid_argument(kUsage));
  const std::string uri = source.value();
  if (uri.rfind("postgresql://", 0) == 0 || uri.rfind("postgres://", 0) == 0) {
    auto pg = indexer::parse_postgres_uri(uri);
    if (!pg.is_ok()) return fail("sync", pg.status());
    const double interval = std::atof(args->get("--interval", "10").c_str());
    if (!(interval > 0))
      return fail("sync", Status::invalid_argument("--interval must be a positive number of seconds"));
    int rc = sync_postgres_once(args.value(), dir.value(), pg.value(), uri);
    if (!args->has("--watch") || (rc != 0 && rc != 1)) return rc;
    std::signal(SIGTERM, on_stop);
    std::signal(SIGINT, on_stop);
    std::fprintf(stderr, "sync %s: polling every %g s\n", pg->display.c_str(), interval);
    while (!g_stop.load()) {
      for (int waited = 0; waited < interval * 10 && !g_stop.load(); ++waited) ::usleep(100 * 1000);
      if (g_stop.load()) break;
      rc = sync_postgres_once(args.value(), dir.value(), pg.value(), uri);
      if (rc != 0 && rc != 1) break;
    }
    return rc;
  }
  if (uri.rfind("file://", 0) != 0)
    return fail("sync", Status::invalid_argument("source \"" + uri + "\": expected file:///PATH or postgresql://..."));
  // file:///PATH[?acl=owner]: the files' Unix permissions as their acl.
  std::string root = uri.substr(7);
  bool acl_from_owner = false;
  if (const size_t q = root.find('?'); q != std::string::npos) {
    const std::string params = root.substr(q + 1);
    root.resize(q);
    if (params != "acl=owner")
      return fail("sync",
                  Status::invalid_argument("source \"" + uri + "\": the one parameter of file:// is acl=owner"));
    acl_from_owner = true;
  }
  std::error_code ec;
  if (root.empty() || root[0] != '/' || !fs::is_directory(root, ec))
    return fail("sync", Status::not_found("source \"" + uri + "\": not an absolute path to a folder"));
  int rc = sync_once(args.value(), dir.value(), uri, root, acl_from_owner);
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
    const int64_t now =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
            .count();
    if (changed) last_change = now;
    if (last_change >= 0 && now - last_change >= 1000) {
      last_change = -1;
      rc = sync_once(args.value(), dir.value(), uri, root, acl_from_owner);
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
