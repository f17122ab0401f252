// Groups chunk candidates into documents, each scored by its best chunk
// (MaxP, Dai & Callan 2019: the best passage predicts document relevance
// better than sums, which favour long documents).
#pragma once

#include "ranker/ranker.h"
#include "storage/index_folder.h"

namespace kbseek::ranker {

class BestChunkRanker : public Ranker {
 public:
  explicit BestChunkRanker(const storage::IndexFolder* index) : index_(index) {}
  core::Result<std::vector<RankedDocument>> rank(const query::Query& query,
                                                 const std::vector<query::Candidate>& candidates, int k,
                                                 const storage::Principals& who) const override;

 private:
  const storage::IndexFolder* index_;
};

}  // namespace kbseek::ranker
