// The tuner recovers a planted weight, keeps the rules where they are best,
// learns per class, and the fusion model reads back what it wrote.
#include "query/tuner.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <random>

namespace kbseek::query {
namespace {

// Two lists over 20 chunks (chunk c is document "d<c>") with random scores;
// the relevant document is the top of the two fused at weights a = 1 and
// b = planted_b: the labels come from the planted weight.
std::vector<TuneQuery> planted(int n, double planted_b, double prior_b,
                               std::unordered_map<int64_t, std::string>* doc_of, const std::string& cls = "en-question",
                               uint32_t seed = 7) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<TuneQuery> out;
  for (int i = 0; i < n; ++i) {
    TuneQuery q;
    q.id = "q" + std::to_string(i) + cls;
    q.cls = cls;
    q.test = is_test_query(q.id, 0.3);
    for (const char* key : {"a", "b"}) {
      TuneList l;
      l.key = key;
      l.prior = key[0] == 'a' ? 1.0 : prior_b;
      for (int64_t c = 0; c < 20; ++c) {
        Candidate cand;
        cand.chunk_id = i * 100 + c;
        cand.score = u(rng);
        l.candidates.push_back(cand);
        (*doc_of)[cand.chunk_id] = "d" + std::to_string(cand.chunk_id);
      }
      std::sort(l.candidates.begin(), l.candidates.end(),
                [](const Candidate& x, const Candidate& y) { return x.score > y.score; });
      q.lists.push_back(std::move(l));
    }
    FusionOptions fo;
    fo.weights = {1.0, planted_b};
    auto fused = fuse({q.lists[0].candidates, q.lists[1].candidates}, fo, 1);
    q.relevant[(*doc_of)[fused[0].chunk_id]] = 1;
    out.push_back(std::move(q));
  }
  return out;
}

TEST(TunerTest, RecoversAPlantedWeight) {
  std::unordered_map<int64_t, std::string> doc_of;
  auto qs = planted(300, 0.3, 1.0, &doc_of);
  TuneReport r = tune(qs, doc_of, TuneOptions{});
  const double ratio = r.model.global.at("b") / r.model.global.at("a");
  EXPECT_GE(ratio, 0.2) << "a=" << r.model.global.at("a") << " b=" << r.model.global.at("b");
  EXPECT_LE(ratio, 0.45) << "a=" << r.model.global.at("a") << " b=" << r.model.global.at("b");
  EXPECT_GT(r.test.tuned, r.test.fixed + 0.1);
  EXPECT_GT(r.test.tuned, 0.95);
  EXPECT_GT(r.test.queries, 50);
  EXPECT_GT(r.train.queries, 150);
}

TEST(TunerTest, KeepsTheRulesWhenTheyAreBest) {
  std::unordered_map<int64_t, std::string> doc_of;
  auto qs = planted(200, 0.3, 0.3, &doc_of);  // the prior is the planted weight
  TuneReport r = tune(qs, doc_of, TuneOptions{});
  EXPECT_DOUBLE_EQ(r.model.global.at("b") / r.model.global.at("a"), 0.3);
  EXPECT_DOUBLE_EQ(r.test.tuned, r.test.fixed);
}

TEST(TunerTest, ClassesLearnTheirOwnWeights) {
  std::unordered_map<int64_t, std::string> doc_of;
  auto qs = planted(200, 0.2, 1.0, &doc_of, "en-question", 1);
  auto zh = planted(200, 3.0, 1.0, &doc_of, "zh-keywords", 2);
  qs.insert(qs.end(), zh.begin(), zh.end());
  TuneReport r = tune(qs, doc_of, TuneOptions{});
  ASSERT_EQ(r.model.classes.count("en-question") + r.model.classes.count("zh-keywords"), 2u);
  const auto& en = r.model.classes.at("en-question");
  const auto& z = r.model.classes.at("zh-keywords");
  EXPECT_LT(en.at("b") / en.at("a"), 1.0);
  EXPECT_GT(z.at("b") / z.at("a"), 1.0);
  EXPECT_GT(r.test_by_class.at("en-question").tuned, 0.9);
  EXPECT_GT(r.test_by_class.at("zh-keywords").tuned, 0.9);
}

TEST(FusionModelTest, WeightsByClassAndJsonRoundTrip) {
  FusionModel m;
  m.confidence_exponent = 1;
  m.global = {{"bm25", 1}, {"use-m3", 0.3}};
  m.classes["zh-question"] = {{"bm25", 0.5}, {"use-m3", 0.7}};
  const Query zhq = parse_query("为什么天空是蓝色的").value();
  const Query en = parse_query("sky colour").value();
  EXPECT_EQ(query_class(zhq), "zh-question");
  EXPECT_EQ(query_class(en), "en-keywords");
  EXPECT_EQ(query_class(parse_query("12345").value()), "other-keywords");
  EXPECT_DOUBLE_EQ(m.weight(zhq, "bm25", 9), 0.5);
  EXPECT_DOUBLE_EQ(m.weight(en, "bm25", 9), 1);
  EXPECT_DOUBLE_EQ(m.weight(en, "new-model", 9), 9);
  auto back = fusion_model_from_json(to_json(m));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back.value().global, m.global);
  EXPECT_EQ(back.value().classes, m.classes);
  EXPECT_DOUBLE_EQ(back.value().confidence_exponent, 1);
  for (const char* bad : {R"({"version":2})", R"({"version":1,"global":{"bm25":-1}})",
                          R"({"version":1,"classes":{"x":[1]}})", R"([1])"}) {
    auto r = fusion_model_from_json(nlohmann::json::parse(bad));
    EXPECT_FALSE(r.is_ok()) << bad;
    EXPECT_NE(r.status().to_string().find("fusion model"), std::string::npos) << bad;
  }
}

}  // namespace
}  // namespace kbseek::query
