// Writing documents through the API of a served index (serve --writable):
// PUT one, POST NDJSON with a result per record, DELETE; what is written is
// searchable at the next request, only writer keys may write, a document's
// acl still applies, and the folder has one writer.
#include <gtest/gtest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "tests/app/cli_test_util.h"

namespace kbseek::testing {
namespace {

using nlohmann::json;

TEST(DocumentsApiTest, PutPostDeleteAreSearchableAtOnce) {
  const std::string index = temp_dir("documents") + "/index";
  ASSERT_EQ(run_kbseek({"index", "--index", index, KBSEEK_SOURCE_DIR "/app/sample/bilingual_sample.jsonl"}).exit_code,
            0);
  const std::string writer =
      key_of(run_kbseek({"keys", "create", "--index", index, "--role", "writer", "--principals", "all-staff"}));
  const std::string reader =
      key_of(run_kbseek({"keys", "create", "--index", index, "--role", "reader", "--principals", "all-staff"}));
  ASSERT_EQ(writer.rfind("kbs_", 0), 0u);

  ServerProcess server({"serve", "--index", index, "--port", "0", "--auth", "--writable"});
  ASSERT_GT(server.port(), 0) << server.stderr_text();
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_read_timeout(120, 0);
  const httplib::Headers w = {{"X-API-Key", writer}}, r = {{"X-API-Key", reader}};
  auto ids_for = [&](const std::string& q) {
    auto res = cli.Post("/v1/search", r, json{{"query", q}, {"k", 3}, {"mode", "bm25"}}.dump(), "application/json");
    EXPECT_TRUE(res && res->status == 200);
    return res ? result_ids(json::parse(res->body)) : std::vector<std::string>{};
  };

  // The folder has one writer: `kbseek index` is refused while serve writes.
  CommandResult busy = run_kbseek({"index", "--index", index, KBSEEK_SOURCE_DIR "/app/sample/bilingual_sample.jsonl"});
  EXPECT_NE(busy.exit_code, 0);

  const json doc = {{"id", "new-1"},
                    {"title", "Aquarium maintenance"},
                    {"text", "Clean the office aquarium filter every Friday. 鱼缸过滤器每周五清洗。"},
                    {"acl", {"all-staff"}}};
  auto put = cli.Put("/v1/documents/new-1", r, doc.dump(), "application/json");
  ASSERT_TRUE(put);
  EXPECT_EQ(put->status, 403) << "a reader key cannot write: " << put->body;
  put = cli.Put("/v1/documents/new-1", w, doc.dump(), "application/json");
  ASSERT_TRUE(put);
  ASSERT_EQ(put->status, 200) << put->body;
  EXPECT_EQ(json::parse(put->body)["status"], "indexed");
  EXPECT_EQ(ids_for("aquarium filter").at(0), "new-1");
  put = cli.Put("/v1/documents/new-1", w, doc.dump(), "application/json");
  EXPECT_EQ(json::parse(put->body)["status"], "unchanged") << put->body;
  put = cli.Put("/v1/documents/other", w, doc.dump(), "application/json");
  EXPECT_EQ(put->status, 400) << "body id is not the path's";
  put = cli.Put("/v1/documents/bad", w, R"({"id":"bad"})", "application/json");
  EXPECT_EQ(put->status, 400) << put->body;
  EXPECT_NE(put->body.find("text"), std::string::npos) << put->body;

  // NDJSON: one result per record, the bad one named by its line.
  const std::string ndjson =
      json{{"id", "bulk-1"}, {"text", "Kayak rental for the team outing."}}.dump() + "\n" + "{not json}\n\n" +
      json{{"id", "bulk-2"}, {"text", "Finance-only kayak budget."}, {"acl", {"finance"}}}.dump() + "\n";
  auto bulk = cli.Post("/v1/documents", w, ndjson, "application/x-ndjson");
  ASSERT_TRUE(bulk);
  ASSERT_EQ(bulk->status, 200) << bulk->body;
  const json b = json::parse(bulk->body);
  ASSERT_EQ(b["results"].size(), 3u) << bulk->body;
  EXPECT_EQ(b["results"][0]["status"], "indexed");
  EXPECT_EQ(b["results"][1]["status"], "rejected");
  EXPECT_EQ(b["results"][1]["line"], 2);
  EXPECT_EQ(b["results"][2]["line"], 4);
  EXPECT_EQ(b["rejected"], 1);
  const auto kayak = ids_for("kayak");
  EXPECT_EQ(kayak, std::vector<std::string>{"bulk-1"}) << "bulk-2 is finance's: " << json(kayak).dump();
  EXPECT_EQ(cli.Get("/v1/documents/bulk-2", r)->status, 404);

  auto del = cli.Delete("/v1/documents/new-1", w);
  ASSERT_TRUE(del);
  EXPECT_EQ(del->status, 200) << del->body;
  EXPECT_TRUE(ids_for("aquarium filter").empty());
  EXPECT_EQ(cli.Delete("/v1/documents/new-1", w)->status, 404);
  EXPECT_EQ(server.stop(), 0);

  // Read-only by default.
  ServerProcess ro({"serve", "--index", index, "--port", "0", "--auth"});
  ASSERT_GT(ro.port(), 0) << ro.stderr_text();
  httplib::Client cli2("127.0.0.1", ro.port());
  auto refused = cli2.Put("/v1/documents/x", w, doc.dump(), "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403) << refused->body;
}

}  // namespace
}  // namespace kbseek::testing
