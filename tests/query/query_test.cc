// parse_query: every feature of the one parsed query, in Chinese and English.
#include "query/query.h"

#include <gtest/gtest.h>

namespace kbseek::query {
namespace {

Query parse(std::string_view raw) {
  auto q = parse_query(raw);
  EXPECT_TRUE(q.is_ok()) << q.status().to_string();
  return q.is_ok() ? q.value() : Query{};
}

TEST(QueryTest, RefusesInvalidUtf8) {
  auto q = parse_query("abc\xff");
  ASSERT_FALSE(q.is_ok());
  EXPECT_NE(q.status().to_string().find("UTF-8"), std::string::npos);
}

TEST(QueryTest, FiltersLeaveTheText) {
  Query q = parse("显卡  采购 entity:A100 预算");
  EXPECT_EQ(q.raw, "显卡  采购 entity:A100 预算");
  EXPECT_EQ(q.text, "显卡 采购 预算");
  ASSERT_EQ(q.must.size(), 1u);
  ASSERT_EQ(q.described.size(), 1u);
  EXPECT_EQ(q.described[0], "entity:a100");
}

TEST(QueryTest, ScriptSharesAndLanguages) {
  Query zh = parse("如何重置 VPN 密码");
  // 如何重置密码: six Han characters; VPN: one Latin word.
  EXPECT_EQ(zh.length, 7);
  EXPECT_NEAR(zh.script_shares.at("han"), 6.0 / 7, 1e-9);
  EXPECT_NEAR(zh.script_shares.at("latin"), 1.0 / 7, 1e-9);
  EXPECT_EQ(zh.languages, (std::vector<std::string>{"zh", "en"}));

  Query en = parse("how do I reset my 密码");
  EXPECT_EQ(en.languages, (std::vector<std::string>{"en", "zh"}));
  EXPECT_EQ(parse("東京の天気").languages, (std::vector<std::string>{"ja"}));
  EXPECT_EQ(parse("서울 날씨").languages, (std::vector<std::string>{"ko"}));
  Query none = parse("12345 !!");
  EXPECT_EQ(none.length, 0);
  EXPECT_TRUE(none.languages.empty());
  EXPECT_TRUE(none.script_shares.empty());
}

TEST(QueryTest, IdentifiersAndNumbers) {
  Query q = parse("A100的显存 gpt4o max_k std::vector LangChain VPN 2025 3.14 1,024 and the");
  EXPECT_EQ(q.identifiers, (std::vector<std::string>{"A100", "gpt4o", "max_k", "std::vector", "LangChain", "VPN"}));
  EXPECT_EQ(q.numbers, (std::vector<std::string>{"2025", "3.14", "1,024"}));
  Query plain = parse("how to reset a password");
  EXPECT_TRUE(plain.identifiers.empty());
  EXPECT_TRUE(plain.numbers.empty());
  EXPECT_TRUE(parse("A").identifiers.empty());  // one capital is not an acronym
}

TEST(QueryTest, EntitiesOnceEach) {
  Query q = parse("CUDA 11.6 和 CUDA 11.6 的区别");
  EXPECT_EQ(q.entity_terms.size(), 1u);
  EXPECT_TRUE(parse("天气很好").entity_terms.empty());
}

TEST(QueryTest, ChineseQuestionForms) {
  EXPECT_EQ(parse("什么是向量数据库").question, QuestionForm::kWhat);
  EXPECT_EQ(parse("如何重置密码").question, QuestionForm::kHow);
  EXPECT_EQ(parse("怎么安装驱动").question, QuestionForm::kHow);
  EXPECT_EQ(parse("为什么天空是蓝色的").question, QuestionForm::kWhy);
  EXPECT_EQ(parse("长城是什么时候修建的").question, QuestionForm::kWhen);
  EXPECT_EQ(parse("总部在哪里").question, QuestionForm::kWhere);
  EXPECT_EQ(parse("谁发明了电话").question, QuestionForm::kWho);
  EXPECT_EQ(parse("哪个型号更快").question, QuestionForm::kWhich);
  EXPECT_EQ(parse("一共有多少员工").question, QuestionForm::kQuantity);
  EXPECT_EQ(parse("这个接口支持流式输出吗？").question, QuestionForm::kYesNo);
  EXPECT_EQ(parse("是否支持中文").question, QuestionForm::kYesNo);
  EXPECT_EQ(parse("显卡 采购 预算").question, QuestionForm::kNone);
  // The earliest question word decides: this asks why.
  EXPECT_EQ(parse("为什么说它是什么").question, QuestionForm::kWhy);
}

TEST(QueryTest, EnglishQuestionForms) {
  EXPECT_EQ(parse("What is a vector database?").question, QuestionForm::kWhat);
  EXPECT_EQ(parse("how to reset a password").question, QuestionForm::kHow);
  EXPECT_EQ(parse("How many employees are there").question, QuestionForm::kQuantity);
  EXPECT_EQ(parse("why is the sky blue").question, QuestionForm::kWhy);
  EXPECT_EQ(parse("When was the wall built").question, QuestionForm::kWhen);
  EXPECT_EQ(parse("where is the head office").question, QuestionForm::kWhere);
  EXPECT_EQ(parse("who invented the telephone").question, QuestionForm::kWho);
  EXPECT_EQ(parse("which model is faster").question, QuestionForm::kWhich);
  EXPECT_EQ(parse("Does the API stream?").question, QuestionForm::kYesNo);
  EXPECT_EQ(parse("password reset policy").question, QuestionForm::kNone);
  EXPECT_STREQ(question_form_name(QuestionForm::kYesNo), "yes-no");
}

TEST(QueryTest, TimeIntent) {
  EXPECT_TRUE(parse("最新的报销政策").time.recent);
  EXPECT_TRUE(parse("最近的版本").time.recent);
  EXPECT_TRUE(parse("latest release notes").time.recent);
  EXPECT_TRUE(parse("what changed this year").time.recent);
  EXPECT_FALSE(parse("报销政策").time.recent);
  EXPECT_FALSE(parse("the history of the wall").time.recent);
  EXPECT_EQ(parse("2025年 财报 2024 对比 2025").time.years, (std::vector<int>{2025, 2024}));
  // Not years: other numbers of four digits, parts of longer numbers.
  EXPECT_TRUE(parse("port 8080 and 123456 and 1800").time.years.empty());
  EXPECT_EQ(parse("released 2023-09-17").time.years, (std::vector<int>{2023}));
}

TEST(QueryTest, WordsForSnippets) {
  EXPECT_EQ(parse("Reset VPN entity:A100").words, (std::vector<std::string>{"reset", "vpn"}));
}

TEST(QueryTest, NoIndexNoLexicalTerms) {
  Query q = parse("reset password");
  EXPECT_TRUE(q.search_terms.empty());
  EXPECT_TRUE(q.known_terms.empty());
}

}  // namespace
}  // namespace kbseek::query
