#include "query/fusion.h"

#include <gtest/gtest.h>

namespace kbseek::query {
namespace {

std::vector<Candidate> list(const std::string& source, std::vector<std::pair<int64_t, double>> items) {
  std::vector<Candidate> out;
  int rank = 0;
  for (auto [id, score] : items) {
    Candidate c;
    c.chunk_id = id;
    c.score = score;
    c.sources.push_back({source, ++rank, score});
    out.push_back(c);
  }
  return out;
}

TEST(FusionTest, ReciprocalRankRewardsAgreement) {
  auto dense = list("dense", {{1, 0.9}, {2, 0.8}, {3, 0.7}});
  auto bm25 = list("bm25", {{3, 12.0}, {4, 11.0}, {1, 2.0}});
  FusionOptions rrf;
  rrf.method = FusionMethod::kReciprocalRank;
  auto fused = fuse({dense, bm25}, rrf, 10);
  ASSERT_EQ(fused.size(), 4u);
  // 1: 1/61 + 1/63; 3: 1/63 + 1/61 (tie, broken by id); 2: 1/62; 4: 1/62.
  EXPECT_EQ(fused[0].chunk_id, 1);
  EXPECT_EQ(fused[1].chunk_id, 3);
  EXPECT_NEAR(fused[0].score, 1.0 / 61 + 1.0 / 63, 1e-12);
  EXPECT_EQ(fused[0].sources.size(), 2u);
  EXPECT_EQ(fused[2].chunk_id, 2);
  EXPECT_EQ(fused[3].chunk_id, 4);
}

TEST(FusionTest, WeightsAndTruncation) {
  auto dense = list("dense", {{1, 0.9}, {2, 0.8}});
  auto bm25 = list("bm25", {{2, 5.0}, {3, 4.0}});
  FusionOptions opts;
  opts.method = FusionMethod::kReciprocalRank;
  opts.weights = {0.0, 1.0};  // dense switched off
  auto fused = fuse({dense, bm25}, opts, 1);
  ASSERT_EQ(fused.size(), 1u);
  EXPECT_EQ(fused[0].chunk_id, 2);
  EXPECT_EQ(fused[0].sources.size(), 1u);
  EXPECT_EQ(fused[0].sources[0].source, "bm25");
}

TEST(FusionTest, WeightedNormalisedUsesScoresNotRanks) {
  auto dense = list("dense", {{1, 0.90}, {2, 0.89}, {3, 0.10}});
  auto bm25 = list("bm25", {{3, 10.0}, {2, 9.9}, {1, 0.0}});
  FusionOptions opts;
  opts.method = FusionMethod::kWeightedNormalized;
  auto fused = fuse({dense, bm25}, opts, 3);
  // 2 is near the top of both lists: ~0.99 + ~0.99 beats 1.0 + 0 for either end.
  EXPECT_EQ(fused[0].chunk_id, 2);
  EXPECT_NEAR(fused[0].score, (0.89 - 0.10) / 0.80 + 9.9 / 10.0, 1e-9);
}

TEST(FusionTest, EmptyListsGiveEmptyResult) { EXPECT_TRUE(fuse({{}, {}}, FusionOptions{}, 10).empty()); }

}  // namespace
}  // namespace kbseek::query
