// Freshness, boosts, MMR and the group cap on hand-made lists (the end-to-
// end test runs them on a real index, tests/app/ranking_test.cc).
#include "ranker/objectives.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace kbseek::ranker {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kNow = 1750000000;

RankedDocument doc(const std::string& id, double score, std::optional<int64_t> age_days = std::nullopt,
                   const std::string& metadata = "{}", int64_t chunk = -1) {
  RankedDocument d;
  d.doc_id = id;
  d.score = score;
  if (age_days) d.timestamp = kNow - *age_days * kDay;
  d.metadata_json = metadata;
  d.best_chunk_id = chunk;
  return d;
}

std::vector<std::string> ids(const core::Result<std::vector<RankedDocument>>& r) {
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  std::vector<std::string> out;
  if (r.is_ok())
    for (const auto& d : r.value()) out.push_back(d.doc_id);
  return out;
}

query::Query q(const char* text) { return query::parse_query(text).value(); }

const ChunkVectors kNoVectors = [](const std::vector<int64_t>&, int*) -> core::Result<std::vector<float>> {
  ADD_FAILURE() << "vectors asked for without MMR";
  return core::Status::internal("no vectors");
};

using V = std::vector<std::string>;

TEST(ObjectivesTest, OffByDefault) {
  RankingOptions o;
  EXPECT_FALSE(o.active(q("budget")));
  auto r = apply_objectives(q("budget"), {doc("a", 3, 900), doc("b", 2, 1)}, o, kNoVectors, 10);
  EXPECT_EQ(ids(r), (V{"a", "b"}));
}

TEST(ObjectivesTest, FreshnessBlendsWithRelevance) {
  RankingOptions o;
  o.now = kNow;
  o.half_life_days = 30;
  // a: most relevant, two years old; b: a bit less, last week; c: least, undated.
  std::vector<RankedDocument> docs = {doc("a", 10, 730), doc("b", 9, 7), doc("c", 1)};
  o.freshness_weight = 0.05;  // little: relevance still decides a vs b (0.95 vs 0.855 + 0.043)
  EXPECT_EQ(ids(apply_objectives(q("budget"), docs, o, kNoVectors, 10)), (V{"a", "b", "c"}));
  o.freshness_weight = 0.3;
  auto r = apply_objectives(q("budget"), docs, o, kNoVectors, 10);
  EXPECT_EQ(ids(r), (V{"b", "a", "c"}));
  const auto& ex = r.value()[0].explanation.back();
  EXPECT_EQ(ex.source, "freshness");
  EXPECT_NEAR(ex.score, std::pow(0.5, 7.0 / 30), 1e-9);
  EXPECT_DOUBLE_EQ(ex.weight, 0.3);
}

TEST(ObjectivesTest, AQueryAskingForRecentThingsGetsFreshness) {
  RankingOptions o;
  o.now = kNow;
  // Relevance is normalised over the list: the weakest (x) sets the scale.
  std::vector<RankedDocument> docs = {doc("old", 10, 1000), doc("new", 9, 3), doc("x", 1)};
  EXPECT_EQ(ids(apply_objectives(q("报销政策"), docs, o, kNoVectors, 10)), (V{"old", "new", "x"}));
  EXPECT_TRUE(o.active(q("最新的报销政策")));
  EXPECT_EQ(ids(apply_objectives(q("最新的报销政策"), docs, o, kNoVectors, 10)), (V{"new", "old", "x"}));
  EXPECT_EQ(ids(apply_objectives(q("latest expense policy"), docs, o, kNoVectors, 10)), (V{"new", "old", "x"}));
  o.recent_weight = 0;  // turned off for this index
  EXPECT_EQ(ids(apply_objectives(q("latest expense policy"), docs, o, kNoVectors, 10)), (V{"old", "new", "x"}));
}

TEST(ObjectivesTest, BoostsMultiplyMatchingMetadata) {
  RankingOptions o;
  o.boosts = {{"dept", "Finance", 2.0}, {"tags", "urgent", 1.5}};
  std::vector<RankedDocument> docs = {doc("a", 10, std::nullopt, R"({"dept":"legal"})"),
                                      doc("b", 6, std::nullopt, R"({"dept":"FINANCE"})"),
                                      doc("c", 5, std::nullopt, R"({"tags":["x","urgent"]})")};
  // On the scale 1 + r: a 2, b 1.2 × 2 = 2.4, c 1 × 1.5 = 1.5.
  auto r = apply_objectives(q("x"), docs, o, kNoVectors, 10);
  EXPECT_EQ(ids(r), (V{"b", "a", "c"}));
  EXPECT_DOUBLE_EQ(r.value()[0].score, 2.4);
  EXPECT_EQ(r.value()[0].explanation.back().source, "boost:dept=finance");
  EXPECT_DOUBLE_EQ(r.value()[2].score, 1.5);
  // The list's worst is not stuck at zero: doubled, it ties the best.
  o.boosts = {{"tags", "urgent", 2.0}};
  EXPECT_DOUBLE_EQ(apply_objectives(q("x"), docs, o, kNoVectors, 10).value()[0].score, 2.0);
}

TEST(ObjectivesTest, MmrPutsNearDuplicatesBehindOtherTopics) {
  // a and a2 point the same way; b elsewhere. Relevance: a > a2 > b.
  const std::map<int64_t, std::vector<float>> vec = {{1, {1, 0, 0}}, {2, {0.99f, 0.14f, 0}}, {3, {0, 1, 0}}};
  ChunkVectors vectors = [&](const std::vector<int64_t>& chunk_ids, int* dim) -> core::Result<std::vector<float>> {
    *dim = 3;
    std::vector<float> out;
    for (int64_t id : chunk_ids) out.insert(out.end(), vec.at(id).begin(), vec.at(id).end());
    return out;
  };
  std::vector<RankedDocument> docs = {doc("a", 1.0, std::nullopt, "{}", 1), doc("a2", 0.9, std::nullopt, "{}", 2),
                                      doc("b", 0.7, std::nullopt, "{}", 3)};
  RankingOptions o;
  o.mmr_lambda = 1;
  EXPECT_FALSE(o.active(q("x")));
  o.mmr_lambda = 0.5;
  auto r = apply_objectives(q("x"), docs, o, vectors, 10);
  EXPECT_EQ(ids(r), (V{"a", "b", "a2"}));
  EXPECT_EQ(r.value()[1].explanation.back().source, "diversity:mmr");
  EXPECT_EQ(r.value()[1].explanation.back().rank, 2);
  o.mmr_lambda = 0.95;  // relevance nearly alone
  EXPECT_EQ(ids(apply_objectives(q("x"), docs, o, vectors, 10)), (V{"a", "a2", "b"}));
  EXPECT_EQ(ids(apply_objectives(q("x"), docs, o, vectors, 2)), (V{"a", "a2"}));
}

TEST(ObjectivesTest, MmrWithoutVectorsIsSkippedWithAWarning) {
  ChunkVectors failing = [](const std::vector<int64_t>&, int*) -> core::Result<std::vector<float>> {
    return core::Status::not_found("chunk 2 has no vector");
  };
  RankingOptions o;
  o.mmr_lambda = 0.5;
  o.group_field = "source";
  o.max_per_group = 1;
  std::vector<RankedDocument> docs = {doc("a", 3, std::nullopt, R"({"source":"x"})", 1),
                                      doc("b", 2, std::nullopt, R"({"source":"x"})", 2),
                                      doc("c", 1, std::nullopt, "{}", 3)};
  std::vector<std::string> warnings;
  auto r = apply_objectives(q("x"), docs, o, failing, 10, &warnings);
  EXPECT_EQ(ids(r), (V{"a", "c"}));  // the cap still applies
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("chunk 2 has no vector"), std::string::npos);
}

TEST(ObjectivesTest, CapPerGroup) {
  RankingOptions o;
  o.group_field = "source";
  o.max_per_group = 1;
  std::vector<RankedDocument> docs = {doc("a1", 5, std::nullopt, R"({"source":"wiki"})"),
                                      doc("a2", 4, std::nullopt, R"({"source":"WIKI"})"), doc("n", 3),
                                      doc("b1", 2, std::nullopt, R"({"source":"mail"})"),
                                      doc("a3", 1, std::nullopt, R"({"source":"wiki"})")};
  EXPECT_EQ(ids(apply_objectives(q("x"), docs, o, kNoVectors, 10)), (V{"a1", "n", "b1"}));
  o.max_per_group = 2;
  EXPECT_EQ(ids(apply_objectives(q("x"), docs, o, kNoVectors, 3)), (V{"a1", "a2", "n"}));
}

TEST(ObjectivesTest, OptionsFromJsonAndTheirErrors) {
  RankingOptions o;
  auto j = nlohmann::json::parse(R"({"freshness_weight":0.2,"half_life_days":90,"mmr_lambda":0.7,
      "group_field":"source","max_per_group":2,"boosts":[{"field":"dept","value":"finance","factor":1.5}]})");
  ASSERT_TRUE(ranking_from_json(j, &o).is_ok());
  EXPECT_DOUBLE_EQ(o.freshness_weight, 0.2);
  EXPECT_DOUBLE_EQ(o.half_life_days, 90);
  EXPECT_DOUBLE_EQ(o.mmr_lambda, 0.7);
  EXPECT_EQ(o.group_field, "source");
  EXPECT_EQ(o.max_per_group, 2);
  ASSERT_EQ(o.boosts.size(), 1u);
  EXPECT_EQ(ranking_to_json(o)["boosts"][0]["factor"], 1.5);
  struct Bad {
    const char* json;
    const char* says;
  } bad[] = {{R"({"freshnes_weight":0.2})", "unknown ranking option \"freshnes_weight\""},
             {R"({"freshness_weight":2})", "freshness weight must be in [0, 1]"},
             {R"({"half_life_days":0})", "half-life"},
             {R"({"mmr_lambda":"high"})", "\"mmr_lambda\" must be a number"},
             {R"({"max_per_group":2,"group_field":""})", "needs a field"},
             {R"({"boosts":[{"field":"dept","value":"x","factor":-1}]})", "factor -1"},
             {R"({"boosts":[{"field":"dept"}]})", "each boost must be"}};
  for (const auto& b : bad) {
    RankingOptions x;
    auto st = ranking_from_json(nlohmann::json::parse(b.json), &x);
    EXPECT_FALSE(st.is_ok()) << b.json;
    EXPECT_NE(st.to_string().find(b.says), std::string::npos) << b.json << ": " << st.to_string();
  }
}

}  // namespace
}  // namespace kbseek::ranker
