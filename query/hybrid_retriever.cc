// Hybrid retriever.
#include "query/hybrid_retriever.h"

#include <algorithm>

#include "core/stage_times.h"

namespace kbseek::query {

HybridRetriever::HybridRetriever(std::vector<const Retriever*> parts, FusionOptions options, int depth)
    : parts_(std::move(parts)), options_(std::move(options)), depth_(depth) {}

core::Result<std::vector<Candidate>> HybridRetriever::retrieve(const Query& query, int k,
                                                               const storage::ChunkFilter* allow) const {
  std::vector<std::vector<Candidate>> lists;
  lists.reserve(parts_.size());
  const int depth = std::max(k, depth_);
  FusionOptions opts = options_;
  opts.weights.resize(parts_.size(), 1.0);
  for (size_t i = 0; i < parts_.size(); ++i) {
    if (opts.confidence_exponent > 0)
      opts.weights[i] = adapted_weight(opts.weights[i], parts_[i]->confidence(query), opts.confidence_exponent);
    if (opts.weights[i] <= 0) {
      lists.emplace_back();  // not worth asking: its list would carry no weight
      continue;
    }
    KB_ASSIGN_OR_RETURN(auto list, parts_[i]->retrieve(query, depth, allow));
    lists.push_back(std::move(list));
  }
  core::StageTimer timer(core::Stage::kFuse);
  return fuse(lists, opts, k);
}

}  // namespace kbseek::query
