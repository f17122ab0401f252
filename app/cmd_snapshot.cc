// `kbseek snapshot create|list|restore`: online, consistent copies of an
// index folder (storage/snapshot.h). `create` prints the snapshot's path
// as its last line.
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "app/args.h"
#include "app/commands.h"
#include "storage/snapshot.h"

namespace kbseek::app {

using core::Status;

namespace {

constexpr const char* kUsage =
    "usage: kbseek snapshot create --index DIR --to ROOT [--name NAME]   (ROOT/NAME; NAME defaults to the UTC time)\n"
    "       kbseek snapshot list --to ROOT [--json]\n"
    "       kbseek snapshot restore --from ROOT/NAME --index NEW_DIR";

nlohmann::json to_json(const storage::Snapshot& s) {
  return {{"path", s.path},           {"created_at", s.created_at}, {"source", s.source},  {"generation", s.generation},
          {"documents", s.documents}, {"chunks", s.chunks},         {"rebuilt", s.rebuilt}};
}

// "20261207T064512Z": sorts by time; a second snapshot in the same second gets "-2".
std::string default_name(const std::string& root) {
  char buf[32];
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  std::string name = buf;
  for (int i = 2; std::filesystem::exists(std::filesystem::path(root) / name); ++i)
    name = std::string(buf) + "-" + std::to_string(i);
  return name;
}

}  // namespace

int cmd_snapshot(int argc, char** argv) {
  if (argc < 1) return fail("snapshot", Status::invalid_argument(kUsage));
  const std::string sub = argv[0];
  auto args = Args::parse(argc - 1, argv + 1, {"--index", "--to", "--name", "--from"}, {"--json"});
  if (!args.is_ok()) return fail("snapshot", args.status());
  if (!args->positional().empty()) return fail("snapshot", Status::invalid_argument(kUsage));
  if (sub == "create") {
    auto index = args->require("--index");
    auto root = args->require("--to");
    if (!index.is_ok() || !root.is_ok()) return fail("snapshot", Status::invalid_argument(kUsage));
    const std::string name = args->has("--name") ? args->get("--name") : default_name(root.value());
    if (name.empty() || name.find('/') != std::string::npos)
      return fail("snapshot", Status::invalid_argument("--name must be a folder name, not \"" + name + "\""));
    const auto t0 = std::chrono::steady_clock::now();
    auto s = storage::create_snapshot(index.value(), (std::filesystem::path(root.value()) / name).string());
    if (!s.is_ok()) return fail("snapshot", s.status());
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::fprintf(stderr, "snapshot of %s at generation %lld: %lld documents, %lld chunks, %.1f s%s\n",
                 index.value().c_str(), static_cast<long long>(s->generation), static_cast<long long>(s->documents),
                 static_cast<long long>(s->chunks), secs,
                 s->rebuilt ? " (a writer held the folder: search stores rebuilt from docs.sqlite)" : "");
    if (args->has("--json")) std::printf("%s\n", to_json(s.value()).dump().c_str());
    std::printf("%s\n", s->path.c_str());
    return 0;
  }
  if (sub == "list") {
    auto root = args->require("--to");
    if (!root.is_ok()) return fail("snapshot", Status::invalid_argument(kUsage));
    auto all = storage::list_snapshots(root.value());
    if (!all.is_ok()) return fail("snapshot", all.status());
    nlohmann::json out = nlohmann::json::array();
    for (const auto& s : all.value()) {
      if (args->has("--json")) {
        out.push_back(to_json(s));
      } else {
        std::printf("%s  %s  generation %lld  %lld documents  %lld chunks%s\n", s.path.c_str(), s.created_at.c_str(),
                    static_cast<long long>(s.generation), static_cast<long long>(s.documents),
                    static_cast<long long>(s.chunks), s.rebuilt ? "  (rebuilt)" : "");
      }
    }
    if (args->has("--json")) std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  if (sub == "restore") {
    auto from = args->require("--from");
    auto index = args->require("--index");
    if (!from.is_ok() || !index.is_ok()) return fail("snapshot", Status::invalid_argument(kUsage));
    auto s = storage::restore_snapshot(from.value(), index.value());
    if (!s.is_ok()) return fail("snapshot", s.status());
    std::fprintf(stderr, "restored %s (generation %lld, %lld documents) into %s\n", from.value().c_str(),
                 static_cast<long long>(s->generation), static_cast<long long>(s->documents), index.value().c_str());
    return 0;
  }
  return fail("snapshot", Status::invalid_argument(kUsage));
}

}  // namespace kbseek::app
