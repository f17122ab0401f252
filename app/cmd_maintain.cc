// `kbseek delete` and `kbseek check`: maintenance of an existing index folder.
#include <cstdio>
#include <string>
#include <vector>

#include "app/args.h"
#include "app/commands.h"
#include "app/stdin_lines.h"
#include "storage/index_check.h"
#include "storage/index_folder.h"

namespace kbseek::app {

using core::Status;

int cmd_delete(int argc, char** argv) {
  auto args = Args::parse(argc, argv, {"--index"}, {});
  if (!args.is_ok()) return fail("delete", args.status());
  auto dir = args->require("--index");
  if (!dir.is_ok()) return fail("delete", dir.status());
  const std::vector<std::string> ids = ids_from_arguments(args->positional());
  if (ids.empty()) return fail("delete", Status::invalid_argument("no ids (usage: kbseek delete --index DIR ID...|-)"));
  auto index = storage::IndexFolder::open_existing_writable(dir.value());
  if (!index.is_ok()) return fail("delete", index.status());
  int64_t deleted = 0, missing = 0;
  int64_t orphaned = 0;
  for (const auto& id : ids) {
    auto dups = index.value()->duplicates_of(id);
    if (dups.is_ok()) orphaned += static_cast<int64_t>(dups.value().size());
    Status st = index.value()->remove_document(id);
    if (st.is_ok()) {
      ++deleted;
    } else if (st.code() == core::StatusCode::kNotFound) {
      ++missing;
      std::fprintf(stderr, "not found: %s\n", id.c_str());
    } else {
      return fail("delete", st);
    }
  }
  Status st = index.value()->commit();
  if (!st.is_ok()) return fail("delete", st);
  std::fprintf(stderr, "deleted %lld documents, %lld not found; index has %lld documents\n",
               static_cast<long long>(deleted), static_cast<long long>(missing),
               static_cast<long long>(index.value()->document_count()));
  if (orphaned > 0)
    std::fprintf(stderr,
                 "%lld stored documents were recorded as duplicates of deleted ones: they are not searchable "
                 "until the next `kbseek index` over them, which indexes them again\n",
                 static_cast<long long>(orphaned));
  return missing > 0 ? 1 : 0;
}

int cmd_check(int argc, char** argv) {
  auto args = Args::parse(argc, argv, {"--index"}, {"--repair"});
  if (!args.is_ok()) return fail("check", args.status());
  auto dir = args->require("--index");
  if (!dir.is_ok()) return fail("check", dir.status());
  auto report = storage::check_index(dir.value());
  if (!report.is_ok() && !(args->has("--repair") && report.status().code() == core::StatusCode::kFailedPrecondition))
    return fail("check", report.status());
  if (!report.is_ok() || (!report->consistent() && args->has("--repair"))) {
    if (!report.is_ok())
      std::printf("found: %s\n", report.status().message().c_str());
    else
      for (const auto& p : report->problems) std::printf("found: %s\n", p.c_str());
    // A writable open rebuilds every derived store that disagrees with docs.sqlite.
    auto index = storage::IndexFolder::open_existing_writable(dir.value());
    if (!index.is_ok()) return fail("check", index.status());
    index.value().reset();
    report = storage::check_index(dir.value());
    if (!report.is_ok()) return fail("check", report.status());
  }
  for (const auto& p : report->problems) std::printf("problem: %s\n", p.c_str());
  std::printf("%s: %s (%lld documents, %lld chunks)\n", dir.value().c_str(),
              report->consistent() ? "consistent" : "INCONSISTENT", static_cast<long long>(report->documents),
              static_cast<long long>(report->chunks));
  return report->consistent() ? 0 : 1;
}

}  // namespace kbseek::app
