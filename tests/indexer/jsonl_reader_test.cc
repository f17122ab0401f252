// Bad-input cases are declarative: tests/data/indexer/bad_lines.{jsonl,expected}.
#include "indexer/jsonl_reader.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>

namespace kbseek::indexer {
namespace {

const std::string kData = KBSEEK_TEST_DATA_DIR "/indexer/";

TEST(JsonlReaderTest, EveryLineMatchesItsExpectedOutcome) {
  std::map<int64_t, std::pair<std::string, std::string>> expected;  // line -> (kind, detail)
  std::ifstream ex(kData + "bad_lines.expected");
  ASSERT_TRUE(ex) << "missing bad_lines.expected";
  std::string line;
  while (std::getline(ex, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ss(line);
    int64_t n;
    std::string kind, detail;
    ss >> n >> kind;
    std::getline(ss >> std::ws, detail);
    expected[n] = {kind, detail};
  }
  std::map<int64_t, std::string> got_ok, got_reject;
  const std::string path = kData + "bad_lines.jsonl";
  auto st = read_jsonl(
      path,
      [&](storage::Document&& d, int64_t n) {
        got_ok[n] = d.id;
        return true;
      },
      [&](const Rejection& r) {
        EXPECT_EQ(r.source, path);
        EXPECT_EQ(r.to_string().rfind(path + ":" + std::to_string(r.line) + ": ", 0), 0u) << r.to_string();
        got_reject[r.line] = r.reason;
        return true;
      });
  ASSERT_TRUE(st.is_ok()) << st.to_string();
  EXPECT_EQ(got_ok.size() + got_reject.size(), expected.size());
  for (const auto& [n, e] : expected) {
    if (e.first == "ok") {
      ASSERT_TRUE(got_ok.count(n)) << "line " << n << " rejected: " << got_reject[n];
      EXPECT_EQ(got_ok[n], e.second) << "line " << n;
    } else {
      ASSERT_TRUE(got_reject.count(n)) << "line " << n << " was accepted, expected: " << e.second;
      EXPECT_NE(got_reject[n].find(e.second), std::string::npos)
          << "line " << n << ": reason \"" << got_reject[n] << "\" lacks \"" << e.second << "\"";
    }
  }
}

TEST(JsonlReaderTest, FieldsAreParsed) {
  auto d = parse_document_line(
      R"({"id":"x","title":"T","text":"body","timestamp":"2025-09-17T08:30:00+08:00","metadata":{"a":1},"acl":["g1","g2"]})");
  ASSERT_TRUE(d.is_ok()) << d.status().to_string();
  EXPECT_EQ(d->id, "x");
  EXPECT_EQ(d->title, "T");
  EXPECT_EQ(d->text, "body");
  ASSERT_TRUE(d->timestamp.has_value());
  EXPECT_EQ(*d->timestamp, 1758069000);  // 2025-09-17T00:30:00Z
  EXPECT_EQ(d->metadata_json, R"({"a":1})");
  EXPECT_EQ(d->acl, (std::vector<std::string>{"g1", "g2"}));
}

TEST(JsonlReaderTest, TimestampForms) {
  EXPECT_EQ(parse_timestamp("1970-01-01").value(), 0);
  EXPECT_EQ(parse_timestamp("2000-03-01T00:00:00Z").value(), 951868800);
  EXPECT_EQ(parse_timestamp("2024-02-29 12:00").value(), 1709208000);
  EXPECT_FALSE(parse_timestamp("2024-13-01").is_ok());
  EXPECT_FALSE(parse_timestamp("2024-01-01T10:00junk").is_ok());
}

TEST(JsonlReaderTest, MissingFileIsAnIoErrorNamingThePath) {
  auto st = read_jsonl(
      "/nonexistent/docs.jsonl", [](storage::Document&&, int64_t) { return true; },
      [](const Rejection&) { return true; });
  EXPECT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("/nonexistent/docs.jsonl"), std::string::npos);
}

}  // namespace
}  // namespace kbseek::indexer
