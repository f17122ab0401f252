// `kbseek erase`: erasure on request (GDPR art. 17): documents chosen by id
// or by a query-language filter are removed so that their content is gone
// from the index folder's files (storage/index_folder.h's erase_documents),
// the persistent result cache is deleted (its answers may quote them), and
// who erased what, when and why is appended to <index>/audit.jsonl.
//
// `kbseek retention`: the same erasure by rules kept with the index
// (<index>/retention.json, or --rules FILE):
//   {"rules": [{"name": "chat logs", "filter": "source:chat", "max_age_days": 90},
//              {"name": "everything", "max_age_days": 3650}]}
// A rule erases the documents its filter (query language, as erase
// --filter; none = all) selects whose time is older than max_age_days
// before now (documents without a time are never old). Each rule is one
// audit record (action "retention", reason its name). --dry-run lists
// what would go. Run it from cron or a systemd timer.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "app/args.h"
#include "app/commands.h"
#include "app/stdin_lines.h"
#include "core/file_util.h"
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

// Erases `ids` from the folder, drops the persistent cache, appends the
// audit record (`record` plus erased, not_found and generation). Sets
// *erased to how many went.
Status erase_and_audit(const std::string& dir, std::vector<std::string> ids, nlohmann::json record, size_t* erased,
                       size_t* not_found) {
  std::set<std::string> unique(ids.begin(), ids.end());
  ids.assign(unique.begin(), unique.end());
  KB_ASSIGN_OR_RETURN(auto index, storage::IndexFolder::open_existing_writable(dir));
  KB_ASSIGN_OR_RETURN(auto missing, index->erase_documents(ids));
  const int64_t generation = index->manifest().generation;
  index.reset();
  // Answers cached before may quote what was erased: the whole cache goes.
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(dir + "/" + storage::CacheStore::kFileName + suffix, ec);
  std::set<std::string> gone_set(ids.begin(), ids.end());
  for (const auto& m : missing) gone_set.erase(m);
  record["ts"] = storage::utc_now_iso8601();
  record["erased"] = std::vector<std::string>(gone_set.begin(), gone_set.end());
  record["not_found"] = missing;
  record["generation"] = generation;
  KB_RETURN_IF_ERROR(
      storage::append_audit_record(dir, record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace))
          .with_context("the documents are erased, but the audit record was not written"));
  *erased = gone_set.size();
  *not_found = missing.size();
  return Status::ok();
}

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
  index.value().reset();
  nlohmann::json record = {{"action", "erase"},
                           {"actor", actor.value()},
                           {"reason", args->get("--reason")},
                           {"filter", args->get("--filter")}};
  size_t erased = 0, not_found = 0;
  if (Status st = erase_and_audit(dir.value(), std::move(ids), std::move(record), &erased, &not_found); !st.is_ok())
    return fail("erase", st);
  std::fprintf(stderr, "erased %zu documents (%zu not found); recorded in %s/%s\n", erased, not_found,
               dir.value().c_str(), storage::kAuditLogFile);
  return not_found == 0 ? 0 : 1;
}

int cmd_retention(int argc, char** argv) {
  auto args = Args::parse(argc, argv, {"--index", "--rules", "--actor"}, {"--dry-run"});
  if (!args.is_ok()) return fail("retention", args.status());
  auto dir = args->require("--index");
  if (!dir.is_ok())
    return fail("retention", Status::invalid_argument(
                                 "usage: kbseek retention --index DIR [--rules FILE] [--actor WHO] [--dry-run]"));
  const std::string rules_path = args->get("--rules", dir.value() + "/retention.json");
  auto text = core::read_file(rules_path);
  if (!text.is_ok())
    return fail("retention", text.status().with_context("retention rules (" + rules_path + ", or --rules FILE)"));
  const nlohmann::json j = nlohmann::json::parse(text.value(), nullptr, false);
  if (!j.is_object() || !j.contains("rules") || !j["rules"].is_array())
    return fail("retention", Status::invalid_argument(rules_path + ": expected {\"rules\": [...]}"));
  const auto now = std::chrono::system_clock::now();
  nlohmann::json report = nlohmann::json::array();
  int rc = 0;
  for (size_t i = 0; i < j["rules"].size(); ++i) {
    const nlohmann::json& rule = j["rules"][i];
    const std::string where = rules_path + ": rules[" + std::to_string(i) + "]";
    if (!rule.is_object() || !rule.contains("max_age_days") || !rule["max_age_days"].is_number() ||
        rule["max_age_days"].get<double>() < 0)
      return fail("retention", Status::invalid_argument(where + ": needs \"max_age_days\" (a number >= 0)"));
    if (rule.contains("filter") && !rule["filter"].is_string())
      return fail("retention", Status::invalid_argument(where + ": \"filter\" must be a string"));
    const std::string name = rule.value("name", "rule " + std::to_string(i + 1));
    // Older than the cut: the day it falls on, in UTC, and before.
    const auto cut = now - std::chrono::seconds(static_cast<int64_t>(rule["max_age_days"].get<double>() * 86400));
    const std::time_t t = std::chrono::system_clock::to_time_t(cut);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char date[32];
    std::snprintf(date, sizeof date, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    const std::string conditions = rule.value("filter", std::string()) + " time:<" + date;
    std::vector<std::string> ids;
    {
      auto index = storage::IndexFolder::open_existing_writable(dir.value());
      if (!index.is_ok()) return fail("retention", index.status());
      auto selected = query::select_documents(*index.value(), conditions);
      if (!selected.is_ok()) return fail("retention", selected.status().with_context(where));
      ids = std::move(selected).value();
    }
    nlohmann::json r = {{"rule", name}, {"conditions", conditions}, {"selected", ids.size()}};
    if (args->has("--dry-run")) {
      r["ids"] = ids;
    } else if (!ids.empty()) {
      nlohmann::json record = {{"action", "retention"},
                               {"actor", args->get("--actor", "retention")},
                               {"reason", name},
                               {"filter", conditions}};
      size_t erased = 0, not_found = 0;
      if (Status st = erase_and_audit(dir.value(), ids, std::move(record), &erased, &not_found); !st.is_ok())
        return fail("retention", st);
      r["erased"] = erased;
      if (not_found > 0) rc = 1;
    } else {
      r["erased"] = 0;
    }
    report.push_back(std::move(r));
  }
  std::printf("%s\n", report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  return rc;
}

}  // namespace kbseek::app
