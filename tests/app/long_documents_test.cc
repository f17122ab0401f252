// Long documents end to end: the chunk lists go deeper until they make the
// k documents asked for (long documents fill a list with their own chunks),
// and a document's other matching chunks add to its score when asked
// (--other-chunks-weight), shown in explain output.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>

#include "tests/app/cli_test_util.h"

namespace kbseek::testing {
namespace {

using nlohmann::json;

// `n` sentences of made-up words (seeded per document, so no two documents
// look alike to duplicate detection), each sentence with `topic` in it when
// `every` divides its number.
std::string filler(unsigned seed, int n, const std::string& topic, int every) {
  std::mt19937 rng(seed);
  std::string out;
  for (int s = 0; s < n; ++s) {
    for (int w = 0; w < 9; ++w) out += "w" + std::to_string(rng() % 5000) + " ";
    if (every > 0 && s % every == 0) out += topic + " ";
    out += "w" + std::to_string(rng() % 5000) + ". ";
  }
  return out;
}

class LongDocumentsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string dir = temp_dir("longdocs");
    const std::string corpus = dir + "/corpus.jsonl";
    {
      std::ofstream f(corpus);
      auto doc = [&](const std::string& id, const std::string& text) {
        f << json{{"id", id}, {"title", ""}, {"text", text}}.dump() << "\n";
      };
      // Four long manuals whose every sentence says "backup restore": ~30
      // chunks each, 120 chunks that outscore every short note's one.
      for (int i = 0; i < 4; ++i) doc("manual-" + std::to_string(i), filler(100 + i, 400, "backup restore", 1));
      // Twelve short notes that mention it once.
      for (int i = 0; i < 12; ++i) doc("note-" + std::to_string(i), filler(200 + i, 12, "backup restore", 12));
      // One short page that says "kernel panic" twice, and one long page that
      // says it once in each of many chunks.
      doc("panic-once", "Kernel panic: a kernel panic after the upgrade. " + filler(300, 2, "", 0));
      doc("panic-throughout", filler(301, 150, "kernel panic", 15));
    }
    index_dir_ = dir + "/index";
    CommandResult r = run_kbseek({"index", "--index", index_dir_, "--models", "all-minilm-l6-v2", corpus});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static json search(const std::string& query, std::vector<std::string> flags) {
    std::vector<std::string> args = {"search", "--index", index_dir_, "--json", "--explain"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(query);
    CommandResult r = run_kbseek(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? json::parse(r.out) : json::object();
  }
  static std::string index_dir_;
};
std::string LongDocumentsTest::index_dir_;

TEST_F(LongDocumentsTest, ListsGoDeeperUntilTheyMakeKDocuments) {
  CommandResult stats = run_kbseek({"stats", "--index", index_dir_, "--json"});
  ASSERT_EQ(stats.exit_code, 0) << stats.err;
  ASSERT_GT(json::parse(stats.out)["chunks"].get<int>(), 110) << "the manuals must fill a first list of 100 chunks";
  for (const char* mode : {"bm25", "hybrid"}) {
    const json j = search("backup restore", {"-k", "16", "--mode", mode});
    const auto ids = result_ids(j);
    EXPECT_EQ(ids.size(), 16u) << mode << ": " << j.dump().substr(0, 400);
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size()) << mode;
    int notes = 0;
    for (const auto& id : ids) notes += id.rfind("note-", 0) == 0;
    EXPECT_EQ(notes, 12) << mode << ": every short note, found below the manuals' chunks";
  }
}

TEST_F(LongDocumentsTest, OtherChunksAddToADocumentWhenAsked) {
  const json best = search("kernel panic", {"-k", "2", "--mode", "bm25"});
  ASSERT_EQ(result_ids(best).size(), 2u) << best.dump();
  EXPECT_EQ(result_ids(best)[0], "panic-once") << "by its best chunk alone, the short page wins";
  const json both = search("kernel panic", {"-k", "2", "--mode", "bm25", "--other-chunks-weight", "1"});
  ASSERT_EQ(result_ids(both).size(), 2u) << both.dump();
  EXPECT_EQ(result_ids(both)[0], "panic-throughout") << both.dump();
  bool explained = false;
  for (const auto& e : both["results"][0]["explain"]) {
    if (e["source"] == "group:other-chunks") {
      explained = true;
      EXPECT_GE(e["rank"].get<int>(), 5) << "rank counts the other chunks";
      EXPECT_GT(e["score"].get<double>(), 0);
    }
  }
  EXPECT_TRUE(explained) << both["results"][0].dump();
  // Out of range: refused by name.
  CommandResult r = run_kbseek({"search", "--index", index_dir_, "--other-chunks-weight", "-1", "kernel panic"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("other-chunks-weight"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace kbseek::testing
