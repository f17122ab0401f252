// `kbseek serve --tenants ROOT`: one index per tenant under one server.
// A key is known to its own tenant only; the same question asked of two
// tenants gets each its own answer (nothing crosses, the result cache
// included); documents, stats, keys, writes, erasure and reload stay within
// the tenant; a document's acl still applies inside a tenant; the page is
// served per tenant and calls its own tenant's API.
#include <gtest/gtest.h>
#include <httplib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/app/cli_test_util.h"

namespace kbseek::testing {
namespace {

using nlohmann::json;

void write_docs(const std::string& path, const std::vector<json>& docs) {
  std::ofstream f(path);
  for (const auto& d : docs) f << d.dump() << "\n";
}

std::string new_key(const std::string& index, const std::string& role, const std::string& principals = "") {
  std::vector<std::string> args = {"keys", "create", "--index", index, "--role", role};
  if (!principals.empty()) args.insert(args.end(), {"--principals", principals});
  CommandResult r = run_kbseek(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return key_of(r);
}

TEST(TenantsTest, EachTenantSeesOnlyItsOwnIndexKeysAndAnswers) {
  const std::string dir = temp_dir("tenants");
  const std::string root = dir + "/root";
  std::filesystem::create_directories(root + "/not-an-index");  // no MANIFEST: not a tenant
  write_docs(
      dir + "/acme.jsonl",
      {{{"id", "a1"}, {"title", "Payroll"}, {"text", "Acme payroll runs on the 25th of each month."}},
       {{"id", "shared"}, {"title", "Holiday policy"}, {"text", "Acme staff get 25 days of paid holiday a year."}},
       {{"id", "bands"}, {"title", "Salary bands"}, {"text", "Acme salary bands for engineers."}, {"acl", {"hr"}}}});
  write_docs(
      dir + "/globex.jsonl",
      {{{"id", "g1"}, {"title", "Payroll"}, {"text", "Globex payroll runs on the first Monday."}},
       {{"id", "shared"}, {"title", "Holiday policy"}, {"text", "Globex staff get 30 days of paid holiday a year."}}});
  for (const char* t : {"acme", "globex"}) {
    CommandResult r =
        run_kbseek({"index", "--index", root + "/" + t, "--models", "all-minilm-l6-v2", dir + "/" + t + ".jsonl"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  const std::string acme_admin = new_key(root + "/acme", "admin", "hr");
  const std::string acme_reader = new_key(root + "/acme", "reader");
  const std::string globex_admin = new_key(root + "/globex", "admin");
  const std::string globex_reader = new_key(root + "/globex", "reader");

  ServerProcess server({"serve", "--tenants", root, "--port", "0", "--writable"});
  ASSERT_GT(server.port(), 0) << server.stderr_text();
  EXPECT_NE(server.stderr_text().find("of 2 tenants"), std::string::npos) << server.stderr_text();
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_read_timeout(60, 0);
  auto bearer = [](const std::string& key) { return httplib::Headers{{"Authorization", "Bearer " + key}}; };
  auto search = [&](const std::string& tenant, const std::string& key, const std::string& query) {
    auto res = cli.Post("/t/" + tenant + "/v1/search", bearer(key), json{{"query", query}, {"k", 5}}.dump(),
                        "application/json");
    EXPECT_TRUE(res);
    return res ? std::make_pair(res->status, json::parse(res->body, nullptr, false)) : std::make_pair(0, json());
  };

  // The same question, asked twice of each tenant (the second from the
  // cache): each tenant's own answer.
  for (int round = 0; round < 2; ++round) {
    auto [acme_status, acme] = search("acme", acme_reader, "how many days of holiday");
    ASSERT_EQ(acme_status, 200) << acme.dump();
    ASSERT_FALSE(acme["results"].empty());
    EXPECT_EQ(acme["results"][0]["id"], "shared");
    EXPECT_NE(acme.dump().find("25 days"), std::string::npos) << acme.dump();
    EXPECT_EQ(acme.dump().find("Globex"), std::string::npos) << acme.dump();
    auto [globex_status, globex] = search("globex", globex_reader, "how many days of holiday");
    ASSERT_EQ(globex_status, 200) << globex.dump();
    EXPECT_NE(globex.dump().find("30 days"), std::string::npos) << globex.dump();
    EXPECT_EQ(globex.dump().find("Acme"), std::string::npos) << globex.dump();
  }
  // A key is its tenant's only; there is no index at the root.
  EXPECT_EQ(search("globex", acme_admin, "payroll").first, 401);
  EXPECT_EQ(search("acme", globex_admin, "payroll").first, 401);
  EXPECT_EQ(search("initech", acme_admin, "payroll").first, 404);
  auto root_search = cli.Post("/v1/search", bearer(acme_admin), R"({"query":"payroll"})", "application/json");
  ASSERT_TRUE(root_search);
  EXPECT_EQ(root_search->status, 404);
  // A document's acl applies inside its tenant.
  EXPECT_EQ(search("acme", acme_reader, "salary bands engineers").second.dump().find("\"bands\""), std::string::npos);
  EXPECT_NE(search("acme", acme_admin, "salary bands engineers").second.dump().find("\"bands\""), std::string::npos);

  // Documents by id: the tenant's own "shared"; another tenant's ids are 404.
  auto doc = cli.Get("/t/globex/v1/documents/shared", bearer(globex_reader));
  ASSERT_TRUE(doc);
  ASSERT_EQ(doc->status, 200);
  EXPECT_NE(doc->body.find("30 days"), std::string::npos) << doc->body;
  auto other = cli.Get("/t/globex/v1/documents/a1", bearer(globex_admin));
  ASSERT_TRUE(other);
  EXPECT_EQ(other->status, 404);
  // Stats and keys: the tenant's.
  auto stats = cli.Get("/t/acme/v1/stats", bearer(acme_reader));
  ASSERT_TRUE(stats);
  EXPECT_EQ(json::parse(stats->body)["documents"], 3);
  auto keys = cli.Get("/t/acme/v1/admin/keys", bearer(acme_admin));
  ASSERT_TRUE(keys);
  ASSERT_EQ(keys->status, 200) << keys->body;
  EXPECT_EQ(json::parse(keys->body)["keys"].size(), 2u) << keys->body;
  EXPECT_EQ(keys->body.find(globex_admin.substr(4, 8)), std::string::npos) << keys->body;

  // Writes and erasure land in the tenant's index only.
  auto put = cli.Put("/t/acme/v1/documents/memo", bearer(acme_admin),
                     json{{"id", "memo"}, {"text", "Acme quarterly memo about the espresso machine."}}.dump(),
                     "application/json");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 200) << put->body;
  EXPECT_NE(search("acme", acme_reader, "espresso machine").second.dump().find("\"memo\""), std::string::npos);
  EXPECT_EQ(search("globex", globex_reader, "espresso machine").second.dump().find("\"memo\""), std::string::npos);
  auto erased = cli.Delete("/t/globex/v1/documents?ids=shared&reason=test", bearer(globex_admin));
  ASSERT_TRUE(erased);
  EXPECT_EQ(erased->status, 200) << erased->body;
  auto still = cli.Get("/t/acme/v1/documents/shared", bearer(acme_reader));
  ASSERT_TRUE(still);
  EXPECT_EQ(still->status, 200) << "acme's \"shared\" outlives globex's erasure";
  EXPECT_TRUE(std::filesystem::exists(root + "/globex/audit.jsonl"));
  EXPECT_FALSE(std::filesystem::exists(root + "/acme/audit.jsonl"));

  // Reload: a tenant's admin reloads that tenant.
  auto reload = cli.Post("/t/globex/v1/admin/reload", bearer(globex_admin), "", "application/json");
  ASSERT_TRUE(reload);
  EXPECT_EQ(reload->status, 200) << reload->body;
  EXPECT_EQ(json::parse(reload->body)["documents"], 1);
  auto reader_reload = cli.Post("/t/globex/v1/admin/reload", bearer(globex_reader), "", "application/json");
  ASSERT_TRUE(reader_reload);
  EXPECT_EQ(reader_reload->status, 403);

  // The page, per tenant, calls its own tenant's API (relative URLs).
  auto page = cli.Get("/t/acme/");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("fetch('v1/search'"), std::string::npos);
  // Server-wide routes: sizes summed; metrics name the tenant's routes.
  auto health = cli.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(json::parse(health->body)["documents"], 5);  // acme 3 + memo, globex 2 - shared
  auto metrics = cli.Get("/metrics");
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("route=\"/t/acme/v1/search\""), std::string::npos);
}

TEST(TenantsTest, ServeRefusesWhatCannotBeATenant) {
  const std::string dir = temp_dir("tenants-bad");
  std::filesystem::create_directories(dir + "/empty");
  CommandResult none = run_kbseek({"serve", "--tenants", dir + "/empty", "--port", "0"});
  EXPECT_EQ(none.exit_code, 2);
  EXPECT_NE(none.err.find("no index folder"), std::string::npos) << none.err;
  write_docs(dir + "/one.jsonl", {{{"id", "x"}, {"text", "One document."}}});
  ASSERT_EQ(run_kbseek({"index", "--index", dir + "/root/Big Corp", "--models", "all-minilm-l6-v2", dir + "/one.jsonl"})
                .exit_code,
            0);
  CommandResult bad_name = run_kbseek({"serve", "--tenants", dir + "/root", "--port", "0"});
  EXPECT_EQ(bad_name.exit_code, 2);
  EXPECT_NE(bad_name.err.find("\"Big Corp\""), std::string::npos) << bad_name.err;
  std::filesystem::rename(dir + "/root/Big Corp", dir + "/root/bigcorp");
  CommandResult no_key = run_kbseek({"serve", "--tenants", dir + "/root", "--port", "0"});
  EXPECT_EQ(no_key.exit_code, 2);
  EXPECT_NE(no_key.err.find("tenant bigcorp"), std::string::npos) << no_key.err;
  CommandResult both = run_kbseek({"serve", "--tenants", dir + "/root", "--index", dir + "/root/bigcorp"});
  EXPECT_EQ(both.exit_code, 2);
  CommandResult gateway =
      run_kbseek({"serve", "--tenants", dir + "/root", "--anonymous-principals", "staff", "--port", "0"});
  EXPECT_EQ(gateway.exit_code, 2);
  EXPECT_NE(gateway.err.find("principals come from each key"), std::string::npos) << gateway.err;
}

}  // namespace
}  // namespace kbseek::testing
