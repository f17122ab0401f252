// `kbseek sync --source postgresql://...` against a real PostgreSQL server
// the test starts (Debian's postgresql, which scripts/setup.sh installs):
// the first run indexes the table, with its acl column applied and its other
// columns as metadata; the next reads only rows at or past the watermark,
// adds, replaces and deletes; a row without text is rejected by id while the
// others go in; a bad column or an unreachable server is a clear error that
// never shows the password.
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/app/cli_test_util.h"

namespace kbseek::testing {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The newest /usr/lib/postgresql/N/bin ("" if none).
std::string postgres_bin() {
  std::string best;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string bin = e.path().string() + "/bin";
    if (::access((bin + "/initdb").c_str(), X_OK) == 0 && bin > best) best = bin;
  }
  return best;
}

// A throwaway cluster on a Unix socket in its own folder; the superuser
// "kbseek" logs in without a password (trust). PostgreSQL refuses to run as
// root, so as root the server runs as the "postgres" user.
class PostgresServer {
 public:
  explicit PostgresServer(const std::string& dir) : dir_(dir), bin_(postgres_bin()) {
    if (bin_.empty()) return;
    std::error_code ec;
    fs::create_directories(dir_, ec);
    port_ = free_loopback_port();
    std::string as;
    if (::geteuid() == 0) {
      const passwd* pw = ::getpwnam("postgres");
      if (!pw) return;
      fs::permissions(dir_, fs::perms::all, ec);
      if (::chown(dir_.c_str(), pw->pw_uid, pw->pw_gid) != 0) return;
      as = "runuser -u postgres -- ";
    }
    const std::string log = dir_ + "/server.log";
    if (sh(as + bin_ + "/initdb -D " + dir_ + "/data -A trust -U kbseek -E UTF8 --locale=C.UTF-8 > " + dir_ +
           "/initdb.log 2>&1") != 0)
      return;
    started_ = sh(as + bin_ + "/pg_ctl -D " + dir_ + "/data -w -t 60 -l " + log + " -o \"-k " + dir_ + " -p " +
                  std::to_string(port_) + " -c listen_addresses=''\" start > /dev/null 2>&1") == 0;
    stop_cmd_ = as + bin_ + "/pg_ctl -D " + dir_ + "/data -m fast stop > /dev/null 2>&1";
  }
  ~PostgresServer() {
    if (started_) sh(stop_cmd_);
  }
  bool started() const { return started_; }
  bool installed() const { return !bin_.empty(); }
  std::string why_not() const { return read_text_file(dir_ + "/initdb.log") + read_text_file(dir_ + "/server.log"); }
  // Runs SQL with psql; true when every statement succeeded.
  bool sql(const std::string& statements) const {
    const std::string file = dir_ + "/stmt.sql";
    std::ofstream(file) << statements;
    return sh(bin_ + "/psql -X -q -v ON_ERROR_STOP=1 -h " + dir_ + " -p " + std::to_string(port_) +
              " -U kbseek -d postgres -f " + file + " > " + dir_ + "/psql.log 2>&1") == 0;
  }
  // The URI kbseek is given, with the socket folder as host.
  std::string uri(const std::string& params, const std::string& user = "kbseek") const {
    return "postgresql://" + user + "@/postgres?host=" + dir_ + "&port=" + std::to_string(port_) + "&" + params;
  }

 private:
  static int sh(const std::string& cmd) { return std::system(cmd.c_str()); }
  std::string dir_, bin_, stop_cmd_;
  int port_ = 0;
  bool started_ = false;
};

TEST(PostgresSyncTest, ATableIsFollowedIncrementallyWithItsPermissions) {
  const std::string dir = temp_dir("pgsync");
  PostgresServer pg(dir + "/pg");
  if (!pg.installed())
    GTEST_SKIP() << "no /usr/lib/postgresql/*/bin/initdb (Debian package postgresql; scripts/setup.sh installs it)";
  ASSERT_TRUE(pg.started()) << pg.why_not();
  ASSERT_TRUE(pg.sql(R"(
CREATE TABLE docs (doc_id integer PRIMARY KEY, title text, body text, modified timestamptz NOT NULL,
                   groups text[], dept text, pages integer, reviewed boolean);
INSERT INTO docs VALUES
  (1, 'Aquarium', 'Clean the aquarium filter every Friday.', '2024-01-01T10:00:00Z', NULL, 'facilities', 2, true),
  (2, '季度预算', '财务部第三季度预算审批流程与报销限额。', '2024-01-02T10:00:00Z', '{finance}', 'finance', 5, false),
  (3, 'Empty', NULL, '2024-01-03T10:00:00Z', NULL, 'facilities', 1, NULL),
  (5, 'Parking', 'Bicycle parking racks are in the basement.', '2024-01-03T10:00:00Z', '{}', 'facilities', 1, true);
)"));
  const std::string index = dir + "/index";
  const std::string uri = pg.uri("table=docs&id=doc_id&text=body&time=modified&updated=modified&acl=groups");

  // First run: everything; row 3 (no text) is rejected by id, the rest go in.
  CommandResult first = run_kbseek({"sync", "--index", index, "--source", uri, "--quiet"});
  ASSERT_EQ(first.exit_code, 1) << first.err;
  json r1 = json::parse(first.out);
  EXPECT_EQ(r1["rows"], 4);
  EXPECT_EQ(r1["added"], 3);
  EXPECT_EQ(r1["changed"], 0);
  ASSERT_EQ(r1["rejected"].size(), 1u) << r1.dump();
  EXPECT_EQ(r1["rejected"][0]["id"], "3");
  EXPECT_NE(r1["rejected"][0]["error"].get<std::string>().find("body"), std::string::npos);
  EXPECT_EQ(r1["watermark"], "2024-01-03 10:00:00+00");
  EXPECT_EQ(bm25_ids(index, "aquarium filter"), std::vector<std::string>{"1"});
  // The acl column is applied: finance's row is not shown to others.
  EXPECT_TRUE(bm25_ids(index, "预算 审批", {"--principals", "staff"}).empty());
  EXPECT_EQ(bm25_ids(index, "预算 审批", {"--principals", "finance"}), std::vector<std::string>{"2"});
  // An empty array is public.
  EXPECT_EQ(bm25_ids(index, "bicycle parking", {"--principals", "staff"}), std::vector<std::string>{"5"});
  // The other columns are metadata: the query language filters on them.
  EXPECT_EQ(bm25_ids(index, "dept:facilities parking"), std::vector<std::string>{"5"});
  EXPECT_TRUE(bm25_ids(index, "dept:finance parking").empty());
  EXPECT_EQ(bm25_ids(index, "pages:1..2 aquarium"), std::vector<std::string>{"1"});  // integers stay numbers
  EXPECT_TRUE(bm25_ids(index, "pages:>=3 aquarium").empty());
  // The time column is the documents' timestamp.
  EXPECT_EQ(bm25_ids(index, "time:2024-01-01 aquarium"), std::vector<std::string>{"1"});
  EXPECT_TRUE(bm25_ids(index, "time:2023 aquarium").empty());

  // Changes: row 1 edited (its time moves), row 2 deleted, row 4 added.
  ASSERT_TRUE(pg.sql(R"(
UPDATE docs SET body = 'Clean the aquarium pump every Monday.', modified = '2024-02-01T09:00:00Z' WHERE doc_id = 1;
DELETE FROM docs WHERE doc_id = 2;
INSERT INTO docs VALUES (4, 'Coffee', 'The coffee machine is descaled monthly.', '2024-02-02T09:00:00Z', NULL, 'facilities', 1, true);
)"));
  CommandResult second = run_kbseek({"sync", "--index", index, "--source", uri, "--quiet"});
  ASSERT_EQ(second.exit_code, 1) << second.err;  // row 3 is still without text
  json r2 = json::parse(second.out);
  // Rows at or past the watermark: 3 and 5 (at it), 1 and 4 (past it).
  EXPECT_EQ(r2["rows"], 4);
  EXPECT_EQ(r2["added"], 1);
  EXPECT_EQ(r2["changed"], 2);
  EXPECT_EQ(r2["deleted"], json::array({"2"}));
  EXPECT_EQ(r2["watermark"], "2024-02-02 09:00:00+00");
  EXPECT_EQ(bm25_ids(index, "aquarium pump monday"), std::vector<std::string>{"1"});
  EXPECT_TRUE(bm25_ids(index, "friday").empty());
  EXPECT_EQ(bm25_ids(index, "coffee machine"), std::vector<std::string>{"4"});
  EXPECT_TRUE(bm25_ids(index, "预算 审批", {"--principals", "finance"}).empty());

  // Nothing changed: only the row at the watermark is read, and skipped by its hash.
  CommandResult third = run_kbseek({"sync", "--index", index, "--source", uri});
  ASSERT_EQ(third.exit_code, 0) << third.err;
  json r3 = json::parse(third.out);
  EXPECT_EQ(r3["rows"], 1);
  EXPECT_TRUE(r3["deleted"].empty());
  EXPECT_NE(third.err.find("1 unchanged"), std::string::npos) << third.err;
  CommandResult stats = run_kbseek({"stats", "--index", index, "--json"});
  EXPECT_NE(stats.out.find("\"documents\":3"), std::string::npos) << stats.out;
}

TEST(PostgresSyncTest, AQueryWithoutWatermarkAndClearErrorsThatHideThePassword) {
  const std::string dir = temp_dir("pgsync-errors");
  PostgresServer pg(dir + "/pg");
  if (!pg.installed())
    GTEST_SKIP() << "no /usr/lib/postgresql/*/bin/initdb (Debian package postgresql; scripts/setup.sh installs it)";
  ASSERT_TRUE(pg.started()) << pg.why_not();
  ASSERT_TRUE(pg.sql(R"(
CREATE TABLE notes (id text, title text, text text, visible boolean, owners text);
INSERT INTO notes VALUES ('n1', 'Printer', 'Toner is in room 4.', true, 'it, office'),
                         ('n2', 'Hidden', 'A draft nobody should index.', false, NULL);
)"));
  const std::string index = dir + "/index";
  // query= (percent-encoded), default columns id/title/text, acl as "a, b" text.
  const std::string uri = pg.uri("query=SELECT%20*%20FROM%20notes%20WHERE%20visible&acl=owners", "kbseek:sekret");
  CommandResult run = run_kbseek({"sync", "--index", index, "--source", uri, "--quiet"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json r = json::parse(run.out);
  EXPECT_EQ(r["rows"], 1);
  EXPECT_EQ(r["source"].get<std::string>().find("sekret"), std::string::npos) << r.dump();
  EXPECT_NE(r["source"].get<std::string>().find("kbseek:***@"), std::string::npos) << r.dump();
  EXPECT_EQ(bm25_ids(index, "toner", {"--principals", "office"}), std::vector<std::string>{"n1"});
  EXPECT_TRUE(bm25_ids(index, "toner", {"--principals", "sales"}).empty());
  for (const auto& e : fs::directory_iterator(index + "/sync"))
    EXPECT_EQ(read_text_file(e.path().string()).find("sekret"), std::string::npos) << e.path();
  // Rows leaving the query's result are deleted, without any watermark.
  ASSERT_TRUE(pg.sql("UPDATE notes SET visible = false WHERE id = 'n1';"));
  CommandResult again = run_kbseek({"sync", "--index", index, "--source", uri, "--quiet"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(json::parse(again.out)["deleted"], json::array({"n1"}));

  CommandResult bad_column =
      run_kbseek({"sync", "--index", index, "--source", pg.uri("table=notes&text=body", "kbseek:sekret")});
  EXPECT_EQ(bad_column.exit_code, 2);
  EXPECT_NE(bad_column.err.find("text=body names no column"), std::string::npos) << bad_column.err;
  EXPECT_NE(bad_column.err.find("id, title, text, visible, owners"), std::string::npos) << bad_column.err;
  EXPECT_EQ(bad_column.err.find("sekret"), std::string::npos) << bad_column.err;
  CommandResult bad_sql = run_kbseek({"sync", "--index", index, "--source", pg.uri("query=SELEC%20nothing")});
  EXPECT_NE(bad_sql.exit_code, 0);
  EXPECT_NE(bad_sql.err.find("the query fails"), std::string::npos) << bad_sql.err;
  CommandResult no_rows = run_kbseek({"sync", "--index", index, "--source", pg.uri("id=id")});
  EXPECT_EQ(no_rows.exit_code, 2);
  EXPECT_NE(no_rows.err.find("query=SELECT... or table=NAME"), std::string::npos) << no_rows.err;
  CommandResult unreachable =
      run_kbseek({"sync", "--index", index, "--source",
                  "postgresql://kbseek:sekret@127.0.0.1:1/postgres?table=notes&connect_timeout=3"});
  EXPECT_NE(unreachable.exit_code, 0);
  EXPECT_NE(unreachable.err.find("cannot connect"), std::string::npos) << unreachable.err;
  EXPECT_EQ(unreachable.err.find("sekret"), std::string::npos) << unreachable.err;
}

}  // namespace
}  // namespace kbseek::testing
