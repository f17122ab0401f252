// Composition logic of HybridRetriever: fixed in-memory lists stand in for
// the stores, which this test is not about (the end-to-end tests run the
// real ones).
#include "query/hybrid_retriever.h"

#include <gtest/gtest.h>

namespace kbseek::query {
namespace {

Query q() { return parse_query("q").value(); }

class ListRetriever : public Retriever {
 public:
  ListRetriever(std::string name, std::vector<int64_t> ids, double confidence)
      : name_(std::move(name)), ids_(std::move(ids)), confidence_(confidence) {}
  const std::string& name() const override { return name_; }
  core::Result<std::vector<Candidate>> retrieve(const Query&, int k, const storage::ChunkFilter* allow) const override {
    ++calls;
    std::vector<Candidate> out;
    for (size_t i = 0; i < ids_.size() && static_cast<int>(out.size()) < k; ++i) {
      if (allow != nullptr && !allow->allows(ids_[i])) continue;
      Candidate c;
      c.chunk_id = ids_[i];
      c.score = 1.0 / (out.size() + 1);
      c.sources.push_back({name_, static_cast<int>(out.size()) + 1, c.score});
      out.push_back(c);
    }
    return out;
  }
  double confidence(const Query&) const override { return confidence_; }
  mutable int calls = 0;

 private:
  std::string name_;
  std::vector<int64_t> ids_;
  double confidence_;
};

TEST(HybridRetrieverTest, ConfidenceScalesEachListsWeight) {
  ListRetriever dense("dense", {1, 2, 3}, 0.5);
  ListRetriever bm25("bm25", {3, 2, 1}, 1.0);
  FusionOptions opts;
  opts.confidence_exponent = 2;
  for (FusionMethod method : {FusionMethod::kReciprocalRank, FusionMethod::kWeightedNormalized}) {
    opts.method = method;
    HybridRetriever hybrid({&dense, &bm25}, opts, 10);
    auto r = hybrid.retrieve(q(), 3, nullptr);
    ASSERT_TRUE(r.is_ok());
    // bm25 outweighs dense: its first (3) wins, dense's first (1) comes last.
    EXPECT_EQ(r.value()[0].chunk_id, 3);
    EXPECT_EQ(r.value()[2].chunk_id, 1);
    for (const auto& s : r.value()[0].sources) EXPECT_DOUBLE_EQ(s.weight, s.source == "dense" ? 0.25 : 1.0);
  }
}

TEST(HybridRetrieverTest, ZeroConfidenceSkipsTheRetriever) {
  ListRetriever dense("dense", {1, 2}, 0.0);
  ListRetriever bm25("bm25", {2, 1}, 1.0);
  HybridRetriever hybrid({&dense, &bm25}, FusionOptions{}, 10);
  auto r = hybrid.retrieve(q(), 2, nullptr);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(dense.calls, 0);
  EXPECT_EQ(r.value()[0].chunk_id, 2);
  EXPECT_EQ(r.value()[0].sources.size(), 1u);
}

TEST(HybridRetrieverTest, ExponentZeroIgnoresConfidence) {
  ListRetriever dense("dense", {1, 2}, 0.0);
  ListRetriever bm25("bm25", {2, 1}, 1.0);
  FusionOptions opts;
  opts.confidence_exponent = 0;
  HybridRetriever hybrid({&dense, &bm25}, opts, 10);
  auto r = hybrid.retrieve(q(), 2, nullptr);
  EXPECT_EQ(dense.calls, 1);
  EXPECT_EQ(r.value()[0].sources.size(), 2u);
}

// The caller's filter reaches every part, so a part returns k chunks the
// caller may read and the fused list holds no other.
TEST(HybridRetrieverTest, EveryPartGetsTheCallersFilter) {
  class OddOnly : public storage::ChunkFilter {
   public:
    bool allows(int64_t id) const override { return id % 2 == 1; }
  } odd;
  ListRetriever dense("dense", {2, 1, 4, 3, 6, 5}, 1.0);
  ListRetriever bm25("bm25", {4, 5, 2, 3, 1}, 1.0);
  HybridRetriever hybrid({&dense, &bm25}, FusionOptions{}, 2);
  auto r = hybrid.retrieve(q(), 3, &odd);
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r.value().size(), 3u);
  for (const auto& c : r.value()) EXPECT_EQ(c.chunk_id % 2, 1) << c.chunk_id;
}

}  // namespace
}  // namespace kbseek::query
