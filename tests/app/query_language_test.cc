// The query language end to end with the real binary and index: phrases,
// +/-, metadata fields, time and numeric ranges and boolean structure
// filter inside retrieval in every mode, so k results come back when k
// qualify; what is not understood is searched as words with a warning;
// explain shows the parsed query. Over HTTP too.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "storage/xapian_index.h"
#include "tests/app/cli_test_util.h"

namespace kbseek::testing {
namespace {

using nlohmann::json;

class QueryLanguageTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string dir = temp_dir("query_language");
    const std::string corpus = dir + "/corpus.jsonl";
    {
      std::ofstream f(corpus);
      auto doc = [&](const std::string& id, const std::string& text, const std::string& dept, double price,
                     const std::string& date) {
        f << json{{"id", id},
                  {"title", ""},
                  {"text", text},
                  {"metadata", {{"dept", dept}, {"price", price}, {"tags", {"kb", dept + "-team"}}}},
                  {"timestamp", date}}
                 .dump()
          << "\n";
      };
      // Six finance documents about vector search; legal ones say the same
      // words in another order.
      for (int i = 0; i < 6; ++i)
        doc("fin-" + std::to_string(i),
            "The vector database of quarter " + std::to_string(i) + " stores budget vectors. 向量数据库的预算。",
            "Finance", 10 + i, "2024-0" + std::to_string(i + 1) + "-15");
      for (int i = 0; i < 4; ++i)
        doc("legal-" + std::to_string(i),
            "A database of vector contracts, note " + std::to_string(i) + ". 合同的数据库。", "legal", 100 + i,
            "2023-1" + std::to_string(i % 3) + "-01");
      // Mostly English, so that the English-only model reads it too.
      doc("old-manual",
          "The old vector database manual, superseded by the new one and kept only for reference in the archive. "
          "旧版向量数据库。",
          "it", 5, "2019-05-05");
    }
    index_dir_ = dir + "/index";
    CommandResult r = run_kbseek({"index", "--index", index_dir_, "--models", "all-minilm-l6-v2", corpus});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static json search(const std::string& query, int k, const std::string& mode = "hybrid") {
    CommandResult r = run_kbseek(
        {"search", "--index", index_dir_, "--json", "--explain", "--mode", mode, "-k", std::to_string(k), query});
    EXPECT_EQ(r.exit_code, 0) << query << ": " << r.err;
    return r.exit_code == 0 ? json::parse(r.out) : json::object();
  }
  static bool all_start_with(const std::vector<std::string>& ids, const std::string& prefix) {
    for (const auto& id : ids)
      if (id.rfind(prefix, 0) != 0) return false;
    return true;
  }
  static std::string index_dir_;
};
std::string QueryLanguageTest::index_dir_;

TEST_F(QueryLanguageTest, FieldsFilterInsideRetrievalInEveryMode) {
  for (const char* mode : {"hybrid", "bm25", "dense"}) {
    // k = 5 of the six finance documents, though legal ones match the words as well.
    const auto ids = result_ids(search("vector database dept:finance", 5, mode));
    EXPECT_EQ(ids.size(), 5u) << mode;
    EXPECT_TRUE(all_start_with(ids, "fin-")) << mode << ": " << json(ids).dump();
    const auto legal = result_ids(search("向量 数据库 -dept:finance -dept:it", 10, mode));
    EXPECT_EQ(legal.size(), 4u) << mode << ": " << json(legal).dump();
    EXPECT_TRUE(all_start_with(legal, "legal-")) << mode;
    // Array values: each counts.
    EXPECT_EQ(result_ids(search("database tags:legal-team", 10, mode)).size(), 4u) << mode;
  }
}

TEST_F(QueryLanguageTest, PhrasesMatchWordsInOrder) {
  // "vector database" in that order: finance documents and the old manual, not legal's "database of vector".
  for (const char* mode : {"hybrid", "bm25", "dense"}) {
    const auto ids = result_ids(search("\"vector database\"", 10, mode));
    EXPECT_EQ(ids.size(), 7u) << mode << ": " << json(ids).dump();
    for (const auto& id : ids) EXPECT_EQ(id.rfind("legal-", 0), std::string::npos) << mode << " " << id;
  }
  const auto zh = result_ids(search("\"向量数据库\" -旧版", 10));
  EXPECT_EQ(zh.size(), 6u) << json(zh).dump();
  EXPECT_TRUE(all_start_with(zh, "fin-"));
}

TEST_F(QueryLanguageTest, TimeAndNumericRanges) {
  const auto h1 = result_ids(search("budget time:2024-01..2024-03", 10));
  EXPECT_EQ(std::set<std::string>(h1.begin(), h1.end()), (std::set<std::string>{"fin-0", "fin-1", "fin-2"}));
  const auto before = result_ids(search("manual time:<2020", 10, "bm25"));
  EXPECT_EQ(before, std::vector<std::string>{"old-manual"});
  const auto pricey = result_ids(search("database price:>=100", 10));
  EXPECT_EQ(pricey.size(), 4u);
  EXPECT_TRUE(all_start_with(pricey, "legal-"));
  EXPECT_EQ(result_ids(search("database price:12", 10)), std::vector<std::string>{"fin-2"});
  // Boolean structure.
  const auto either = result_ids(search("database +(dept:it OR price:101)", 10));
  EXPECT_EQ(std::set<std::string>(either.begin(), either.end()), (std::set<std::string>{"old-manual", "legal-1"}));
}

TEST_F(QueryLanguageTest, WhatIsNotUnderstoodIsSearchedAsWordsWithAWarning) {
  json unknown = search("vector database colour:red", 3);
  EXPECT_EQ(result_ids(unknown).size(), 3u);
  ASSERT_TRUE(unknown.contains("warnings")) << unknown.dump();
  EXPECT_NE(unknown["warnings"][0].get<std::string>().find("no field \"colour\""), std::string::npos);
  json broken = search("(向量 数据库 AND", 3);
  EXPECT_EQ(result_ids(broken).size(), 3u);
  ASSERT_TRUE(broken.contains("warnings")) << broken.dump();
  EXPECT_NE(broken["warnings"][0].get<std::string>().find("searched as plain text"), std::string::npos);
  // The text output says so on stderr.
  CommandResult r = run_kbseek({"search", "--index", index_dir_, "-k", "2", "budget time:yesterday"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.err.find("warning: \"time:yesterday\" is not a date"), std::string::npos) << r.err;
}

TEST_F(QueryLanguageTest, ExplainShowsTheParsedQuery) {
  json j = search("What is the latest vector database budget for A100 dept:finance?", 3);
  ASSERT_TRUE(j.contains("query")) << j.dump();
  const json& q = j["query"];
  EXPECT_EQ(q["text"], "What is the latest vector database budget for A100");
  EXPECT_EQ(q["conditions"], json::array({"dept:finance"}));  // the question mark is prose
  EXPECT_EQ(q["question"], "what");
  EXPECT_EQ(q["recent"], true);
  EXPECT_EQ(q["identifiers"], json::array({"A100"}));
  EXPECT_EQ(q["languages"], json::array({"en"}));
  EXPECT_FALSE(j.contains("warnings"));
}

// Each result's snippet comes with where the query words are, in characters.
TEST_F(QueryLanguageTest, SnippetsMarkTheQueryWords) {
  json j = search("向量数据库 预算", 1);
  ASSERT_EQ(j["results"].size(), 1u);
  const std::string snippet = j["results"][0]["snippet"];
  const json& h = j["results"][0]["highlights"];
  ASSERT_FALSE(h.empty()) << j.dump();
  std::u32string chars;
  for (size_t i = 0; i < snippet.size();) {  // decode UTF-8 by hand: offsets count code points
    unsigned char c = snippet[i];
    int len = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    chars.push_back(static_cast<char32_t>(i));
    i += len;
  }
  std::vector<std::string> marked;
  for (const auto& span : h) {
    const size_t a = span[0], b = span[1];
    ASSERT_LT(a, b);
    ASSERT_LE(b, chars.size());
    const size_t from = chars[a], to = b < chars.size() ? static_cast<size_t>(chars[b]) : snippet.size();
    marked.push_back(snippet.substr(from, to - from));
  }
  bool saw_budget = false;
  for (const auto& m : marked) saw_budget = saw_budget || m.find("预算") != std::string::npos;
  EXPECT_TRUE(saw_budget) << json(marked).dump();
}

TEST_F(QueryLanguageTest, OverHttp) {
  ServerProcess server({"serve", "--index", index_dir_, "--port", "0"});
  httplib::Client cli("127.0.0.1", server.port());
  auto res = cli.Get("/v1/search?k=10&q=" + httplib::detail::encode_query_param("database -dept:finance -dept:legal"));
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(result_ids(json::parse(res->body)), std::vector<std::string>{"old-manual"});
  auto post =
      cli.Post("/v1/search", json{{"query", "budget time:2024-06 nosuch:field"}, {"k", 5}}.dump(), "application/json");
  ASSERT_TRUE(post);
  ASSERT_EQ(post->status, 200) << post->body;
  json j = json::parse(post->body);
  EXPECT_EQ(result_ids(j), std::vector<std::string>{"fin-5"});
  ASSERT_TRUE(j.contains("warnings")) << j.dump();
}

// An index made before positions and fields were stored is still searched,
// phrases as their words, with a warning; check says so and --repair adds them.
TEST_F(QueryLanguageTest, AnOlderIndexIsSearchedAndRepaired) {
  const std::string dir = temp_dir("query_language_old") + "/index";
  std::filesystem::copy(index_dir_, dir, std::filesystem::copy_options::recursive);
  {
    auto x = storage::XapianIndex::open(dir + "/lexical", storage::XapianIndex::Mode::kWritable);
    ASSERT_TRUE(x.is_ok()) << x.status().to_string();
    ASSERT_TRUE(x.value()->set_metadata("kbseek.fields", "").is_ok());  // as an older kbseek left it
    ASSERT_TRUE(x.value()->commit().is_ok());
  }
  auto run = [&](const std::string& q) {
    CommandResult r = run_kbseek({"search", "--index", dir, "--json", "--mode", "bm25", "-k", "20", q});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
  };
  json before = run("\"vector database\"");
  EXPECT_EQ(result_ids(before).size(), 11u);  // the legal ones too: their words, out of order
  ASSERT_TRUE(before.contains("warnings")) << before.dump();
  EXPECT_NE(before["warnings"][0].get<std::string>().find("--repair"), std::string::npos);
  CommandResult check = run_kbseek({"check", "--index", dir});
  EXPECT_EQ(check.exit_code, 1);
  EXPECT_NE(check.out.find("made before word positions"), std::string::npos) << check.out;
  CommandResult repair = run_kbseek({"check", "--index", dir, "--repair"});
  EXPECT_EQ(repair.exit_code, 0) << repair.out << repair.err;
  json after = run("\"vector database\" dept:finance");
  EXPECT_EQ(result_ids(after).size(), 6u) << after.dump();
  EXPECT_FALSE(after.contains("warnings")) << after.dump();
}

}  // namespace
}  // namespace kbseek::testing
