// End to end for bulk ingestion: a folder of mixed files and a CSV through
// the real kbseek binary: --dry-run counts, the rejects file, and search
// across traditional and simplified forms.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "storage/sqlite_store.h"
#include "tests/app/cli_test_util.h"

namespace kbseek::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir(std::string("ingest_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_ + "/kb/policies");
    std::ofstream(dir_ + "/kb/policies/db.html")
        << "<html><head><title>資料庫連線逾時的排查步驟</title><script>alert(1)</script></head>"
           "<body><nav>首頁</nav><p>請先檢查網路設定與防火牆，再確認資料庫連線池的上限。</p></body></html>";
    std::ofstream(dir_ + "/kb/vpn.md") << "# Resetting your VPN password\n\nOpen the **self-service portal** and "
                                          "choose *Reset password*.\n";
    std::ofstream(dir_ + "/kb/leave.txt") << "Full-time staff receive 15 days of paid annual leave per year.";
    std::ofstream(dir_ + "/kb/logo.png") << "\x89PNG";
    std::ofstream(dir_ + "/extra.csv") << "id,title,text\n"
                                          "c1,差旅费用报销制度,员工应在费用发生后 30 天内提交差旅报销。\n"
                                          "c2,broken row\n";
  }
  std::string dir_;
};

TEST_F(IngestTest, DryRunCountsWithoutWritingAnything) {
  CommandResult r = run_kbseek({"index", "--index", dir_ + "/idx", "--dry-run", dir_ + "/kb", dir_ + "/extra.csv"});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // one row rejected
  EXPECT_NE(r.out.find("dry run: 4 documents"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("by format: csv 1 html 1 md 1 txt 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("by language: en 2 zh 2"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rejected: bad CSV row 1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("skipped files: .png 1"), std::string::npos) << r.out;
  EXPECT_FALSE(fs::exists(dir_ + "/idx"));
}

TEST_F(IngestTest, FolderAndCsvAreIndexedRejectsAreWrittenAndScriptsMatch) {
  const std::string idx = dir_ + "/idx";
  CommandResult r = run_kbseek({"index", "--index", idx, "--models", "use-m3", "--rejects", dir_ + "/rejects.txt",
                                dir_ + "/kb", dir_ + "/extra.csv"});
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.err.find("indexed 4 documents"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("skipped 1 files of other types (.png 1)"), std::string::npos) << r.err;
  EXPECT_EQ(read_text_file(dir_ + "/rejects.txt"), dir_ + "/extra.csv:3: row has 2 fields, the header 3\n");
  // A simplified query finds the traditional page, which keeps its own form.
  CommandResult s = run_kbseek({"search", "--index", idx, "--mode", "bm25", "--json", "-k", "1", "数据库连接超时"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  json j = json::parse(s.out);
  ASSERT_FALSE(j["results"].empty()) << s.out;
  EXPECT_EQ(j["results"][0]["id"], "policies/db.html");
  EXPECT_EQ(j["results"][0]["title"], "資料庫連線逾時的排查步驟");
  EXPECT_EQ(j["results"][0]["snippet"].get<std::string>().find("alert"), std::string::npos);
  // And a traditional query the simplified document.
  CommandResult t = run_kbseek({"search", "--index", idx, "--mode", "bm25", "--json", "-k", "1", "差旅費用報銷"});
  ASSERT_EQ(t.exit_code, 0) << t.err;
  EXPECT_EQ(json::parse(t.out)["results"][0]["id"], "c1") << t.out;
}

TEST_F(IngestTest, EntitiesAreExtractedAndFilterSearches) {
  const std::string idx = dir_ + "/idx";
  std::ofstream(dir_ + "/dict.tsv") << "防火牆\tnetwork\n差旅\texpense\n";
  CommandResult r = run_kbseek({"index", "--index", idx, "--models", "use-m3", "--entities", dir_ + "/dict.tsv",
                                dir_ + "/kb", dir_ + "/extra.csv"});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // the bad CSV row
  auto ids = [&](const std::string& q) {
    CommandResult s = run_kbseek({"search", "--index", idx, "--json", "-k", "5", q});
    EXPECT_EQ(s.exit_code, 0) << s.err;
    std::vector<std::string> out;
    const json j = json::parse(s.out);  // kept alive: the loop below refers into it
    for (const auto& x : j["results"]) out.push_back(x["id"]);
    return out;
  };
  EXPECT_EQ(ids("entity:\"30 天\""), (std::vector<std::string>{"c1"}));
  EXPECT_EQ(ids("type:expense"), (std::vector<std::string>{"c1"}));
  EXPECT_EQ(ids("设置 entity:防火牆"), (std::vector<std::string>{"policies/db.html"}));
  EXPECT_TRUE(ids("entity:A100").empty());
  // A query's own entities form a list of their own in hybrid search.
  CommandResult h = run_kbseek({"search", "--index", idx, "--json", "--explain", "-k", "1", "30 天内 报销"});
  ASSERT_EQ(h.exit_code, 0) << h.err;
  const json hj = json::parse(h.out);
  ASSERT_FALSE(hj["results"].empty());
  EXPECT_EQ(hj["results"][0]["id"], "c1");
  bool entity_list = false;
  for (const auto& src : hj["results"][0]["explain"]) entity_list = entity_list || src["source"] == "entities";
  EXPECT_TRUE(entity_list) << h.out;
  std::ofstream(dir_ + "/bad.tsv") << "no tab\n";
  CommandResult bad = run_kbseek({"index", "--index", idx, "--entities", dir_ + "/bad.tsv", dir_ + "/kb"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("bad.tsv:1"), std::string::npos) << bad.err;
}

// Short templated entries that differ in one word are distinct documents,
// not near duplicates: each stays searchable (indexer/dedup.h,
// kMinNearFeatures). A long document's lightly edited copy is still a near
// duplicate.
TEST_F(IngestTest, ShortTemplatedEntriesAreNotNearDuplicates) {
  const char* topics[] = {"invoice", "laptop",  "vacation", "printer",  "salary", "badge", "parking",  "vpn",
                          "backup",  "meeting", "travel",   "contract", "server", "phone", "password", "office"};
  const char* fillers[] = {"the policy explains who to ask and when", "staff should read the guide first",
                           "details are on the intranet page", "the team updates this every quarter"};
  std::string longer;
  for (int i = 0; i < 20; ++i) {
    longer += "Section " + std::to_string(i) +
              ": employees submit travel and meal expenses within 30 days "
              "through the finance portal; receipts are required above 150 yuan and approvals go to the line "
              "manager first, then finance. ";
  }
  std::string edited = longer;
  edited.replace(edited.find("line manager"), 12, "team lead");
  {
    std::ofstream out(dir_ + "/forms.jsonl");
    int n = 0;
    for (const char* t : topics)
      for (const char* f : fillers)
        out << json{{"id", "d" + std::to_string(n++)}, {"text", std::string(t) + " request form: " + f}}.dump() << "\n";
    out << json{{"id", "long"}, {"text", longer}}.dump() << "\n"
        << json{{"id", "long-edit"}, {"text", edited}}.dump() << "\n";
  }
  const std::string idx = dir_ + "/forms-idx";
  CommandResult r = run_kbseek({"index", "--index", idx, "--models", "use-m3", dir_ + "/forms.jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("0 exact and 1 near duplicates recorded"), std::string::npos) << r.err;
  // Every form is found by its own two words (before: "badge … guide" was hidden as a near copy).
  for (const auto& [query, id] : std::vector<std::pair<std::string, std::string>>{
           {"badge guide", "d21"}, {"password guide", "d57"}, {"salary guide", "d17"}}) {
    CommandResult s = run_kbseek({"search", "--index", idx, "--json", "--mode", "bm25", "-k", "1", query});
    ASSERT_EQ(s.exit_code, 0) << s.err;
    const json j = json::parse(s.out);
    ASSERT_FALSE(j["results"].empty()) << query;
    EXPECT_EQ(j["results"][0]["id"], id) << query;
  }

  // An index built before the rule holds d21 as a near duplicate of d17, and
  // d21 is unchanged in the file: the next `kbseek index` indexes it again.
  {
    auto store = storage::SqliteStore::open(idx + "/docs.sqlite", true);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    auto doc = store.value()->get_document("d21");
    auto hash = store.value()->content_hash("d21");
    ASSERT_TRUE(doc.is_ok() && hash.is_ok() && hash.value().has_value());
    storage::Document old = doc.value();
    old.duplicate_of = "d17";
    old.duplicate_kind = "near";
    ASSERT_TRUE(store.value()->begin().is_ok());
    ASSERT_TRUE(store.value()->replace_document(old, *hash.value(), {}, nullptr, 0).is_ok());
    ASSERT_TRUE(store.value()->commit().is_ok());
  }
  CommandResult again = run_kbseek({"index", "--index", idx, "--models", "use-m3", dir_ + "/forms.jsonl"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("indexed 1 documents"), std::string::npos) << again.err;  // d21; the rest unchanged
  CommandResult s = run_kbseek({"search", "--index", idx, "--json", "--mode", "bm25", "-k", "1", "badge guide"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  EXPECT_EQ(json::parse(s.out)["results"][0]["id"], "d21") << s.out;
}

TEST_F(IngestTest, DuplicatesAreRecordedNotSearchableUnlessKept) {
  const std::string doc =
      "员工应在费用发生后三十天内通过财务系统提交差旅和餐饮报销。单笔超过一百五十元的费用必须附发票。";
  std::ofstream(dir_ + "/dups.jsonl") << json{{"id", "orig"}, {"text", doc}}.dump() << "\n"
                                      << json{{"id", "copy"}, {"text", "  " + doc + "  "}}.dump() << "\n"
                                      << json{{"id", "other"}, {"text", "年假与病假规定"}}.dump() << "\n";
  const std::string idx = dir_ + "/idx";
  CommandResult r = run_kbseek({"index", "--index", idx, "--models", "use-m3", "--quality-report",
                                dir_ + "/quality.jsonl", dir_ + "/dups.jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("1 exact and 0 near duplicates recorded"), std::string::npos) << r.err;
  const std::string report = read_text_file(dir_ + "/quality.jsonl");
  EXPECT_NE(report.find(R"("duplicate_of":"orig")"), std::string::npos) << report;
  EXPECT_NE(report.find(R"("id":"copy")"), std::string::npos) << report;
  EXPECT_NE(report.find(R"("entropy_bits")"), std::string::npos) << report;
  CommandResult s = run_kbseek({"search", "--index", idx, "--json", "--mode", "bm25", "差旅报销"});
  const json j = json::parse(s.out);
  ASSERT_EQ(j["results"].size(), 1u) << s.out;
  EXPECT_EQ(j["results"][0]["id"], "orig");
  CommandResult stats = run_kbseek({"stats", "--index", idx, "--json"});
  EXPECT_EQ(json::parse(stats.out)["documents"], 3);  // the copy is stored
  const std::string kept = dir_ + "/kept";
  CommandResult k =
      run_kbseek({"index", "--index", kept, "--models", "use-m3", "--keep-duplicates", dir_ + "/dups.jsonl"});
  ASSERT_EQ(k.exit_code, 0) << k.err;
  CommandResult ks = run_kbseek({"search", "--index", kept, "--json", "--mode", "bm25", "差旅报销"});
  EXPECT_EQ(json::parse(ks.out)["results"].size(), 2u) << ks.out;
}

TEST_F(IngestTest, StandardInputIsRead) {
  const std::string idx = dir_ + "/idx";
  const std::string in = dir_ + "/in.jsonl";
  std::ofstream(in) << R"({"id":"s1","text":"piped in from another program"})"
                    << "\n";
  CommandResult r = run_kbseek({"index", "--index", idx, "--models", "use-m3", "-"}, in);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.err.find("indexed 1 documents"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace kbseek::testing
