// Entity retrieval over one index folder.
#include "query/entity_retriever.h"

namespace kbseek::query {

EntityRetriever::EntityRetriever(const storage::IndexFolder* index) : index_(index) {}

core::Result<std::vector<Candidate>> EntityRetriever::retrieve(const Query& query, int k,
                                                               const storage::ChunkFilter* allow) const {
  if (query.entity_terms.empty()) return std::vector<Candidate>{};
  KB_ASSIGN_OR_RETURN(auto hits, index_->search_any(query.entity_terms, k, query.must, allow));
  return to_candidates(hits, name_);
}

double EntityRetriever::confidence(const Query& query) const { return query.entity_terms.empty() ? 0.0 : 1.0; }

}  // namespace kbseek::query
