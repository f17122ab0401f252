// `kbseek erase`: erasure on request (GDPR art. 17): documents chosen by id
// or by a query-language filter are removed so that their content is gone
// from the index folder's files (storage/index_folder.h's erase_documents),
// the persistent result cache is deleted (its answers may quote them), and
// who erased what, when and why is appended to <index>/audit.jsonl.
#include <cstdio>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "app/args.h"
#include "app/commands.h"
#include "app/stdin_lines.h"
#include "query/selection.h"
#include "storage/audit_log.h"
#include "storage/cache_store.h"
#include "storage/index_folder.h"
#include "storage/manifest.h"

namespace kbseek::app {

using core::Status;

namespace {

constexpr const char* kUsage =
    "usage: kbseek erase --index DIR --actor WHO [--reason TEXT] [--filter 'field:value time:..' ] [ID...|-]";

}  // namespace

int cmd_erase(int argc, char** argv) {
  auto args = Args::parse(argc, argv, {"--index", "--actor", "--reason", "--filter"}, {});
  if (!args.is_ok()) return fail("erase", args.status());
  auto dir = args->require("--index");
  auto actor = args->require("--actor");
  if (!dir.is_ok() || !actor.is_ok()) return fail("erase", Status::invalid_argument(kUsage));
  std::vector<std::string> ids = ids_from_arguments(args->positional());
  if (ids.empty() && !args->has("--filter"))
    return fail("erase", Status::invalid_argument("nothing to erase: give ids or --filter\n" + std::string(kUsage)));
  auto index = storage::IndexFolder::open_existing_writable(dir.value());
  if (!index.is_ok()) return fail("erase", index.status());
  if (args->has("--filter")) {
    auto selected = query::select_documents(*index.value(), args->get("--filter"));
    if (!selected.is_ok()) return fail("erase", selected.status());
    ids.insert(ids.end(), selected->begin(), selected->end());
  }
  std::set<std::string> unique(ids.begin(), ids.end());
  ids.assign(unique.begin(), unique.end());
  auto missing = index.value()->erase_documents(ids);
  if (!missing.is_ok()) return fail("erase", missing.status());
  const int64_t generation = index.value()->manifest().generation;
  index.value().reset();
  // Answers cached before may quote what was erased: the whole cache goes.
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(dir.value() + "/" + storage::CacheStore::kFileName + suffix, ec);
  std::set<std::string> gone_set(ids.begin(), ids.end());
  for (const auto& m : missing.value()) gone_set.erase(m);
  const nlohmann::json record = {{"ts", storage::utc_now_iso8601()},
                                 {"action", "erase"},
                                 {"actor", actor.value()},
                                 {"reason", args->get("--reason")},
                                 {"filter", args->get("--filter")},
                                 {"erased", std::vector<std::string>(gone_set.begin(), gone_set.end())},
                                 {"not_found", missing.value()},
                                 {"generation", generation}};
  if (Status st = storage::append_audit_record(
          dir.value(), record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
      !st.is_ok()) {
    return fail("erase", st.with_context("the documents are erased, but the audit record was not written"));
  }
  std::fprintf(stderr, "erased %zu documents (%zu not found); recorded in %s/%s\n", gone_set.size(),
               missing.value().size(), dir.value().c_str(), storage::kAuditLogFile);
  return missing.value().empty() ? 0 : 1;
}

}  // namespace kbseek::app
