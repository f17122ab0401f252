// End to end: the real kbseek binary indexes the bundled bilingual sample
// with the real default model, answers on the CLI, and serves HTTP on a
// loopback port, queried in Chinese, English and mixed text.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/app/cli_test_util.h"

namespace kbseek::testing {
namespace {

using nlohmann::json;

const std::string kSample = KBSEEK_SOURCE_DIR "/app/sample/bilingual_sample.jsonl";
const std::string kBadLines = KBSEEK_SOURCE_DIR "/tests/data/indexer/bad_lines.jsonl";

class EndToEndTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    index_dir_ = temp_dir("e2e") + "/index";
    CommandResult r = run_kbseek({"index", "--index", index_dir_, kSample});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_NE(r.err.find("indexed 30 documents"), std::string::npos) << r.err;
  }
  static json search(const std::string& query, const std::string& mode = "hybrid") {
    CommandResult r = run_kbseek({"search", "--index", index_dir_, "--json", "-k", "5", "--mode", mode, query});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
  }
  static std::vector<std::string> ids(const json& resp) { return result_ids(resp); }
  static std::string index_dir_;
};
std::string EndToEndTest::index_dir_;

TEST_F(EndToEndTest, StatsCountDocumentsAndChunks) {
  CommandResult r = run_kbseek({"stats", "--index", index_dir_, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j.at("documents"), 30);
  EXPECT_GE(j.at("chunks").get<int>(), 30);
}

TEST_F(EndToEndTest, CliSearchInEnglishChineseAndMixed) {
  json en = search("how do I reset my VPN password");
  ASSERT_FALSE(en.at("results").empty());
  EXPECT_EQ(en["results"][0]["id"], "kb-001") << en.dump();
  for (const char* key : {"id", "title", "snippet", "score"}) EXPECT_TRUE(en["results"][0].contains(key)) << key;
  EXPECT_TRUE(en.contains("took_ms"));

  json zh = search("差旅费用怎么报销");
  ASSERT_FALSE(zh.at("results").empty());
  EXPECT_EQ(zh["results"][0]["id"], "kb-004") << zh.dump();

  json mixed = search("CUDA 工具包 安装");
  auto m = ids(mixed);
  ASSERT_FALSE(m.empty());
  EXPECT_EQ(m[0], "kb-008") << mixed.dump();

  json bm25 = search("备份", "bm25");
  EXPECT_EQ(ids(bm25).at(0), "kb-010") << bm25.dump();
  json dense = search("What is the first medicine for type 2 diabetes?", "dense");
  EXPECT_EQ(ids(dense).at(0), "kb-015") << dense.dump();
}

TEST_F(EndToEndTest, TraditionalChineseDocumentIsFound) { EXPECT_EQ(ids(search("資料庫連線逾時")).at(0), "kb-025"); }

// A simplified, mainland-phrased question finds the traditional page through
// folding, and its snippet marks the page's own words for it (数据库 -> 資料庫).
TEST_F(EndToEndTest, SnippetsMarkTheOtherScriptsWords) {
  json j = search("数据库连接超时", "bm25");
  ASSERT_EQ(ids(j).at(0), "kb-025") << j.dump();
  const std::string snippet = j["results"][0]["snippet"];
  std::vector<size_t> starts;  // byte offset of each code point
  for (size_t i = 0; i < snippet.size();) {
    starts.push_back(i);
    const unsigned char c = snippet[i];
    i += c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
  }
  std::vector<std::string> marked;
  for (const auto& span : j["results"][0]["highlights"]) {
    const size_t a = span[0], b = span[1];
    ASSERT_LT(a, b);
    ASSERT_LE(b, starts.size());
    const size_t to = b < starts.size() ? starts[b] : snippet.size();
    marked.push_back(snippet.substr(starts[a], to - starts[a]));
  }
  EXPECT_NE(std::find(marked.begin(), marked.end(), "資料庫"), marked.end()) << j["results"][0].dump();
}

TEST_F(EndToEndTest, BadLinesAreReportedAndValidLinesIndexed) {
  std::string dir = temp_dir("e2e_bad") + "/index";
  CommandResult r = run_kbseek({"index", "--index", dir, kBadLines});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find(kBadLines + ":3: invalid JSON"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(kBadLines + ":4: missing required field \"text\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(kBadLines + ":15: invalid UTF-8"), std::string::npos) << r.err;
  CommandResult s = run_kbseek({"stats", "--index", dir, "--json"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(json::parse(s.out).at("documents"), 4);
}

TEST_F(EndToEndTest, ReindexingAnIdReplacesIt) {
  std::string dir = temp_dir("e2e_replace");
  std::string v1 = dir + "/v1.jsonl", v2 = dir + "/v2.jsonl";
  std::ofstream(v1) << R"({"id":"d1","title":"Pets","text":"The office allows small dogs on Fridays."})"
                    << "\n"
                    << R"({"id":"d2","title":"Parking","text":"Parking permits are issued by facilities."})"
                    << "\n";
  std::ofstream(v2) << R"({"id":"d1","title":"Pets","text":"猫咪现在也可以在周五带到办公室。"})"
                    << "\n";
  ASSERT_EQ(run_kbseek({"index", "--index", dir + "/idx", v1}).exit_code, 0);
  CommandResult again = run_kbseek({"index", "--index", dir + "/idx", v1});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("2 unchanged"), std::string::npos) << again.err;
  ASSERT_EQ(run_kbseek({"index", "--index", dir + "/idx", v2}).exit_code, 0);
  CommandResult s = run_kbseek({"stats", "--index", dir + "/idx", "--json"});
  EXPECT_EQ(json::parse(s.out).at("documents"), 2);
  CommandResult old_text = run_kbseek({"search", "--index", dir + "/idx", "--json", "--mode", "bm25", "dogs"});
  EXPECT_TRUE(json::parse(old_text.out).at("results").empty()) << old_text.out;
  CommandResult new_text = run_kbseek({"search", "--index", dir + "/idx", "--json", "--mode", "bm25", "猫咪"});
  EXPECT_EQ(json::parse(new_text.out)["results"][0]["id"], "d1") << new_text.out;
}

TEST_F(EndToEndTest, HttpApiAnswersAndSurvivesBadRequests) {
  ServerProcess server(
      {"serve", "--index", index_dir_, "--host", "127.0.0.1", "--port", "0", "--anonymous-principals", "all-staff"});
  ASSERT_GT(server.port(), 0) << server.stderr_text();
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_read_timeout(60, 0);

  auto health = cli.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(json::parse(health->body).at("documents"), 30);

  auto page = cli.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("<form"), std::string::npos);

  struct Case {
    std::string query;
    std::string top;
  };
  for (const Case& c : {Case{"差旅费用怎么报销", "kb-004"}, Case{"how do I reset my VPN password", "kb-001"},
                        Case{"CUDA 工具包 安装", "kb-008"}}) {
    auto res = cli.Post("/v1/search", json{{"query", c.query}, {"k", 3}}.dump(), "application/json");
    ASSERT_TRUE(res) << c.query;
    ASSERT_EQ(res->status, 200) << res->body;
    json j = json::parse(res->body);
    ASSERT_LE(j.at("results").size(), 3u);
    EXPECT_EQ(j["results"][0]["id"], c.top) << c.query << " -> " << res->body;
    EXPECT_TRUE(j.contains("took_ms"));
  }

  auto bad_json = cli.Post("/v1/search", "{not json", "application/json");
  ASSERT_TRUE(bad_json);
  EXPECT_EQ(bad_json->status, 400);
  EXPECT_TRUE(json::parse(bad_json->body).contains("error"));

  auto bad_utf8 = cli.Post("/v1/search", "{\"query\":\"caf\xe9\"}", "application/json");
  ASSERT_TRUE(bad_utf8);
  EXPECT_EQ(bad_utf8->status, 400) << bad_utf8->body;
  EXPECT_TRUE(json::parse(bad_utf8->body).contains("error"));

  auto empty = cli.Post("/v1/search", R"({"query":"   "})", "application/json");
  ASSERT_TRUE(empty);
  EXPECT_EQ(empty->status, 400);
  EXPECT_NE(json::parse(empty->body).at("error").at("message").get<std::string>().find("empty"), std::string::npos);

  auto bad_mode = cli.Post("/v1/search", R"({"query":"vpn","mode":"magic"})", "application/json");
  ASSERT_TRUE(bad_mode);
  EXPECT_EQ(bad_mode->status, 400);

  std::string huge = json{{"query", std::string(2 << 20, 'a')}}.dump();
  auto too_big = cli.Post("/v1/search", huge, "application/json");
  ASSERT_TRUE(too_big);
  EXPECT_EQ(too_big->status, 413);
  EXPECT_TRUE(json::parse(too_big->body).contains("error"));

  auto missing = cli.Get("/nope");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);

  // Still up and answering after every bad request.
  auto after = cli.Post("/v1/search", R"({"query":"年假"})", "application/json");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->status, 200);
  EXPECT_EQ(json::parse(after->body)["results"][0]["id"], "kb-006") << after->body;
  EXPECT_TRUE(server.running());
  EXPECT_EQ(server.stop(), 0);
}

TEST_F(EndToEndTest, EvalReportsMetricsAsJson) {
  std::string dir = temp_dir("e2e_eval");
  std::ofstream(dir + "/q.jsonl") << R"({"_id":"q1","text":"怎么重置VPN密码"})"
                                  << "\n"
                                  << R"({"_id":"q2","text":"hotel cost limit for business trips"})"
                                  << "\n";
  std::ofstream(dir + "/qrels.tsv") << "query-id\tcorpus-id\tscore\nq1\tkb-002\t1\nq2\tkb-003\t1\n";
  CommandResult r = run_kbseek(
      {"eval", "--index", index_dir_, "--queries", dir + "/q.jsonl", "--qrels", dir + "/qrels.tsv", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(r.out);
  for (const char* key : {"ndcg@10", "mrr@10", "recall@10", "recall@100", "p50_ms", "p99_ms"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j.at("queries"), 2);
  EXPECT_GT(j.at("ndcg@10").get<double>(), 0.6);
}

TEST_F(EndToEndTest, UsageErrorsNameTheProblem) {
  CommandResult r = run_kbseek({"search", "--index", index_dir_, "--mode", "magic", "x"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("magic"), std::string::npos);
  CommandResult missing = run_kbseek({"stats", "--index", "/nonexistent/index", "--json"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("/nonexistent/index"), std::string::npos) << missing.err;
  CommandResult nprobe = run_kbseek({"search", "--index", index_dir_, "--nprobe", "-3", "vpn"});
  EXPECT_NE(nprobe.exit_code, 0);
  EXPECT_NE(nprobe.err.find("--nprobe"), std::string::npos) << nprobe.err;
  // Accepted on a flat index (it has no lists to probe), answering as before.
  CommandResult ok = run_kbseek(
      {"search", "--index", index_dir_, "--json", "-k", "5", "--nprobe", "8", "how do I reset my VPN password"});
  ASSERT_EQ(ok.exit_code, 0) << ok.err;
  EXPECT_EQ(json::parse(ok.out)["results"][0]["id"], "kb-001");
}

}  // namespace
}  // namespace kbseek::testing
