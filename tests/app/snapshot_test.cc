// `kbseek snapshot`: a snapshot is a consistent index folder at one
// generation, taken while no writer holds the folder (everything copied)
// or while `serve --writable` commits documents (docs.sqlite through the
// online backup, search stores rebuilt from it); it restores into a new
// folder that searches like the original; mistakes are refused by name.
#include <gtest/gtest.h>
#include <httplib.h>

#include <atomic>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/app/cli_test_util.h"

namespace kbseek::testing {
namespace {

using nlohmann::json;

std::string last_line(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s.substr(s.rfind('\n') == std::string::npos ? 0 : s.rfind('\n') + 1);
}

std::vector<std::string> search_ids(const std::string& index, const std::string& query) {
  CommandResult r = run_kbseek({"search", "--index", index, "--json", "-k", "5", query});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.exit_code == 0 ? result_ids(json::parse(r.out)) : std::vector<std::string>{};
}

TEST(SnapshotTest, ConsistentOfflineAndUnderWritesAndRestorable) {
  const std::string dir = temp_dir("snapshot");
  const std::string index = dir + "/index", root = dir + "/snapshots";
  ASSERT_EQ(run_kbseek({"index", "--index", index, KBSEEK_SOURCE_DIR "/app/sample/bilingual_sample.jsonl"}).exit_code,
            0);

  // No writer: everything copied as it is.
  CommandResult made = run_kbseek({"snapshot", "create", "--index", index, "--to", root, "--name", "quiet", "--json"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  const json quiet = json::parse(made.out.substr(0, made.out.find('\n')));
  EXPECT_EQ(last_line(made.out), root + "/quiet");
  EXPECT_EQ(quiet["documents"], 30);
  EXPECT_FALSE(quiet["rebuilt"].get<bool>());
  EXPECT_EQ(run_kbseek({"check", "--index", root + "/quiet"}).exit_code, 0);

  // Under writes: serve --writable holds the folder and commits a document
  // per request while snapshots are taken.
  ServerProcess server({"serve", "--index", index, "--port", "0", "--writable"});
  ASSERT_GT(server.port(), 0) << server.stderr_text();
  std::atomic<bool> writing{true};
  std::atomic<int> written{0};
  std::thread writer([&] {
    httplib::Client cli("127.0.0.1", server.port());
    cli.set_read_timeout(60, 0);
    for (int i = 0; writing.load() && i < 200; ++i) {
      const json doc = {{"id", "live-" + std::to_string(i)},
                        {"title", "Live note " + std::to_string(i)},
                        {"text", "Live note number " + std::to_string(i) + " about aquarium filters. 鱼缸过滤器。"}};
      auto res = cli.Put("/v1/documents/live-" + std::to_string(i), doc.dump(), "application/json");
      if (res && res->status == 200) written++;
    }
  });
  while (written.load() < 3) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  std::vector<json> live;
  for (const char* name : {"busy-1", "busy-2"}) {
    CommandResult r = run_kbseek({"snapshot", "create", "--index", index, "--to", root, "--name", name, "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    live.push_back(json::parse(r.out.substr(0, r.out.find('\n'))));
  }
  writing = false;
  writer.join();
  EXPECT_EQ(server.stop(), 0);
  for (const json& s : live) {
    EXPECT_TRUE(s["rebuilt"].get<bool>()) << s.dump();
    const int docs = s["documents"];
    EXPECT_GT(docs, 30) << s.dump();
    EXPECT_LE(docs, 30 + written.load()) << s.dump();
    const std::string path = s["path"];
    CommandResult check = run_kbseek({"check", "--index", path});
    EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
    // Every document it holds is searchable in every list: BM25 and dense
    // agree with docs.sqlite on the live notes it has.
    const auto bm25 = run_kbseek({"search", "--index", path, "--json", "--mode", "bm25", "-k", "200", "aquarium"});
    ASSERT_EQ(bm25.exit_code, 0) << bm25.err;
    EXPECT_EQ(result_ids(json::parse(bm25.out)).size(), static_cast<size_t>(docs - 30)) << path;
  }
  EXPECT_LE(live[0]["generation"].get<int>(), live[1]["generation"].get<int>());

  // list: oldest first, with generations and sizes.
  CommandResult listed = run_kbseek({"snapshot", "list", "--to", root, "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const json all = json::parse(listed.out);
  ASSERT_EQ(all.size(), 3u) << listed.out;
  EXPECT_EQ(all[0]["path"], root + "/quiet");

  // Restore the quiet one: it searches as the index did before the writes.
  const std::string restored = dir + "/restored";
  CommandResult back = run_kbseek({"snapshot", "restore", "--from", root + "/quiet", "--index", restored});
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_EQ(run_kbseek({"check", "--index", restored}).exit_code, 0);
  EXPECT_EQ(search_ids(restored, "VPN 密码 重置"), search_ids(root + "/quiet", "VPN 密码 重置"));
  EXPECT_TRUE(search_ids(restored, "aquarium filters").empty() ||
              search_ids(restored, "aquarium filters")[0].rfind("live-", 0) != 0)
      << "the live notes came after it";

  // Mistakes, refused by name.
  CommandResult again = run_kbseek({"snapshot", "create", "--index", index, "--to", root, "--name", "quiet"});
  EXPECT_EQ(again.exit_code, 2);
  EXPECT_NE(again.err.find("quiet exists"), std::string::npos) << again.err;
  CommandResult over = run_kbseek({"snapshot", "restore", "--from", root + "/quiet", "--index", index});
  EXPECT_EQ(over.exit_code, 2);
  EXPECT_NE(over.err.find("not empty"), std::string::npos) << over.err;
  CommandResult not_index = run_kbseek({"snapshot", "create", "--index", root, "--to", root, "--name", "x"});
  EXPECT_EQ(not_index.exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(root + "/x")) << "nothing half-made is left";
  CommandResult not_snapshot = run_kbseek({"snapshot", "restore", "--from", index, "--index", dir + "/other"});
  EXPECT_EQ(not_snapshot.exit_code, 2);
  EXPECT_NE(not_snapshot.err.find("SNAPSHOT"), std::string::npos) << not_snapshot.err;
}

}  // namespace
}  // namespace kbseek::testing
