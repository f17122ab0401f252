// Pages and facets over HTTP on the real binary: pages of k concatenate to
// the one long ranking, `more` ends on the last, and facet counts are the
// counts of the documents' own fields (read back from the corpus file) over
// the ranking the caller gets.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "tests/app/cli_test_util.h"

namespace kbseek::testing {
namespace {

using nlohmann::json;

const char* kSample = KBSEEK_SOURCE_DIR "/app/sample/bilingual_sample.jsonl";

class PagingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    index_dir_ = temp_dir("paging") + "/index";
    CommandResult r = run_kbseek({"index", "--index", index_dir_, kSample});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static std::string index_dir_;
};
std::string PagingTest::index_dir_;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST_F(PagingTest, PagesConcatenateAndFacetsCountTheRanking) {
  ServerProcess server({"serve", "--index", index_dir_, "--port", "0", "--anonymous-principals", "all-staff"});
  ASSERT_GT(server.port(), 0) << server.stderr_text();
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_read_timeout(60, 0);
  auto post = [&](const json& body, int want_status = 200) {
    auto res = cli.Post("/v1/search", body.dump(), "application/json");
    EXPECT_TRUE(res);
    if (!res) return json();
    EXPECT_EQ(res->status, want_status) << body.dump() << " -> " << res->body;
    return json::parse(res->body);
  };
  const std::string q = "policy 政策 password";
  const json all = post({{"query", q}, {"k", 30}});
  const auto everything = result_ids(all);
  ASSERT_EQ(everything.size(), 30u) << all.dump();
  EXPECT_FALSE(all["more"].get<bool>());
  std::vector<std::string> paged;
  for (int offset = 0; offset < 30; offset += 7) {
    const json page = post({{"query", q}, {"k", 7}, {"offset", offset}});
    const auto ids = result_ids(page);
    paged.insert(paged.end(), ids.begin(), ids.end());
    EXPECT_EQ(page["more"].get<bool>(), offset + 7 < 30) << offset;
  }
  EXPECT_EQ(paged, everything);
  // GET takes offset too.
  auto get = cli.Get("/v1/search?q=policy&k=3&offset=3");
  ASSERT_TRUE(get);
  const auto six = result_ids(post({{"query", "policy"}, {"k", 6}}));
  ASSERT_EQ(six.size(), 6u);
  EXPECT_EQ(result_ids(json::parse(get->body)), std::vector<std::string>(six.begin() + 3, six.end()));

  // Facets: the fields of the ranked documents, counted.
  std::map<std::string, json> corpus;
  {
    std::ifstream f(kSample);
    for (std::string line; std::getline(f, line);)
      if (!line.empty()) {
        json d = json::parse(line);
        corpus[d["id"].get<std::string>()] = d;
      }
  }
  const json faceted = post({{"query", q}, {"k", 3}, {"facets", {"dept", "year", "lang"}}});
  EXPECT_EQ(result_ids(faceted).size(), 3u);
  std::map<std::string, int> dept, year;
  for (const auto& id : everything) {
    dept[lower(corpus[id]["metadata"]["dept"].get<std::string>())]++;
    year[corpus[id]["timestamp"].get<std::string>().substr(0, 4)]++;
  }
  std::map<std::string, int> got_dept, got_year;
  int langs = 0, previous = 1 << 30;
  for (const auto& c : faceted["facets"]["dept"]) {
    got_dept[c["value"]] = c["count"];
    EXPECT_LE(c["count"].get<int>(), previous) << "largest first";
    previous = c["count"].get<int>();
  }
  for (const auto& c : faceted["facets"]["year"]) got_year[c["value"]] = c["count"];
  for (const auto& c : faceted["facets"]["lang"]) {
    langs += c["count"].get<int>();
    EXPECT_TRUE(c["value"] == "zh" || c["value"] == "en" || c["value"] == "mixed") << c.dump();
  }
  EXPECT_EQ(got_dept, dept) << faceted["facets"].dump();
  EXPECT_EQ(got_year, year) << faceted["facets"].dump();
  EXPECT_EQ(langs, 30);
  // A facet's value as a filter narrows the ranking to it (query language).
  const json finance = post({{"query", q + " dept:finance"}, {"k", 10}, {"facets", {"dept"}}});
  EXPECT_EQ(result_ids(finance).size(), static_cast<size_t>(dept["finance"]));
  ASSERT_EQ(finance["facets"]["dept"].size(), 1u) << finance.dump();
  EXPECT_EQ(finance["facets"]["dept"][0]["value"], "finance");
  auto get_facets = cli.Get("/v1/search?q=policy&k=2&facets=dept,year");
  ASSERT_TRUE(get_facets);
  EXPECT_TRUE(json::parse(get_facets->body)["facets"].contains("year")) << get_facets->body;

  // The command line pages and counts the same way.
  CommandResult cli_page = run_kbseek({"search", "--index", index_dir_, "--principals", "all-staff", "--json", "-k",
                                       "7", "--offset", "7", "--facets", "dept,year", q});
  ASSERT_EQ(cli_page.exit_code, 0) << cli_page.err;
  const json cj = json::parse(cli_page.out);
  EXPECT_EQ(result_ids(cj), std::vector<std::string>(everything.begin() + 7, everything.begin() + 14));
  EXPECT_TRUE(cj["more"].get<bool>());
  EXPECT_EQ(cj["facets"]["dept"], faceted["facets"]["dept"]);
  CommandResult cli_text =
      run_kbseek({"search", "--index", index_dir_, "--principals", "all-staff", "-k", "2", "--offset", "28", q});
  ASSERT_EQ(cli_text.exit_code, 0) << cli_text.err;
  EXPECT_NE(cli_text.out.find("29. ["), std::string::npos) << "numbered by rank: " << cli_text.out;

  // /v1/stats names what a page can filter and count on.
  auto stats = cli.Get("/v1/stats");
  ASSERT_TRUE(stats);
  ASSERT_EQ(stats->status, 200) << stats->body;
  const json s = json::parse(stats->body);
  EXPECT_EQ(s["documents"], 30);
  EXPECT_EQ(s["fields"]["dept"], "text") << stats->body;
  EXPECT_EQ(s["facets"], json({"lang", "year", "dept"})) << stats->body;

  // Bad pages and facets are 400s naming the field.
  for (const json& bad : {json{{"query", q}, {"offset", -1}}, json{{"query", q}, {"k", 10}, {"offset", 995}},
                          json{{"query", q}, {"offset", "2"}}, json{{"query", q}, {"facets", "dept"}},
                          json{{"query", q}, {"facets", {"a", "b", "c", "d", "e", "f", "g", "h", "i"}}},
                          json{{"query", q}, {"facets", {"dept", "DEPT"}}}}) {
    const json err = post(bad, 400);
    EXPECT_TRUE(err.contains("error")) << err.dump();
  }
}

}  // namespace
}  // namespace kbseek::testing
