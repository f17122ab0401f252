// End to end across languages: the bundled sample split into its English
// and its Chinese half, each indexed with the English model and the
// multilingual one, served over HTTP on a loopback port. A Chinese question
// must find the English document and an English question the Chinese one.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/app/cli_test_util.h"

namespace kbseek::testing {
namespace {

using nlohmann::json;

const std::string kModels = "all-minilm-l6-v2,use-m3";

class CrossLingualTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string dir = temp_dir("cross_lingual");
    for (bool chinese : {false, true}) {
      const std::string corpus = dir + (chinese ? "/zh.jsonl" : "/en.jsonl");
      write_sample_half(corpus, chinese);
      std::string& index = chinese ? zh_index_ : en_index_;
      index = dir + (chinese ? "/zh" : "/en");
      CommandResult r = run_kbseek({"index", "--index", index, "--models", kModels, corpus});
      ASSERT_EQ(r.exit_code, 0) << r.err;
    }
  }
  static std::string en_index_, zh_index_;
};
std::string CrossLingualTest::en_index_, CrossLingualTest::zh_index_;

json post(httplib::Client& cli, const json& body) {
  auto res = cli.Post("/v1/search", body.dump(), "application/json");
  EXPECT_TRUE(res);
  if (!res) return json::object();
  EXPECT_EQ(res->status, 200) << res->body;
  return json::parse(res->body);
}

TEST_F(CrossLingualTest, ChineseQuestionsFindEnglishDocumentsOverHttp) {
  ServerProcess server(
      {"serve", "--index", en_index_, "--host", "127.0.0.1", "--port", "0", "--anonymous-principals", "all-staff"});
  ASSERT_GT(server.port(), 0) << server.stderr_text();
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_read_timeout(60, 0);
  struct Case {
    std::string query, top;
  };
  for (const Case& c : {Case{"忘记了VPN密码怎么办", "kb-001"}, Case{"差旅费用报销政策", "kb-003"},
                        Case{"全职员工每年有多少天年假", "kb-005"}, Case{"成人应该接种哪些疫苗", "kb-029"}}) {
    json j = post(cli, {{"query", c.query}, {"k", 3}, {"explain", true}});
    ASSERT_FALSE(j["results"].empty()) << c.query;
    EXPECT_EQ(j["results"][0]["id"], c.top) << c.query << " -> " << j.dump();
  }
  // The English-only model cannot read these questions: its list carries no weight.
  json j = post(cli, {{"query", "忘记了VPN密码怎么办"}, {"k", 1}, {"explain", true}});
  for (const auto& s : j["results"][0]["explain"]) {
    if (s["source"] == "dense:all-minilm-l6-v2") {
      EXPECT_LT(s["weight"].get<double>(), 0.05) << j.dump();
    }
  }
  // Without the multilingual model the same question does not reach the English page.
  json english_only = post(cli, {{"query", "差旅费用报销政策"}, {"k", 3}, {"models", {"all-minilm-l6-v2"}}});
  for (const auto& r : english_only["results"]) {
    EXPECT_NE(r["id"], "kb-003") << english_only.dump();
  }
  EXPECT_EQ(server.stop(), 0);
}

TEST_F(CrossLingualTest, EnglishQuestionsFindChineseDocumentsOverHttp) {
  ServerProcess server(
      {"serve", "--index", zh_index_, "--host", "127.0.0.1", "--port", "0", "--anonymous-principals", "all-staff"});
  ASSERT_GT(server.port(), 0) << server.stderr_text();
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_read_timeout(60, 0);
  struct Case {
    std::string query, top;
  };
  for (const Case& c : {Case{"how do I reset my VPN password", "kb-002"},
                        Case{"how many days of annual leave do full-time staff get", "kb-006"},
                        Case{"first-line treatment for high blood pressure", "kb-014"}}) {
    json j = post(cli, {{"query", c.query}, {"k", 3}});
    ASSERT_FALSE(j["results"].empty()) << c.query;
    EXPECT_EQ(j["results"][0]["id"], c.top) << c.query << " -> " << j.dump();
  }
  auto bad = cli.Post("/v1/search", json{{"query", "vpn"}, {"models", {"no-such-model"}}}.dump(), "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_NE(bad->body.find("no-such-model"), std::string::npos) << bad->body;
  EXPECT_EQ(server.stop(), 0);
}

}  // namespace
}  // namespace kbseek::testing
