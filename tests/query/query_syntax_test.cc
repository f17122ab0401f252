// The query language: what each construct becomes (text and conditions),
// and malformed input in both languages degrading with a warning.
#include "query/query_syntax.h"

#include <gtest/gtest.h>

#include <cmath>

#include "storage/entities.h"

namespace kbseek::query {
namespace {

using storage::Condition;

std::string render(const Condition& c) {
  auto join = [](const std::vector<std::string>& v, const char* sep) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
  };
  auto num = [](double v) {
    if (std::isinf(v)) return std::string(v < 0 ? "-inf" : "inf");
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return std::string(buf);
  };
  std::vector<std::string> kids;
  for (const auto& k : c.children) kids.push_back(render(k));
  switch (c.kind) {
    case Condition::Kind::kAllTerms: return "all(" + join(c.terms, ",") + ")";
    case Condition::Kind::kPhrase: return "phrase(" + join(c.terms, " ") + ")";
    case Condition::Kind::kRange: return "range(" + c.field + "," + num(c.low) + "," + num(c.high) + ")";
    case Condition::Kind::kAll: return "and(" + join(kids, ";") + ")";
    case Condition::Kind::kAny: return "or(" + join(kids, ";") + ")";
    case Condition::Kind::kNot: return "not(" + join(kids, ";") + ")";
  }
  return "?";
}

struct Parsed {
  std::string text;
  std::vector<std::string> must;
  std::vector<std::string> described;
  std::vector<std::string> warnings;
};

Parsed parse(std::string_view q, const storage::IndexedFields* fields = nullptr) {
  SyntaxContext ctx;
  ctx.fields = fields;
  ParsedSyntax p = parse_syntax(q, ctx);
  Parsed out{p.text, {}, p.described, p.warnings};
  for (const auto& c : p.must) out.must.push_back(render(c));
  return out;
}

using V = std::vector<std::string>;

TEST(QuerySyntaxTest, PlainQueriesAreTheirWords) {
  for (const char* q : {"how do I reset my VPN password?", "如何 重置 VPN 密码", "e-mail C++ a-b std::vector",
                        "ratio 3:1 entity: type", "http://example.com/a", "f(x) = y", "a - b"}) {
    Parsed p = parse(q);
    EXPECT_EQ(p.text, q) << q;
    EXPECT_TRUE(p.must.empty()) << q;
    EXPECT_TRUE(p.warnings.empty()) << q;
  }
  EXPECT_EQ(parse("  two   spaces\there ").text, "two spaces here");
  EXPECT_EQ(parse("   ").text, "");
}

TEST(QuerySyntaxTest, PhrasesAreRequiredAndCount) {
  Parsed p = parse("what is a \"Vector Database\" for");
  EXPECT_EQ(p.text, "what is a Vector Database for");
  EXPECT_EQ(p.must, V{"phrase(vector database)"});
  EXPECT_EQ(p.described, V{"\"Vector Database\""});
  EXPECT_EQ(parse("\"向量 检索\"").must, V{"phrase(向量 检索)"});
}

TEST(QuerySyntaxTest, PhrasesWithoutPositionsMatchTheirWordsAndSaySo) {
  storage::IndexedFields old;
  old.positions = false;
  Parsed p = parse("\"vector database\"", &old);
  EXPECT_EQ(p.must, V{"all(vector,database)"});
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_NE(p.warnings[0].find("--repair adds them"), std::string::npos);
}

TEST(QuerySyntaxTest, PlusAndMinus) {
  Parsed p = parse("数据库 +索引 -旧版 -\"old manual\"");
  EXPECT_EQ(p.text, "数据库 索引");
  EXPECT_EQ(p.must, (V{"all(索引)", "not(all(旧版))", "not(phrase(old manual))"}));
  EXPECT_EQ(p.described, (V{"+索引", "-旧版", "-\"old manual\""}));
  // A query of exclusions alone has no text, only conditions.
  Parsed only_not = parse("-draft");
  EXPECT_EQ(only_not.text, "");
  EXPECT_EQ(only_not.must, V{"not(all(draft))"});
}

TEST(QuerySyntaxTest, BooleanOperators) {
  EXPECT_EQ(parse("gpu AND driver").must, V{"and(all(gpu);all(driver))"});
  EXPECT_EQ(parse("gpu AND driver").text, "gpu driver");
  // OR of plain words is the default already: no condition.
  EXPECT_TRUE(parse("gpu OR driver").must.empty());
  EXPECT_EQ(parse("gpu OR driver").text, "gpu driver");
  // OR with a phrase requires one of them.
  EXPECT_EQ(parse("\"a b\" OR c").must, V{"or(phrase(a b);all(c))"});
  // AND binds tighter than OR; parentheses group.
  EXPECT_EQ(parse("a AND b OR c").must, V{"or(and(all(a);all(b));all(c))"});
  EXPECT_EQ(parse("+(a OR b) c").must, V{"or(all(a);all(b))"});
  EXPECT_EQ(parse("+(a OR b) c").text, "a b c");
  EXPECT_EQ(parse("(a OR b) AND c").must, V{"and(or(all(a);all(b));all(c))"});
  EXPECT_EQ(parse("a NOT b").must, V{"not(all(b))"});
  EXPECT_EQ(parse("a && b").must, V{"and(all(a);all(b))"});
  // Lower-case and/or are words.
  EXPECT_TRUE(parse("salt and pepper or sugar").must.empty());
}

TEST(QuerySyntaxTest, ParenthesesAloneDoNotFilter) {
  // Natural questions use parentheses as prose.
  Parsed p = parse("AMP-activated protein kinase (AMPK) activation");
  EXPECT_TRUE(p.must.empty());
  EXPECT_TRUE(p.warnings.empty());
  EXPECT_EQ(p.text, "AMP-activated protein kinase AMPK activation");
  EXPECT_TRUE(parse("alpha (+)- thalassemia").warnings.empty());
}

TEST(QuerySyntaxTest, EntityTypeAndLanguageFilters) {
  Parsed p = parse("显卡 采购 entity:A100 type:money  预算");
  EXPECT_EQ(p.text, "显卡 采购 预算");
  EXPECT_EQ(p.must, (V{"all(XEa100)", "all(XTmoney)"}));
  EXPECT_EQ(p.described, (V{"entity:a100", "type:money"}));
  Parsed quoted = parse("install entity:\"CUDA  11.6\" driver");
  EXPECT_EQ(quoted.text, "install driver");
  EXPECT_EQ(quoted.must, V{"all(XEcuda 11.6)"});
  // The same date written two ways filters alike.
  EXPECT_EQ(parse("entity:2025年9月17日").must, parse("entity:2025-09-17").must);
  EXPECT_EQ(parse("entity:2025年9月17日").text, "");
  EXPECT_EQ(parse("lang:ZH 报销").must, V{"all(XLzh)"});
}

TEST(QuerySyntaxTest, TimeRanges) {
  const double y2024 = 1704067200, y2025 = 1735689600;  // 2024-01-01, 2025-01-01 UTC
  EXPECT_EQ(parse("time:2024").must, V{"range(time,1704067200,1735689599)"});
  EXPECT_EQ(parse("time:2024-01-01..2024-12-31").must, V{"range(time,1704067200,1735689599)"});
  EXPECT_EQ(parse("time:2024-02").must, V{"range(time,1706745600,1709251199)"});  // 29 days: leap year
  EXPECT_EQ(parse("time:>=2025").must, V{"range(time,1735689600,inf)"});
  EXPECT_EQ(parse("time:>2024").must, V{"range(time,1735689600,inf)"});
  EXPECT_EQ(parse("time:<2025").must, V{"range(time,-inf,1735689599)"});
  EXPECT_EQ(parse("time:..2024-06-30").must, V{"range(time,-inf,1719791999)"});
  EXPECT_EQ(parse("time:2024/1/1..").must, V{"range(time,1704067200,inf)"});
  double s = 0, e = 0;
  ASSERT_TRUE(parse_date_period("2024", &s, &e));
  EXPECT_EQ(s, y2024);
  EXPECT_EQ(e, y2025);
  EXPECT_FALSE(parse_date_period("2024-02-30", &s, &e));
  EXPECT_FALSE(parse_date_period("24-01-01", &s, &e));
  EXPECT_FALSE(parse_date_period("2024-13", &s, &e));
  EXPECT_FALSE(parse_date_period("2024-", &s, &e));
}

TEST(QuerySyntaxTest, BadTimeValuesAreSearchedAsWords) {
  Parsed p = parse("报销 time:去年");
  EXPECT_TRUE(p.must.empty());
  EXPECT_EQ(p.text, "报销 time 去年");
  ASSERT_EQ(p.warnings.size(), 1u);
  EXPECT_NE(p.warnings[0].find("time:去年"), std::string::npos);
  EXPECT_TRUE(parse("time:2024..2023").must.empty());  // an empty range is not read
}

TEST(QuerySyntaxTest, MetadataFields) {
  storage::IndexedFields fields;
  fields.positions = true;
  fields.fields = {{"dept", false}, {"price", true}};
  Parsed p = parse("budget dept:Finance price:10..20.5", &fields);
  EXPECT_EQ(p.text, "budget");
  EXPECT_EQ(p.must, (V{"all(XFdept=finance)", "range(price,10,20.5)"}));
  EXPECT_EQ(p.described, (V{"dept:Finance", "price:10..20.5"}));
  EXPECT_EQ(parse("price:>100", &fields).must, V{"range(price,100.00000000000001,inf)"});
  // One number matches the number, or the value as written.
  EXPECT_EQ(parse("price:100", &fields).must, V{"or(range(price,100,100);all(XFprice=100))"});
  EXPECT_EQ(parse("dept:\"Human Resources\"", &fields).must, V{"all(XFdept=human resources)"});
  EXPECT_EQ(parse("-dept:legal", &fields).must, V{"not(all(XFdept=legal))"});
  // Sentence punctuation after a value is not part of it.
  EXPECT_EQ(parse("who approves dept:finance?", &fields).must, V{"all(XFdept=finance)"});
  EXPECT_EQ(parse("预算 dept:finance。", &fields).must, V{"all(XFdept=finance)"});
}

TEST(QuerySyntaxTest, UnknownFieldsAndBadRangesAreSearchedAsWords) {
  storage::IndexedFields fields;
  fields.fields = {{"dept", false}, {"price", true}};
  Parsed unknown = parse("TODO:fix the build", &fields);
  EXPECT_TRUE(unknown.must.empty());
  EXPECT_EQ(unknown.text, "TODO fix the build");
  ASSERT_EQ(unknown.warnings.size(), 1u);
  EXPECT_NE(unknown.warnings[0].find("no field \"todo\""), std::string::npos);
  Parsed not_numeric = parse("dept:1..5", &fields);
  EXPECT_TRUE(not_numeric.must.empty());
  EXPECT_NE(not_numeric.warnings.at(0).find("holds no numbers"), std::string::npos);
  Parsed bad_number = parse("price:cheap..dear", &fields);
  EXPECT_TRUE(bad_number.must.empty());
  EXPECT_EQ(bad_number.warnings.size(), 1u);
  // Without an index's fields, metadata fields are unknown.
  EXPECT_TRUE(parse("dept:finance").must.empty());
}

TEST(QuerySyntaxTest, MalformedQueriesDegradeToPlainTextWithAWarning) {
  struct Case {
    const char* query;
    const char* problem;
  } cases[] = {
      {"\"向量 检索", "never closed"},    {"(数据库 OR 索引", "never closed"}, {"gpu AND", "nothing after it"},
      {"OR driver", "nothing before it"}, {"a OR OR b", "nothing after it"},   {"报销 AND OR 发票", "nothing after it"},
      {"NOT", "nothing after it"},        {"+(   ) x", "empty parentheses"},   {"dept:\"finance", "never closed"},
  };
  for (const auto& c : cases) {
    Parsed p = parse(c.query);
    EXPECT_TRUE(p.must.empty()) << c.query;
    ASSERT_EQ(p.warnings.size(), 1u) << c.query;
    EXPECT_NE(p.warnings[0].find(c.problem), std::string::npos) << c.query << ": " << p.warnings[0];
    EXPECT_NE(p.warnings[0].find("searched as plain text"), std::string::npos) << c.query;
    EXPECT_FALSE(p.text.empty()) << c.query;
  }
  EXPECT_EQ(parse("\"向量  检索").text, "\"向量 检索");
}

}  // namespace
}  // namespace kbseek::query
