// Ranking beyond relevance end to end: freshness (asked for, and implied by
// "最新"/"latest"), boosts, MMR diversity and the cap per group, from the
// command line, per index (ranking.json) and per request over HTTP, each
// shown in explain output.
#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "tests/app/cli_test_util.h"

namespace kbseek::testing {
namespace {

using nlohmann::json;

std::string days_ago(int days) {
  const auto t = std::chrono::system_clock::now() - std::chrono::hours(24 * days);
  const std::time_t tt = std::chrono::system_clock::to_time_t(t);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", std::gmtime(&tt));
  return buf;
}

class RankingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string dir = temp_dir("ranking");
    const std::string corpus = dir + "/corpus.jsonl";
    {
      std::ofstream f(corpus);
      auto doc = [&](const std::string& id, const std::string& text, int age_days, const std::string& source) {
        f << json{{"id", id},
                  {"title", ""},
                  {"text", text},
                  {"timestamp", days_ago(age_days)},
                  {"metadata", {{"source", source}}}}
                 .dump()
          << "\n";
      };
      // The old policy says "expense policy" most; the 2026 one a little less.
      doc("policy-2019", "Expense policy: the expense policy for travel expense claims and expense limits.", 2000,
          "handbook");
      doc("policy-new", "Expense policy update: travel expense claims now need receipts.", 5, "handbook");
      // Three wiki pages that say one thing (worded apart, so that duplicate
      // detection keeps them) and one mail, all about expense claims.
      doc("wiki-0", "How to file an expense claim for travel: expense claims step by step.", 400, "wiki");
      doc("wiki-1", "How to file a travel expense claim: the expense claim, step by step.", 410, "wiki");
      doc("wiki-2", "How you file your expense claim for travel, step by step.", 420, "wiki");
      doc("mail-1", "Reminder: file your travel expense claims before Friday.", 30, "mail");
    }
    index_dir_ = dir + "/index";
    CommandResult r = run_kbseek({"index", "--index", index_dir_, "--models", "all-minilm-l6-v2", corpus});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static json search(const std::string& query, std::vector<std::string> flags, const std::string& index = "") {
    std::vector<std::string> args = {"search", "--index", index.empty() ? index_dir_ : index, "--json", "--explain"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(query);
    CommandResult r = run_kbseek(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return r.exit_code == 0 ? json::parse(r.out) : json::object();
  }
  static bool explained(const json& result, const std::string& source) {
    for (const auto& e : result["explain"])
      if (e["source"].get<std::string>().rfind(source, 0) == 0) return true;
    return false;
  }
  static std::string index_dir_;
};
std::string RankingTest::index_dir_;

TEST_F(RankingTest, FreshnessWhenAskedForAndWhenTheQueryWantsRecentThings) {
  EXPECT_EQ(result_ids(search("expense policy", {"-k", "2", "--mode", "bm25"}))[0], "policy-2019");
  json fresh = search("expense policy", {"-k", "2", "--mode", "bm25", "--freshness", "0.5", "--half-life-days", "90"});
  EXPECT_EQ(result_ids(fresh)[0], "policy-new") << fresh.dump();
  EXPECT_TRUE(explained(fresh["results"][0], "freshness"));
  // "latest" asks for it: the default recent weight applies.
  EXPECT_EQ(result_ids(search("latest expense policy", {"-k", "2", "--mode", "bm25"}))[0], "policy-new");
  // An index can turn that off.
  EXPECT_EQ(result_ids(search("latest expense policy", {"-k", "2", "--mode", "bm25", "--recent-weight", "0"}))[0],
            "policy-2019");
}

TEST_F(RankingTest, DiversityAndTheCapPerGroup) {
  auto wiki_in_top = [](const json& j, size_t n) {
    int count = 0;
    const auto ids = result_ids(j);
    for (size_t i = 0; i < ids.size() && i < n; ++i) count += ids[i].rfind("wiki-", 0) == 0;
    return count;
  };
  json plain = search("file a travel expense claim", {"-k", "4"});
  EXPECT_EQ(wiki_in_top(plain, 3), 3) << plain.dump();
  json mmr = search("file a travel expense claim", {"-k", "4", "--mmr-lambda", "0.3"});
  EXPECT_LE(wiki_in_top(mmr, 3), 1) << mmr.dump();
  EXPECT_TRUE(explained(mmr["results"][1], "diversity:mmr"));
  json capped = search("file a travel expense claim", {"-k", "6", "--group-by", "source:1"});
  const auto ids = result_ids(capped);
  EXPECT_EQ(ids.size(), 3u) << capped.dump();  // one per source: wiki, mail, handbook
  EXPECT_EQ(wiki_in_top(capped, 6), 1);
}

TEST_F(RankingTest, BoostsAndBadOptions) {
  json boosted = search("expense claims", {"-k", "1", "--boost", "source:mail=5"});
  EXPECT_EQ(result_ids(boosted), std::vector<std::string>{"mail-1"});
  EXPECT_TRUE(explained(boosted["results"][0], "boost:source=mail"));
  for (const std::vector<std::string>& bad : {std::vector<std::string>{"--freshness", "1.5"},
                                              {"--group-by", "source"},
                                              {"--boost", "source=mail"},
                                              {"--mmr-lambda", "2"}}) {
    std::vector<std::string> args = {"search", "--index", index_dir_};
    args.insert(args.end(), bad.begin(), bad.end());
    args.push_back("expense");
    CommandResult r = run_kbseek(args);
    EXPECT_NE(r.exit_code, 0) << bad[0];
    EXPECT_NE(r.err.find(bad[0].substr(2, 5)), std::string::npos) << r.err;
  }
}

TEST_F(RankingTest, PerIndexAndPerRequestOverHttp) {
  // The index's own ranking: one result per source.
  const std::string idx = temp_dir("ranking_idx") + "/index";
  std::filesystem::copy(index_dir_, idx, std::filesystem::copy_options::recursive);
  std::ofstream(idx + "/ranking.json") << R"({"group_field": "source", "max_per_group": 1})";
  EXPECT_EQ(result_ids(search("file a travel expense claim", {"-k", "6"}, idx)).size(), 3u);

  ServerProcess server({"serve", "--index", idx, "--port", "0"});
  httplib::Client cli("127.0.0.1", server.port());
  auto post = [&](const json& body) {
    auto res = cli.Post("/v1/search", body.dump(), "application/json");
    EXPECT_TRUE(res);
    return res ? std::make_pair(res->status, json::parse(res->body)) : std::make_pair(0, json());
  };
  auto [s1, j1] = post({{"query", "file a travel expense claim"}, {"k", 6}});
  EXPECT_EQ(s1, 200);
  EXPECT_EQ(result_ids(j1).size(), 3u);
  // A request lifts the cap and asks for freshness instead.
  auto [s2, j2] = post({{"query", "expense policy"},
                        {"k", 6},
                        {"mode", "bm25"},
                        {"explain", true},
                        {"ranking", {{"max_per_group", 0}, {"freshness_weight", 0.5}, {"half_life_days", 90}}}});
  EXPECT_EQ(s2, 200) << j2.dump();
  EXPECT_EQ(result_ids(j2)[0], "policy-new");
  EXPECT_GT(result_ids(j2).size(), 3u);
  auto [s3, j3] = post({{"query", "expense"}, {"ranking", {{"mmr_lamda", 0.5}}}});
  EXPECT_EQ(s3, 400);
  EXPECT_NE(j3["error"]["message"].get<std::string>().find("unknown ranking option \"mmr_lamda\""), std::string::npos);
  auto get = cli.Get("/v1/search?q=expense+policy&k=6&mode=bm25&freshness_weight=0.5&max_per_group=0");
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 200) << get->body;
  EXPECT_EQ(result_ids(json::parse(get->body))[0], "policy-new");
}

}  // namespace
}  // namespace kbseek::testing
