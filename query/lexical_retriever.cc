// BM25 retrieval over one index folder.
#include "query/lexical_retriever.h"

namespace kbseek::query {

LexicalRetriever::LexicalRetriever(const storage::IndexFolder* index) : index_(index) {}

core::Result<std::vector<Candidate>> LexicalRetriever::retrieve(const Query& query, int k,
                                                                const storage::ChunkFilter* allow) const {
  KB_ASSIGN_OR_RETURN(auto hits,
                      index_->search_lexical(storage::LexicalQuery{query.search_terms, query.must}, k, allow));
  return to_candidates(hits, name_);
}

double LexicalRetriever::confidence(const Query& query) const {
  if (query.text.empty()) return query.must.empty() ? 0.0 : 1.0;
  auto share = index_->known_share(query.known_terms);
  // A failed lookup must not silence BM25: search itself reports the error.
  return share.is_ok() ? share.value() : 1.0;
}

}  // namespace kbseek::query
