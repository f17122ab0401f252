// Crash safety of bulk indexing: `kill -9` the real indexer at random
// moments, again and again. After each kill the folder must open, search,
// pass `kbseek check` once recovered, and hold every document the indexer
// had reported as committed; re-running the same command finishes the job
// with no duplicates.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <thread>

#include "tests/app/cli_test_util.h"

namespace kbseek::testing {
namespace {

using nlohmann::json;

// The last "committed N documents" line the indexer printed (0 if none).
int64_t last_committed(const std::string& err) {
  int64_t n = 0;
  std::istringstream in(err);
  std::string line;
  while (std::getline(in, line)) {
    const auto p = line.find("committed ");
    if (p != std::string::npos && line.find(" documents", p) != std::string::npos) n = std::stoll(line.substr(p + 10));
  }
  return n;
}

int64_t documents(const std::string& idx) {
  CommandResult r = run_kbseek({"stats", "--index", idx, "--json"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.exit_code == 0 ? json::parse(r.out).at("documents").get<int64_t>() : -1;
}

TEST(CrashTest, KillNineAtRandomMomentsLosesNothingCommitted) {
  const std::string dir = temp_dir("crash");
  const std::string corpus = dir + "/corpus.jsonl";
  constexpr int kDocs = 6000;
  {
    std::ofstream out(corpus);
    for (int i = 0; i < kDocs; ++i)
      out << json{{"id", "d" + std::to_string(i)},
                  {"title", "Document " + std::to_string(i)},
                  {"text", "Record number " + std::to_string(i) + " describes item " +
                               std::to_string(i * 7919 % 10007) + " of the inventory; 第" + std::to_string(i) +
                               "号记录描述库存中的物品。"}}
                 .dump()
          << "\n";
  }
  const std::string idx = dir + "/idx";
  const std::vector<std::string> cmd = {"index",          "--index", idx,       "--models", "use-m3",
                                        "--commit-every", "100",     "--batch", "64",       corpus};
  const unsigned seed = static_cast<unsigned>(std::chrono::steady_clock::now().time_since_epoch().count());
  std::mt19937 rng(seed);
  // Kill a random time after the run's first commit: mid-batch, mid-commit
  // or between, whatever the machine's speed.
  std::uniform_int_distribution<int> delay_ms(0, 400);
  std::printf("crash test seed %u\n", seed);
  int64_t durable = 0;  // documents the index must hold
  for (int round = 0; round < 5; ++round) {
    const std::string err = dir + "/err" + std::to_string(round);
    pid_t pid = spawn_kbseek(cmd, dir + "/out", err);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (last_committed(read_text_file(err)) == 0 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const int ms = delay_ms(rng);
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    ::kill(pid, SIGKILL);
    const int status = wait_kbseek(pid);
    const int64_t committed = last_committed(read_text_file(err));
    SCOPED_TRACE("round " + std::to_string(round) + ", killed " + std::to_string(ms) +
                 " ms after its first commit (seed " + std::to_string(seed) + "), status " + std::to_string(status));
    durable += committed;
    // Opens and searches as it is (read-only, no repair yet).
    CommandResult s = run_kbseek({"search", "--index", idx, "--json", "-k", "1", "inventory item"});
    if (durable > 0) {
      EXPECT_EQ(s.exit_code, 0) << s.err;
    }
    // Recovery makes every store agree again.
    CommandResult c = run_kbseek({"check", "--index", idx, "--repair"});
    if (durable > 0 || c.exit_code == 0) {
      EXPECT_EQ(c.exit_code, 0) << c.out << c.err;
    }
    const int64_t n = durable > 0 ? documents(idx) : 0;
    std::printf("round %d: killed %d ms after its first commit, %lld reported committed, index holds %lld\n", round, ms,
                static_cast<long long>(committed), static_cast<long long>(n));
    EXPECT_GE(n, durable) << read_text_file(err);
    durable = std::max(durable, n);  // a commit may land after the last line was printed
  }
  CommandResult finish = run_kbseek(cmd);
  ASSERT_EQ(finish.exit_code, 0) << finish.err;
  EXPECT_EQ(documents(idx), kDocs);
  CommandResult c = run_kbseek({"check", "--index", idx});
  EXPECT_EQ(c.exit_code, 0) << c.out;
  EXPECT_NE(c.out.find("consistent (6000 documents"), std::string::npos) << c.out;
  CommandResult again = run_kbseek(cmd);  // nothing left to do
  EXPECT_NE(again.err.find("indexed 0 documents"), std::string::npos) << again.err;
  CommandResult s = run_kbseek({"search", "--index", idx, "--mode", "bm25", "--json", "-k", "1", "第5999号记录"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(json::parse(s.out)["results"][0]["id"], "d5999") << s.out;
}

}  // namespace
}  // namespace kbseek::testing
