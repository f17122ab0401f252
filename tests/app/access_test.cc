// Document permissions end to end with the real binary: a corpus where
// finance's and hr's documents outrank the public ones. On every output
// path (CLI text and JSON, HTTP results, explain, the page) a caller sees
// only documents whose acl is empty or names one of its principals, and k
// of them when the index holds k.
#include <gtest/gtest.h>
#include <httplib.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/app/cli_test_util.h"

namespace kbseek::testing {
namespace {

using nlohmann::json;

class AccessTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    const std::string dir = temp_dir("access");
    const std::string corpus = dir + "/corpus.jsonl";
    {
      std::ofstream f(corpus);
      // Restricted documents say "budget" more often (BM25 ranks them first)
      // and are about nothing else (so do the dense models).
      for (int i = 0; i < 12; ++i) {
        f << json{{"id", "fin-" + std::to_string(i)},
                  {"title", "Budget " + std::to_string(i)},
                  {"text", "Budget budget: the finance budget for quarter " + std::to_string(i) +
                               ", budget lines and budget approvals. 预算 预算 预算。"},
                  {"acl", {"finance"}}}
                 .dump()
          << "\n";
      }
      for (int i = 0; i < 3; ++i) {
        f << json{{"id", "hr-" + std::to_string(i)},
                  {"title", "Salary budget " + std::to_string(i)},
                  {"text", "The salary budget budget of team " + std::to_string(i) + ", 薪酬预算。"},
                  {"acl", {"hr", "executives"}}}
                 .dump()
          << "\n";
      }
      for (int i = 0; i < 6; ++i) {
        f << json{{"id", "pub-" + std::to_string(i)},
                  {"title", "Travel note " + std::to_string(i)},
                  {"text", "Office travel note " + std::to_string(i) + " mentions the budget once. 差旅说明。"}}
                 .dump()
          << "\n";
      }
    }
    index_dir_ = dir + "/index";
    CommandResult r = run_kbseek({"index", "--index", index_dir_, corpus});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static json search(const std::vector<std::string>& extra, const std::string& query, int k) {
    std::vector<std::string> args = {"search", "--index", index_dir_, "--json", "--explain", "-k", std::to_string(k)};
    args.insert(args.end(), extra.begin(), extra.end());
    args.push_back(query);
    CommandResult r = run_kbseek(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
  }
  // Whether every id starts with one of `prefixes`.
  static bool only(const std::vector<std::string>& ids, const std::vector<std::string>& prefixes) {
    for (const auto& id : ids) {
      bool ok = false;
      for (const auto& p : prefixes) ok = ok || id.rfind(p, 0) == 0;
      if (!ok) return false;
    }
    return true;
  }
  static std::string index_dir_;
};
std::string AccessTest::index_dir_;

TEST_F(AccessTest, CommandLineSearchesAsTheOperatorOrAsGivenPrincipals) {
  for (const char* mode : {"hybrid", "bm25", "dense"}) {
    // The operator (no --principals) reads everything: finance ranks first.
    const auto all = result_ids(search({"--mode", mode}, "finance budget", 5));
    ASSERT_EQ(all.size(), 5u) << mode;
    EXPECT_FALSE(only(all, {"pub-"})) << mode;
    // Public only: still five results.
    const auto pub = result_ids(search({"--mode", mode, "--principals", ""}, "finance budget", 5));
    EXPECT_EQ(pub.size(), 5u) << mode;
    EXPECT_TRUE(only(pub, {"pub-"})) << mode << ": " << json(pub).dump();
    // hr (one of the two principals of its documents) and the public.
    const auto hr = result_ids(search({"--mode", mode, "--principals", "user:ann, hr"}, "salary budget", 9));
    EXPECT_EQ(hr.size(), 9u) << mode;
    EXPECT_TRUE(only(hr, {"pub-", "hr-"})) << mode << ": " << json(hr).dump();
    EXPECT_FALSE(only(hr, {"pub-"})) << mode;
  }
  // Asking for more than the caller may read gives what it may read.
  EXPECT_EQ(result_ids(search({"--principals", ""}, "budget", 20)).size(), 6u);
  // Plain-text output too.
  CommandResult text = run_kbseek({"search", "--index", index_dir_, "--principals", "", "--explain", "budget"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out.find("fin-"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("Budget "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("pub-"), std::string::npos) << text.out;
}

TEST_F(AccessTest, HttpCallersAreAnonymousUnlessATrustedHeaderSaysOtherwise) {
  ServerProcess server({"serve", "--index", index_dir_, "--port", "0", "--principals-header", "X-Kbseek-Principals"});
  ASSERT_GT(server.port(), 0) << server.stderr_text();
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_read_timeout(60, 0);
  auto post = [&](const json& body, const httplib::Headers& headers) {
    auto res = cli.Post("/v1/search", headers, body.dump(), "application/json");
    EXPECT_TRUE(res);
    EXPECT_EQ(res->status, 200) << res->body;
    return res->body;
  };
  for (const char* mode : {"hybrid", "bm25", "dense"}) {
    const json body = {{"query", "finance budget 预算"}, {"k", 5}, {"mode", mode}, {"explain", true}};
    const std::string anon = post(body, {});
    const auto ids = result_ids(json::parse(anon));
    EXPECT_EQ(ids.size(), 5u) << anon;
    EXPECT_TRUE(only(ids, {"pub-"})) << anon;
    // Nothing of a forbidden document anywhere in the body (ids, titles, snippets, explain).
    EXPECT_EQ(anon.find("fin-"), std::string::npos) << anon;
    EXPECT_EQ(anon.find("quarter"), std::string::npos) << anon;
    const std::string fin = post(body, {{"X-Kbseek-Principals", "finance"}});
    EXPECT_NE(fin.find("fin-"), std::string::npos) << fin;
    EXPECT_EQ(fin.find("hr-"), std::string::npos) << fin;
    // Asked again, each caller gets its own cached answer, never the other's.
    const std::string anon_again = post(body, {});
    EXPECT_NE(anon_again.find("\"cached\":true"), std::string::npos) << anon_again;
    EXPECT_EQ(anon_again.find("fin-"), std::string::npos) << anon_again;
  }
  // Reading a document: the public one for anyone; a forbidden one is 404
  // exactly like one that does not exist (ids cannot be probed).
  auto pub = cli.Get("/v1/documents/pub-1");
  ASSERT_TRUE(pub);
  EXPECT_EQ(pub->status, 200) << pub->body;
  EXPECT_EQ(json::parse(pub->body)["id"], "pub-1");
  auto hidden = cli.Get("/v1/documents/fin-1");
  auto none = cli.Get("/v1/documents/no-such-doc");
  ASSERT_TRUE(hidden && none);
  EXPECT_EQ(hidden->status, 404);
  EXPECT_EQ(hidden->body.find("quarter"), std::string::npos) << hidden->body;
  EXPECT_EQ(none->status, 404);
  auto as_fin = cli.Get("/v1/documents/fin-1", {{"X-Kbseek-Principals", "finance"}});
  ASSERT_TRUE(as_fin);
  EXPECT_EQ(as_fin->status, 200) << as_fin->body;
  EXPECT_NE(as_fin->body.find("quarter 1"), std::string::npos) << as_fin->body;

  // The page is static: it shows what /v1/search returns to the same caller.
  auto page = cli.Get("/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->body.find("fin-"), std::string::npos);
  EXPECT_EQ(server.stop(), 0);

  // Without --principals-header the header is only a header.
  ServerProcess plain({"serve", "--index", index_dir_, "--port", "0"});
  ASSERT_GT(plain.port(), 0) << plain.stderr_text();
  httplib::Client cli2("127.0.0.1", plain.port());
  auto res = cli2.Post("/v1/search", {{"X-Kbseek-Principals", "finance"}},
                       json{{"query", "finance budget"}, {"k", 5}}.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_TRUE(only(result_ids(json::parse(res->body)), {"pub-"})) << res->body;
  // --anonymous-principals grants every caller those principals.
  ServerProcess staff({"serve", "--index", index_dir_, "--port", "0", "--anonymous-principals", "finance"});
  ASSERT_GT(staff.port(), 0) << staff.stderr_text();
  httplib::Client cli3("127.0.0.1", staff.port());
  res = cli3.Post("/v1/search", json{{"query", "finance budget"}, {"k", 5}}.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_NE(res->body.find("fin-"), std::string::npos) << res->body;
}

// `kbseek keys` and `serve --auth`: the key printed on create's last line
// searches as its principals, by either header; no key, a wrong key or a
// revoked key gets 401 with a JSON error; the key never reaches a log.
TEST_F(AccessTest, ApiKeysCarryPrincipalsAndRevocationIsImmediate) {
  // Auth on with no keys refuses to start, naming the command that makes one.
  CommandResult none = run_kbseek({"serve", "--index", index_dir_, "--port", "0", "--auth"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("kbseek keys create"), std::string::npos) << none.err;

  CommandResult made =
      run_kbseek({"keys", "create", "--index", index_dir_, "--role", "reader", "--principals", "finance"});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  std::string key = made.out;
  while (!key.empty() && key.back() == '\n') key.pop_back();
  key = key.substr(key.rfind('\n') == std::string::npos ? 0 : key.rfind('\n') + 1);
  ASSERT_EQ(key.rfind("kbs_", 0), 0u) << made.out;
  const std::string id = key.substr(4, 8);
  CommandResult other = run_kbseek({"keys", "create", "--index", index_dir_, "--role", "admin"});
  ASSERT_EQ(other.exit_code, 0) << other.err;

  CommandResult listed = run_kbseek({"keys", "list", "--index", index_dir_, "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const json keys = json::parse(listed.out);
  ASSERT_EQ(keys.size(), 2u) << listed.out;
  EXPECT_EQ(listed.out.find(key.substr(13)), std::string::npos) << "list shows no secret";
  const json& mine = keys[0]["id"] == id ? keys[0] : keys[1];
  EXPECT_EQ(mine["id"], id);
  EXPECT_EQ(mine["role"], "reader");
  EXPECT_EQ(mine["principals"], json::array({"finance"}));
  EXPECT_EQ(mine["revoked_at"], "");

  // Principals come from keys: the gateway flags are refused with --auth.
  CommandResult mixed = run_kbseek({"serve", "--index", index_dir_, "--auth", "--anonymous-principals", "x"});
  EXPECT_EQ(mixed.exit_code, 2);

  ServerProcess server({"serve", "--index", index_dir_, "--port", "0", "--auth"});
  ASSERT_GT(server.port(), 0) << server.stderr_text();
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_read_timeout(60, 0);
  const std::string body = json{{"query", "finance budget"}, {"k", 5}, {"mode", "bm25"}}.dump();
  auto res = cli.Post("/v1/search", body, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401) << res->body;
  EXPECT_TRUE(json::parse(res->body).contains("error"));
  EXPECT_EQ(res->get_header_value("WWW-Authenticate").rfind("Bearer", 0), 0u);
  res = cli.Post("/v1/search", {{"Authorization", "Bearer " + key.substr(0, key.size() - 1) + "x"}}, body,
                 "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401) << res->body;
  res = cli.Post("/v1/rerank", json{{"query", "q"}, {"texts", {"a"}}}.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401) << res->body;
  for (const httplib::Headers& h :
       {httplib::Headers{{"Authorization", "Bearer " + key}}, httplib::Headers{{"X-API-Key", key}}}) {
    res = cli.Post("/v1/search", h, body, "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
    const auto ids = result_ids(json::parse(res->body));
    EXPECT_EQ(ids.size(), 5u);
    EXPECT_TRUE(only(ids, {"fin-", "pub-"})) << res->body;
    EXPECT_FALSE(only(ids, {"pub-"})) << "the key's principal reads finance: " << res->body;
  }
  EXPECT_EQ(cli.Get("/v1/documents/fin-2", {{"X-API-Key", key}})->status, 200) << "the key reads finance";
  EXPECT_EQ(cli.Get("/v1/documents/hr-0", {{"X-API-Key", key}})->status, 404);
  EXPECT_EQ(cli.Get("/v1/documents/fin-2")->status, 401);
  // The page and /health stay open (the page asks for a key on 401).
  EXPECT_EQ(cli.Get("/health")->status, 200);
  EXPECT_NE(cli.Get("/")->body.find("API key"), std::string::npos);

  // Keys over HTTP, an admin's: a reader key is refused there; the admin
  // lists (no secrets), makes a key that works at once, and revokes it.
  std::string admin_key = other.out;
  while (!admin_key.empty() && admin_key.back() == '\n') admin_key.pop_back();
  admin_key = admin_key.substr(admin_key.rfind('\n') == std::string::npos ? 0 : admin_key.rfind('\n') + 1);
  const httplib::Headers as_admin = {{"Authorization", "Bearer " + admin_key}};
  EXPECT_EQ(cli.Get("/v1/admin/keys", {{"X-API-Key", key}})->status, 403);
  EXPECT_EQ(cli.Get("/v1/admin/keys")->status, 401);
  auto listed_http = cli.Get("/v1/admin/keys", as_admin);
  ASSERT_TRUE(listed_http);
  ASSERT_EQ(listed_http->status, 200) << listed_http->body;
  EXPECT_EQ(json::parse(listed_http->body)["keys"].size(), 2u);
  EXPECT_EQ(listed_http->body.find(key.substr(13)), std::string::npos) << "no secret listed";
  auto made_http =
      cli.Post("/v1/admin/keys", as_admin, json{{"role", "reader"}, {"principals", {"hr"}}}.dump(), "application/json");
  ASSERT_TRUE(made_http);
  ASSERT_EQ(made_http->status, 201) << made_http->body;
  const json fresh = json::parse(made_http->body);
  const std::string hr_key = fresh["key"];
  EXPECT_EQ(fresh["principals"], json::array({"hr"}));
  res = cli.Post("/v1/search", {{"X-API-Key", hr_key}}, json{{"query", "salary budget"}, {"k", 3}}.dump(),
                 "application/json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_TRUE(only(result_ids(json::parse(res->body)), {"hr-", "pub-"})) << res->body;
  EXPECT_EQ(cli.Post("/v1/admin/keys", as_admin, json{{"role", "root"}}.dump(), "application/json")->status, 400);
  EXPECT_EQ(
      cli.Post("/v1/admin/keys", as_admin, json{{"role", "reader"}, {"principals", {"a,b"}}}.dump(), "application/json")
          ->status,
      400);
  auto gone = cli.Delete("/v1/admin/keys/" + fresh["id"].get<std::string>(), as_admin);
  ASSERT_TRUE(gone);
  EXPECT_EQ(gone->status, 200) << gone->body;
  EXPECT_EQ(cli.Post("/v1/search", {{"X-API-Key", hr_key}}, body, "application/json")->status, 401);
  EXPECT_EQ(cli.Delete("/v1/admin/keys/ffffffff", as_admin)->status, 404);

  CommandResult revoked = run_kbseek({"keys", "revoke", "--index", index_dir_, id});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  res = cli.Post("/v1/search", {{"X-API-Key", key}}, body, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401) << "revoked at once: " << res->body;
  EXPECT_EQ(run_kbseek({"keys", "revoke", "--index", index_dir_, "ffffffff"}).exit_code, 2);
  EXPECT_EQ(server.stop(), 0);
  EXPECT_EQ(server.stderr_text().find(key.substr(13)), std::string::npos) << "no key in the log";
  EXPECT_EQ(server.stderr_text().find(hr_key.substr(13)), std::string::npos) << "no created key in the log";

  // Listening beyond loopback turns keys on without --auth.
  ServerProcess wide({"serve", "--index", index_dir_, "--host", "0.0.0.0", "--port", "0"});
  ASSERT_GT(wide.port(), 0) << wide.stderr_text();
  httplib::Client cli2("127.0.0.1", wide.port());
  res = cli2.Post("/v1/search", body, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401) << res->body;
}

}  // namespace
}  // namespace kbseek::testing
