// Hybrid retrieval: a retriever made of retrievers, fused.
//
// Each part is asked for max(k, depth) candidates (fusion needs more than the
// final k from each list to find agreement), then the lists are fused. The
// weights adapt to each query: a part's weight is scaled by its confidence
// for the query raised to FusionOptions::confidence_exponent, so a dense
// model that cannot read a query's words hands the ranking to BM25.
#pragma once

#include <vector>

#include "query/fusion.h"
#include "query/retriever.h"

namespace kbseek::query {

class HybridRetriever : public Retriever {
 public:
  // Parts must outlive this retriever. options.weights pairs with parts.
  HybridRetriever(std::vector<const Retriever*> parts, FusionOptions options, int depth = 100);
  const std::string& name() const override { return name_; }
  core::Result<std::vector<Candidate>> retrieve(const Query& query, int k,
                                                const storage::ChunkFilter* allow) const override;

 private:
  std::vector<const Retriever*> parts_;
  FusionOptions options_;
  int depth_;
  std::string name_ = "hybrid";
};

}  // namespace kbseek::query
