#include "query/eval.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>

namespace kbseek::query {
namespace {

TEST(EvalTest, PerfectAndMissedRankings) {
  std::map<std::string, int> rel = {{"a", 1}};
  auto m = score_query({"a", "b", "c"}, rel);
  EXPECT_DOUBLE_EQ(m.ndcg10, 1.0);
  EXPECT_DOUBLE_EQ(m.mrr10, 1.0);
  EXPECT_DOUBLE_EQ(m.recall10, 1.0);
  auto miss = score_query({"b", "c"}, rel);
  EXPECT_DOUBLE_EQ(miss.ndcg10, 0.0);
  EXPECT_DOUBLE_EQ(miss.recall100, 0.0);
}

TEST(EvalTest, GradedNdcgMatchesHandComputation) {
  // BEIR/pytrec_eval: linear gains, log2(rank + 1) discount.
  std::map<std::string, int> rel = {{"a", 2}, {"b", 1}};
  auto m = score_query({"x", "b", "a"}, rel);
  double dcg = 1 / std::log2(3.0) + 2 / std::log2(4.0);
  double idcg = 2 / std::log2(2.0) + 1 / std::log2(3.0);
  EXPECT_NEAR(m.ndcg10, dcg / idcg, 1e-12);
  EXPECT_DOUBLE_EQ(m.mrr10, 0.5);
}

TEST(EvalTest, RecallAt100CountsBeyondTen) {
  std::vector<std::string> ranked;
  for (int i = 0; i < 50; ++i) ranked.push_back("d" + std::to_string(i));
  auto m = score_query(ranked, {{"d3", 1}, {"d40", 1}});
  EXPECT_DOUBLE_EQ(m.recall10, 0.5);
  EXPECT_DOUBLE_EQ(m.recall100, 1.0);
}

TEST(EvalTest, LoadsBeirFilesAndReportsBadLines) {
  std::string dir = ::testing::TempDir();
  {
    std::ofstream q(dir + "/q.jsonl");
    q << R"({"_id":"q1","text":"什么是数据库"})"
      << "\n"
      << R"({"_id":"q2","text":"what is BM25"})"
      << "\n";
    std::ofstream r(dir + "/qrels.tsv");
    r << "query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t2\n";
    std::ofstream bad(dir + "/bad.tsv");
    bad << "query-id\tcorpus-id\tscore\nq1\td1\n";
  }
  auto q = load_eval_queries(dir + "/q.jsonl");
  ASSERT_TRUE(q.is_ok());
  ASSERT_EQ(q->size(), 2u);
  EXPECT_EQ((*q)[0].text, "什么是数据库");
  auto r = load_qrels(dir + "/qrels.tsv");
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.value().at("q2").at("d2"), 2);
  auto bad = load_qrels(dir + "/bad.tsv");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("bad.tsv:2"), std::string::npos) << bad.status().message();
}

TEST(EvalTest, PercentilesAndMeans) {
  EvalAccumulator acc;
  for (int i = 1; i <= 100; ++i) acc.add(QueryMetrics{i <= 50 ? 1.0 : 0.0, 0, 0, 0}, i);
  auto s = acc.summary();
  EXPECT_EQ(s.queries, 100);
  EXPECT_DOUBLE_EQ(s.ndcg10, 0.5);
  EXPECT_DOUBLE_EQ(s.p50_ms, 50);
  EXPECT_DOUBLE_EQ(s.p99_ms, 99);
}

}  // namespace
}  // namespace kbseek::query
