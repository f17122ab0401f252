// Groups chunk candidates into documents. A document scores its best chunk
// (MaxP, Dai & Callan 2019: the best passage predicts document relevance
// better than sums, which favour long documents), plus, when
// `other_chunks_weight` > 0, a damped sum of its other chunks in the list:
//   score = s_1 + w · Σ_{j ≥ 2} s_j / j
// with s_1 ≥ s_2 ≥ … its chunks' scores among the candidates. The 1/j keeps
// a long document's many weak chunks from outweighing another's strong one,
// while a document that matches in several places gains over one that
// matches once (bench/results/longdoc.md measures w).
#pragma once

#include "ranker/ranker.h"
#include "storage/index_folder.h"

namespace kbseek::ranker {

class BestChunkRanker : public Ranker {
 public:
  explicit BestChunkRanker(const storage::IndexFolder* index) : index_(index) {}
  core::Result<std::vector<RankedDocument>> rank(const query::Query& query,
                                                 const std::vector<query::Candidate>& candidates, int k,
                                                 const storage::Principals& who,
                                                 const GroupingOptions& grouping) const override;

 private:
  const storage::IndexFolder* index_;
};

}  // namespace kbseek::ranker
