// parse_postgres_uri: kbseek's parameters are taken out of libpq's URI,
// decoded and defaulted; the password never reaches `display`; bad URIs
// name what is wrong. (The rows themselves: tests/app/postgres_sync_test.cc.)
#include <gtest/gtest.h>

#include "indexer/postgres_source.h"

namespace kbseek::indexer {
namespace {

TEST(PostgresUriTest, SplitsKbseeksParametersFromLibpqs) {
  auto s = parse_postgres_uri(
      "postgresql://reader:s3cr%40t@db.example:5433/kb?sslmode=require&query=SELECT%20*%20FROM%20t+WHERE+x%3D1"
      "&id=doc_id&updated=modified&connect_timeout=5&acl=groups");
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ(s->conninfo, "postgresql://reader:s3cr%40t@db.example:5433/kb?sslmode=require&connect_timeout=5");
  EXPECT_EQ(s->query, "SELECT * FROM t WHERE x=1");
  EXPECT_EQ(s->id_column, "doc_id");
  EXPECT_EQ(s->text_column, "text");
  EXPECT_EQ(s->updated_column, "modified");
  EXPECT_EQ(s->acl_column, "groups");
  EXPECT_TRUE(s->title_column.empty());
  EXPECT_EQ(s->display.find("s3cr"), std::string::npos) << s->display;
  EXPECT_EQ(s->display.rfind("postgresql://reader:***@db.example:5433/kb?", 0), 0u) << s->display;
}

TEST(PostgresUriTest, TablesAreQuotedAndPasswordParametersMasked) {
  auto s = parse_postgres_uri("postgres:///kb?host=/run/postgresql&password=hunter2&table=hr.Staff%22x");
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ(s->query, "SELECT * FROM \"hr\".\"Staff\"\"x\"");
  EXPECT_EQ(s->conninfo, "postgres:///kb?host=/run/postgresql&password=hunter2");
  EXPECT_EQ(s->display.find("hunter2"), std::string::npos) << s->display;
  EXPECT_NE(s->display.find("password=***"), std::string::npos) << s->display;
}

TEST(PostgresUriTest, BadUrisSayWhatIsWrong) {
  auto neither = parse_postgres_uri("postgresql://h/db?id=x");
  ASSERT_FALSE(neither.is_ok());
  EXPECT_NE(neither.status().message().find("query=SELECT... or table=NAME"), std::string::npos);
  EXPECT_FALSE(parse_postgres_uri("postgresql://h/db?table=a&query=SELECT%201").is_ok());
  auto encoding = parse_postgres_uri("postgresql://h/db?query=SELECT%2");
  ASSERT_FALSE(encoding.is_ok());
  EXPECT_NE(encoding.status().message().find("query: bad percent-encoding"), std::string::npos)
      << encoding.status().message();
  auto empty = parse_postgres_uri("postgresql://u:pw@h/db?table");
  ASSERT_FALSE(empty.is_ok());
  EXPECT_EQ(empty.status().message().find("pw@"), std::string::npos) << empty.status().message();
  EXPECT_FALSE(parse_postgres_uri("mysql://h/db?table=t").is_ok());
}

}  // namespace
}  // namespace kbseek::indexer
