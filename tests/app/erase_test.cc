// `kbseek erase` (GDPR erasure): documents chosen by id and by a filter are
// gone from every file of the index folder, bytes and all (docs.sqlite, its
// WAL, the Xapian files, the persistent result cache that had answered
// with them), searches and a restarted server no longer show them, the
// folder stays consistent, and audit.jsonl records who erased what and why.
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "tests/app/cli_test_util.h"

namespace kbseek::testing {
namespace {

using nlohmann::json;

// Files under `dir` whose bytes hold `needle` (case-insensitive ASCII).
std::vector<std::string> files_holding(const std::string& dir, std::string needle) {
  for (auto& c : needle) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream f(e.path(), std::ios::binary);
    std::string bytes{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
    for (auto& c : bytes) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (bytes.find(needle) != std::string::npos) out.push_back(e.path().string());
  }
  return out;
}

TEST(EraseTest, ContentIsGoneFromEveryFileAndTheErasureIsAudited) {
  const std::string dir = temp_dir("erase");
  const std::string corpus = dir + "/corpus.jsonl", index = dir + "/index";
  std::filesystem::copy_file(KBSEEK_SOURCE_DIR "/app/sample/bilingual_sample.jsonl", corpus);
  {
    std::ofstream f(corpus, std::ios::app);
    f << json{{"id", "person-1"},
              {"title", "Employee record"},
              {"text", "Qwxzebracorn Lindqvist lives at 12 Elm Road; her badge is qwxzebracorn-7781."},
              {"metadata", {{"dept", "Security"}}}}
             .dump()
      << "\n";
  }
  ASSERT_EQ(run_kbseek({"index", "--index", index, corpus}).exit_code, 0);
  ASSERT_FALSE(files_holding(index, "qwxzebracorn").empty()) << "the test's word is stored before";
  // A server answers with it, so the persistent cache holds it too.
  {
    ServerProcess server({"serve", "--index", index, "--port", "0", "--anonymous-principals", "all-staff"});
    ASSERT_GT(server.port(), 0) << server.stderr_text();
    httplib::Client cli("127.0.0.1", server.port());
    cli.set_read_timeout(60, 0);
    auto res = cli.Post("/v1/search", json{{"query", "qwxzebracorn badge"}, {"k", 3}}.dump(), "application/json");
    ASSERT_TRUE(res);
    ASSERT_EQ(result_ids(json::parse(res->body)).at(0), "person-1") << res->body;
    EXPECT_EQ(server.stop(), 0);
  }
  bool cached = false;
  for (const auto& f : files_holding(index, "qwxzebracorn"))
    cached = cached || f.find("cache.sqlite") != std::string::npos;
  EXPECT_TRUE(cached) << "the persistent cache holds the answer before";

  // A filter with words to score is refused: erasure selects, it does not rank.
  CommandResult vague = run_kbseek({"erase", "--index", index, "--actor", "dpo", "--filter", "badge dept:security"});
  EXPECT_EQ(vague.exit_code, 2);
  EXPECT_NE(vague.err.find("conditions only"), std::string::npos) << vague.err;
  CommandResult no_actor = run_kbseek({"erase", "--index", index, "person-1"});
  EXPECT_EQ(no_actor.exit_code, 2);

  // By filter (Finance's 4) and by id, one id unknown (exit 1, still done).
  CommandResult erased = run_kbseek({"erase", "--index", index, "--actor", "dpo@example.com", "--reason",
                                     "GDPR art. 17 request #12", "--filter", "dept:finance", "person-1", "no-such"});
  EXPECT_EQ(erased.exit_code, 1) << erased.err;
  const auto left = files_holding(index, "qwxzebracorn");
  EXPECT_TRUE(left.empty()) << "still in " << json(left).dump();
  EXPECT_TRUE(files_holding(index, "Lindqvist").empty());
  CommandResult check = run_kbseek({"check", "--index", index});
  EXPECT_EQ(check.exit_code, 0) << check.out << check.err;
  CommandResult finance = run_kbseek({"search", "--index", index, "--json", "--mode", "bm25", "dept:finance"});
  ASSERT_EQ(finance.exit_code, 0) << finance.err;
  EXPECT_TRUE(result_ids(json::parse(finance.out)).empty()) << finance.out;
  CommandResult stats = run_kbseek({"stats", "--index", index, "--json"});
  EXPECT_NE(stats.out.find("\"documents\":26"), std::string::npos) << stats.out;

  // A restarted server does not answer from what it cached before.
  ServerProcess server({"serve", "--index", index, "--port", "0", "--anonymous-principals", "all-staff"});
  ASSERT_GT(server.port(), 0) << server.stderr_text();
  httplib::Client cli("127.0.0.1", server.port());
  auto res = cli.Post("/v1/search", json{{"query", "qwxzebracorn badge"}, {"k", 3}}.dump(), "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->body.find("person-1"), std::string::npos) << res->body;
  EXPECT_EQ(res->body.find("\"cached\""), std::string::npos) << res->body;
  EXPECT_EQ(server.stop(), 0);

  // The audit record: who, why, what (ids, never content).
  const std::string audit = read_text_file(index + "/audit.jsonl");
  ASSERT_EQ(std::count(audit.begin(), audit.end(), '\n'), 1) << audit;
  const json rec = json::parse(audit);
  EXPECT_EQ(rec["actor"], "dpo@example.com");
  EXPECT_EQ(rec["reason"], "GDPR art. 17 request #12");
  EXPECT_EQ(rec["filter"], "dept:finance");
  EXPECT_EQ(rec["erased"].size(), 5u) << audit;
  EXPECT_EQ(rec["not_found"], json::array({"no-such"}));
  EXPECT_EQ(audit.find("qwxzebracorn"), std::string::npos);
}

// DELETE /v1/documents on serve --writable: an admin's; by filter and ids;
// the server's own cached answer is not served again; audited with the key.
TEST(EraseTest, OverHttpAnAdminErasesAndTheServerForgets) {
  const std::string index = temp_dir("erase-http") + "/index";
  ASSERT_EQ(run_kbseek({"index", "--index", index, KBSEEK_SOURCE_DIR "/app/sample/bilingual_sample.jsonl"}).exit_code,
            0);
  auto key_of = [&](const std::string& role) {
    std::string out = run_kbseek({"keys", "create", "--index", index, "--role", role, "--principals", "all-staff"}).out;
    while (!out.empty() && out.back() == '\n') out.pop_back();
    return out.substr(out.rfind('\n') == std::string::npos ? 0 : out.rfind('\n') + 1);
  };
  const std::string admin = key_of("admin"), writer = key_of("writer");
  ServerProcess server({"serve", "--index", index, "--port", "0", "--auth", "--writable"});
  ASSERT_GT(server.port(), 0) << server.stderr_text();
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_read_timeout(120, 0);
  const httplib::Headers as_admin = {{"X-API-Key", admin}}, as_writer = {{"X-API-Key", writer}};
  const std::string q = json{{"query", "expense reimbursement 报销"}, {"k", 10}, {"mode", "bm25"}}.dump();
  auto before = cli.Post("/v1/search", as_admin, q, "application/json");
  ASSERT_TRUE(before);
  ASSERT_NE(before->body.find("kb-003"), std::string::npos) << before->body;  // Finance's, and now cached

  auto refused = cli.Delete("/v1/documents?filter=dept%3Afinance", as_writer);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403) << "a writer may not erase: " << refused->body;
  auto vague = cli.Delete("/v1/documents?filter=expense", as_admin);
  ASSERT_TRUE(vague);
  EXPECT_EQ(vague->status, 400) << vague->body;
  auto gone = cli.Delete("/v1/documents?filter=dept%3Afinance&ids=kb-001,nope&reason=request%2042", as_admin);
  ASSERT_TRUE(gone);
  ASSERT_EQ(gone->status, 200) << gone->body;
  const json g = json::parse(gone->body);
  EXPECT_EQ(g["erased"].size(), 5u) << gone->body;
  EXPECT_EQ(g["not_found"], json::array({"nope"}));
  auto after = cli.Post("/v1/search", as_admin, q, "application/json");
  ASSERT_TRUE(after);
  EXPECT_EQ(after->body.find("\"cached\""), std::string::npos) << after->body;
  for (const auto& id : g["erased"])
    EXPECT_EQ(after->body.find(id.get<std::string>()), std::string::npos) << after->body;
  EXPECT_EQ(cli.Get("/v1/documents/kb-003", as_admin)->status, 404);
  EXPECT_EQ(server.stop(), 0);
  const json rec = json::parse(read_text_file(index + "/audit.jsonl"));
  EXPECT_EQ(rec["actor"], "key " + admin.substr(4, 8));
  EXPECT_EQ(rec["reason"], "request 42");
  EXPECT_EQ(rec["via"], "http");
  EXPECT_EQ(run_kbseek({"check", "--index", index}).exit_code, 0);
  // Nothing of kb-003's text in any file: docs.sqlite, Xapian, the cache
  // that had answered with its snippet.
  const auto left = files_holding(index, "receipts are required");
  EXPECT_TRUE(left.empty()) << json(left).dump();
}

// `kbseek retention`: rules kept with the index erase what is too old,
// each rule audited; --dry-run only lists; a bad rule names itself.
TEST(RetentionTest, RulesEraseWhatIsTooOldAndAreAudited) {
  const std::string dir = temp_dir("retention");
  const std::string corpus = dir + "/corpus.jsonl", index = dir + "/index";
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  const int64_t day = 86400;
  {
    std::ofstream f(corpus);
    auto doc = [&](const std::string& id, const std::string& source, int64_t age_days, const std::string& text) {
      f << json{{"id", id}, {"text", text}, {"timestamp", now - age_days * day}, {"metadata", {{"source", source}}}}
               .dump()
        << "\n";
    };
    doc("chat-old", "chat", 200, "Chat transcript about the parking garage, from long ago.");
    doc("chat-new", "chat", 10, "Chat transcript about the parking garage, from last week.");
    doc("wiki-old", "wiki", 200, "Wiki page about the parking garage rules.");
    doc("ancient", "wiki", 4000, "A memo about the parking garage from a decade ago.");
    f << json{{"id", "undated"},
              {"text", "A parking garage note without any date."},
              {"metadata", {{"source", "chat"}}}}
             .dump()
      << "\n";
  }
  ASSERT_EQ(run_kbseek({"index", "--index", index, "--models", "all-minilm-l6-v2", corpus}).exit_code, 0);
  std::ofstream(index + "/retention.json")
      << R"({"rules": [{"name": "chat logs", "filter": "source:chat", "max_age_days": 90},
                       {"name": "ten years", "max_age_days": 3650}]})";
  auto ids = [&] {
    CommandResult r =
        run_kbseek({"search", "--index", index, "--json", "--mode", "bm25", "-k", "10", "parking garage"});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    auto v = result_ids(json::parse(r.out));
    std::sort(v.begin(), v.end());
    return v;
  };

  CommandResult dry = run_kbseek({"retention", "--index", index, "--dry-run"});
  ASSERT_EQ(dry.exit_code, 0) << dry.err;
  const json planned = json::parse(dry.out);
  ASSERT_EQ(planned.size(), 2u);
  EXPECT_EQ(planned[0]["rule"], "chat logs");
  EXPECT_EQ(planned[0]["ids"], json::array({"chat-old"}));
  EXPECT_EQ(planned[1]["ids"], json::array({"ancient"}));
  EXPECT_EQ(ids().size(), 5u) << "a dry run erases nothing";
  EXPECT_FALSE(std::filesystem::exists(index + "/audit.jsonl"));

  CommandResult run = run_kbseek({"retention", "--index", index, "--actor", "cron"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(ids(), (std::vector<std::string>{"chat-new", "undated", "wiki-old"}));
  std::ifstream audit(index + "/audit.jsonl");
  std::vector<json> records;
  for (std::string line; std::getline(audit, line);) records.push_back(json::parse(line));
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0]["action"], "retention");
  EXPECT_EQ(records[0]["actor"], "cron");
  EXPECT_EQ(records[0]["reason"], "chat logs");
  EXPECT_EQ(records[0]["erased"], json::array({"chat-old"}));
  EXPECT_EQ(records[1]["erased"], json::array({"ancient"}));
  EXPECT_TRUE(files_holding(index, "a decade ago").empty());

  std::ofstream(index + "/retention.json") << R"({"rules": [{"name": "x", "filter": "source:chat"}]})";
  CommandResult bad = run_kbseek({"retention", "--index", index});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("rules[0]"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("max_age_days"), std::string::npos) << bad.err;
}

}  // namespace
}  // namespace kbseek::testing
