// The LLM re-ranking stage end to end with the real binary, the installed
// qwen2.5-0.5b-instruct and the bundled sample: the CLI and HTTP report what
// was re-ranked and explain each hit's LLM and fused scores; weight 0 keeps
// the first stage's order; a tiny budget re-ranks few and still answers; a
// missing model falls back to the first stage's order with a warning, never
// an error. Suites named Rerank* need the model (label `data`).
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/app/cli_test_util.h"

namespace kbseek::testing {
namespace {

using nlohmann::json;

const std::string kSample = KBSEEK_SOURCE_DIR "/app/sample/bilingual_sample.jsonl";
const std::string kModel = "qwen2.5-0.5b-instruct";

class RerankTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    index_dir_ = temp_dir("rerank") + "/index";
    CommandResult r = run_kbseek({"index", "--index", index_dir_, kSample});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static json search(std::vector<std::string> extra, const std::string& query) {
    // The 0.5B model's measured default weight is 0 (SearchServiceOptions::
    // llm_weights); these tests exercise the stage at the 1.5B's default.
    std::vector<std::string> args = {
        "search", "--index", index_dir_, "--json", "--explain", "-k", "5", "--rerank-default-weight", "0.2"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(query);
    CommandResult r = run_kbseek(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
  }
  static std::vector<std::string> ids(const json& resp) { return result_ids(resp); }
  static const json* explain(const json& hit, const std::string& source) {
    for (const auto& e : hit.at("explain"))
      if (e.at("source") == source) return &e;
    return nullptr;
  }
  static std::string index_dir_;
};
std::string RerankTest::index_dir_;

TEST_F(RerankTest, CliReranksTheTopAndExplainsEveryHit) {
  const json plain = search({}, "how do I reset my VPN password");
  const json r = search({"--rerank", kModel, "--rerank-k", "8"}, "how do I reset my VPN password");
  ASSERT_TRUE(r.contains("rerank")) << r.dump();
  EXPECT_EQ(r["rerank"]["model"], kModel);
  EXPECT_EQ(r["rerank"]["candidates"], 8);
  EXPECT_EQ(r["rerank"]["reranked"], 8);
  EXPECT_FALSE(r["rerank"].contains("warning")) << r.dump();
  ASSERT_EQ(r["results"].size(), 5u);
  double last = 2;
  for (const auto& hit : r["results"]) {
    const json* llm = explain(hit, "llm");
    const json* fused = explain(hit, "llm:fused");
    ASSERT_NE(llm, nullptr) << hit.dump();
    ASSERT_NE(fused, nullptr) << hit.dump();
    EXPECT_LE(fused->at("score").get<double>(), last) << "hits in fused order";
    last = fused->at("score");
  }
  // The re-ranked five come from the first stage's top eight.
  CommandResult w8 =
      run_kbseek({"search", "--index", index_dir_, "--json", "-k", "8", "how do I reset my VPN password"});
  ASSERT_EQ(w8.exit_code, 0) << w8.err;
  const json wide = json::parse(w8.out);
  ASSERT_EQ(wide["results"].size(), 8u);
  for (const auto& id : ids(r)) {
    const auto w = ids(wide);
    EXPECT_NE(std::find(w.begin(), w.end(), id), w.end()) << id;
  }
  EXPECT_EQ(plain.contains("rerank"), false);
}

TEST_F(RerankTest, WeightZeroKeepsTheFirstStageOrder) {
  const std::string q = "差旅费用怎么报销";
  const json plain = search({}, q);
  const json r = search({"--rerank", kModel, "--rerank-weight", "0"}, q);
  EXPECT_EQ(r["rerank"]["reranked"], 0);  // nothing to move: the model is not run
  EXPECT_EQ(r["rerank"]["candidates"], 10);
  EXPECT_EQ(r["rerank"]["weight"], 0.0);
  EXPECT_EQ(ids(r), ids(plain));
}

// Across languages the default weight follows the share of candidates in the
// query's language: a Chinese question over English passages keeps the
// first stage's order and does not run the model; an explicit weight does.
TEST_F(RerankTest, AcrossLanguagesTheDefaultWeightFollowsThePassages) {
  const std::string dir = temp_dir("rerank_en");
  write_sample_half(dir + "/en.jsonl", /*chinese=*/false);
  CommandResult ix = run_kbseek({"index", "--index", dir + "/index", dir + "/en.jsonl"});
  ASSERT_EQ(ix.exit_code, 0) << ix.err;
  auto run = [&](std::vector<std::string> extra) {
    std::vector<std::string> args = {
        "search", "--index", dir + "/index", "--json", "-k", "3", "--rerank-default-weight", "0.2"};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back("如何重置VPN密码");
    CommandResult r = run_kbseek(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
  };
  const json plain = run({});
  const json r = run({"--rerank", kModel});
  EXPECT_EQ(r["rerank"]["weight"], 0.0) << r.dump();
  EXPECT_EQ(r["rerank"]["reranked"], 0) << r.dump();
  ASSERT_TRUE(r["rerank"].contains("note")) << r.dump();
  EXPECT_NE(r["rerank"]["note"].get<std::string>().find("query's language"), std::string::npos);
  EXPECT_EQ(ids(r), ids(plain));
  const json forced = run({"--rerank", kModel, "--rerank-weight", "0.5", "--rerank-k", "3"});
  EXPECT_EQ(forced["rerank"]["weight"], 0.5);
  EXPECT_EQ(forced["rerank"]["reranked"], 3) << forced.dump();
  // Same language: the default weight as it is.
  const json en = search({"--rerank", kModel, "--rerank-k", "2"}, "how do I reset my VPN password");
  EXPECT_GT(en["rerank"]["weight"].get<double>(), 0) << en.dump();
}

// Without --rerank-default-weight the 0.5B model's measured default (0)
// holds: the first stage's order, the model not run, and a note saying why;
// a request's own weight still runs it.
TEST_F(RerankTest, TheSmallModelsMeasuredDefaultKeepsTheFirstStage) {
  const std::string q = "how do I reset my VPN password";
  CommandResult r = run_kbseek({"search", "--index", index_dir_, "--json", "-k", "5", "--rerank", kModel, q});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json j = json::parse(r.out);
  EXPECT_EQ(j["rerank"]["weight"], 0.0) << r.out;
  EXPECT_EQ(j["rerank"]["reranked"], 0) << r.out;
  EXPECT_NE(j["rerank"]["note"].get<std::string>().find("measured default weight is 0"), std::string::npos) << r.out;
  CommandResult first = run_kbseek({"search", "--index", index_dir_, "--json", "-k", "5", q});
  EXPECT_EQ(result_ids(j), result_ids(json::parse(first.out)));
  CommandResult asked = run_kbseek({"search", "--index", index_dir_, "--json", "-k", "5", "--rerank", kModel,
                                    "--rerank-weight", "0.3", "--rerank-k", "3", q});
  ASSERT_EQ(asked.exit_code, 0) << asked.err;
  EXPECT_EQ(json::parse(asked.out)["rerank"]["reranked"], 3) << asked.out;
}

TEST_F(RerankTest, TinyBudgetReranksFewAndStillAnswers) {
  const std::string q = "how do I reset my VPN password";
  const json plain = search({}, q);
  const json r = search({"--rerank", kModel, "--rerank-budget-ms", "1"}, q);
  EXPECT_LT(r["rerank"]["reranked"].get<int>(), 10) << r.dump();
  ASSERT_EQ(r["results"].size(), 5u);
  if (r["rerank"]["reranked"] == 0) {
    EXPECT_EQ(ids(r), ids(plain));
  }
}

TEST_F(RerankTest, MissingModelFallsBackWithAWarning) {
  const std::string q = "how do I reset my VPN password";
  const json plain = search({}, q);
  const json r = search({"--rerank", "no-such-llm"}, q);
  EXPECT_EQ(r["rerank"]["reranked"], 0);
  ASSERT_TRUE(r["rerank"].contains("warning")) << r.dump();
  EXPECT_NE(r["rerank"]["warning"].get<std::string>().find("no-such-llm"), std::string::npos) << r.dump();
  EXPECT_EQ(ids(r), ids(plain));
}

TEST_F(RerankTest, BadRerankFlagsAreRefused) {
  CommandResult r = run_kbseek({"search", "--index", index_dir_, "--rerank-k", "5", "vpn"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--rerank-k needs --rerank"), std::string::npos) << r.err;
  r = run_kbseek({"search", "--index", index_dir_, "--rerank", kModel, "--rerank-weight", "2", "vpn"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("[0, 1]"), std::string::npos) << r.err;
  r = run_kbseek({"search", "--index", index_dir_, "--rerank", kModel, "--rerank-passage-tokens", "0", "vpn"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--rerank-passage-tokens"), std::string::npos) << r.err;
}

TEST_F(RerankTest, HttpSearchReranksWithTheServerDefaultAndPerRequestFields) {
  ServerProcess server({"serve", "--index", index_dir_, "--port", "0", "--anonymous-principals", "all-staff",
                        "--rerank", kModel, "--rerank-k", "6", "--rerank-default-weight", "0.2"});
  ASSERT_GT(server.port(), 0) << server.stderr_text();
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_read_timeout(300, 0);
  auto res = cli.Post("/v1/search", json{{"query", "如何重置 VPN 密码"}, {"k", 3}, {"explain", true}}.dump(),
                      "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json j = json::parse(res->body);
  EXPECT_EQ(j["rerank"]["candidates"], 6) << j.dump();
  EXPECT_EQ(j["rerank"]["reranked"], 6) << j.dump();
  ASSERT_EQ(j["results"].size(), 3u);
  EXPECT_NE(explain(j["results"][0], "llm"), nullptr);
  // "rerank": false turns the server's default off for one request.
  res = cli.Post("/v1/search", json{{"query", "如何重置 VPN 密码"}, {"k", 3}, {"rerank", false}}.dump(),
                 "application/json");
  ASSERT_TRUE(res);
  EXPECT_FALSE(json::parse(res->body).contains("rerank")) << res->body;
  // A model that is not installed: still 200, first-stage order, a warning.
  res = cli.Post("/v1/search", json{{"query", "VPN"}, {"k", 3}, {"rerank", "no-such-llm"}}.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_TRUE(json::parse(res->body)["rerank"].contains("warning")) << res->body;
  // Bad fields are the client's error; so is a path where a model's name
  // belongs (no request opens a file of its choosing).
  res = cli.Post("/v1/search", json{{"query", "VPN"}, {"rerank_weight", 3}}.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
  for (const char* path : {"/etc/passwd", "../models/qwen2.5-0.5b-instruct", ".."}) {
    res = cli.Post("/v1/search", json{{"query", "VPN"}, {"rerank", path}}.dump(), "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << path << ": " << res->body;
    res = cli.Post("/v1/rerank", json{{"query", "VPN"}, {"texts", {"a"}}, {"model", path}}.dump(), "application/json");
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, 400) << path << ": " << res->body;
  }
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace kbseek::testing

namespace kbseek::testing {
namespace {

// POST /v1/rerank in Cohere's and TEI's shapes, on the server's default model.
TEST_F(RerankTest, RerankEndpointInCohereAndTeiShapes) {
  ServerProcess server(
      {"serve", "--index", index_dir_, "--port", "0", "--anonymous-principals", "all-staff", "--rerank", kModel});
  ASSERT_GT(server.port(), 0) << server.stderr_text();
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_read_timeout(300, 0);
  const json docs =
      json::array({"The cafeteria serves lunch from 11:30 to 13:30.",
                   "If you forget your VPN password, open the self-service portal and choose Reset password.",
                   {{"text", "Quarterly reports are due on the fifth working day."}}});
  auto res = cli.Post(
      "/v1/rerank",
      json{{"query", "how do I reset my VPN password"}, {"documents", docs}, {"top_n", 2}, {"return_documents", true}}
          .dump(),
      "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  json j = json::parse(res->body);
  EXPECT_EQ(j["model"], kModel);
  EXPECT_EQ(j["reranked"], 3);
  ASSERT_EQ(j["results"].size(), 2u) << j.dump();
  EXPECT_EQ(j["results"][0]["index"], 1) << j.dump();  // even the 0.5B model gets this one
  const double s0 = j["results"][0]["relevance_score"], s1 = j["results"][1]["relevance_score"];
  EXPECT_GE(s0, s1);
  EXPECT_GT(s0, 0.0);
  EXPECT_LT(s0, 1.0);
  EXPECT_EQ(j["results"][0]["document"]["text"], docs[1]);

  res = cli.Post(
      "/v1/rerank",
      json{
          {"query", "how do I reset my VPN password"}, {"texts", json::array({docs[0], docs[1]})}, {"raw_scores", true}}
          .dump(),
      "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  j = json::parse(res->body);
  ASSERT_TRUE(j.is_array()) << j.dump();
  ASSERT_EQ(j.size(), 2u);
  EXPECT_EQ(j[0]["index"], 1);
  EXPECT_LT(j[0]["score"].get<double>(), 0.0) << "raw margins of this model are negative: " << j.dump();

  // Errors: both shapes at once, a model not installed (404), no texts.
  res = cli.Post("/v1/rerank", json{{"query", "q"}, {"texts", {"a"}}, {"documents", {"b"}}}.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
  res = cli.Post("/v1/rerank", json{{"query", "q"}, {"texts", {"a"}}, {"model", "no-such-llm"}}.dump(),
                 "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 404) << res->body;
  res = cli.Post("/v1/rerank", json{{"query", "q"}, {"texts", json::array()}}.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 400) << res->body;
  EXPECT_EQ(server.stop(), 0);
}

// `kbseek rerank` against llama.cpp's margins (the golden file of
// tests/encoder/llm): every passage of two golden queries, plus a line that
// is not UTF-8, in one call. Scores come back one a line in input order,
// each within the decoder's measured tolerance of llama.cpp's (0.25,
// decoder_model_test.cc) and in llama.cpp's order; the bad line is `null`,
// named on stderr, and makes the exit status 1.
TEST_F(RerankTest, RerankCommandScoresStdinLikeLlamaCpp) {
  std::ifstream golden(KBSEEK_SOURCE_DIR "/tests/data/encoder/llm/qwen2.5-0.5b-rerank-golden.jsonl");
  ASSERT_TRUE(golden.good());
  std::map<std::string, std::vector<std::pair<std::string, double>>> by_query;
  std::vector<std::string> order;
  for (std::string line; std::getline(golden, line);) {
    const json j = json::parse(line);
    auto& v = by_query[j.at("query").get<std::string>()];
    if (v.empty()) order.push_back(j.at("query"));
    v.emplace_back(j.at("passage"), j.at("margin").get<double>());
  }
  int checked = 0;
  for (const std::string& query : order) {
    const auto& cases = by_query[query];
    if (cases.size() < 2 || cases[0].second == cases[1].second) continue;
    const std::string in = temp_dir("rerank-cli") + "/passages.txt";
    {
      std::ofstream f(in);
      for (const auto& [passage, margin] : cases) f << passage << "\n";
      f << "bad \xff line\n";
    }
    CommandResult r = run_kbseek({"rerank", "--model", kModel, query}, in);
    EXPECT_EQ(r.exit_code, 1) << r.err;
    EXPECT_NE(r.err.find("stdin:" + std::to_string(cases.size() + 1) + ": invalid UTF-8"), std::string::npos) << r.err;
    std::istringstream out(r.out);
    std::vector<std::string> lines;
    for (std::string l; std::getline(out, l);) lines.push_back(l);
    ASSERT_EQ(lines.size(), cases.size() + 1) << r.out;
    EXPECT_EQ(lines.back(), "null");
    for (size_t i = 0; i < cases.size(); ++i) {
      EXPECT_NEAR(std::stod(lines[i]), cases[i].second, 0.25) << query << " passage " << i;
    }
    EXPECT_EQ(std::stod(lines[0]) > std::stod(lines[1]), cases[0].second > cases[1].second) << query;
    if (++checked == 2) break;
  }
  EXPECT_EQ(checked, 2);
}

TEST_F(RerankTest, RerankCommandBudgetAndErrors) {
  const std::string in = temp_dir("rerank-cli-budget") + "/passages.txt";
  {
    std::ofstream f(in);
    for (int i = 0; i < 40; ++i) f << "Passage number " << i << " about VPN passwords and the self-service portal.\n";
  }
  // A 1 ms budget cannot hold the prefix: lines come back, unscored.
  CommandResult r = run_kbseek({"rerank", "--model", kModel, "--budget-ms", "1", "reset VPN password"}, in);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 40) << r.out;
  EXPECT_NE(r.err.find("not scored within --budget-ms 1"), std::string::npos) << r.err;

  r = run_kbseek({"rerank", "--model", "no-such-llm", "q"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no-such-llm"), std::string::npos) << r.err;
  r = run_kbseek({"rerank", "--model", kModel});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("usage: kbseek rerank"), std::string::npos) << r.err;
  r = run_kbseek({"rerank", "--model", kModel, "--passage-tokens", "0", "q"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--passage-tokens"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace kbseek::testing
