// Lexical retrieval: BM25 over the index's Xapian database.
#pragma once

#include "query/retriever.h"
#include "storage/index_folder.h"

namespace kbseek::query {

class LexicalRetriever : public Retriever {
 public:
  // `index` must outlive the retriever. Queries must be parsed with it
  // (parse_query(raw, index)): their lexical terms are this index's.
  explicit LexicalRetriever(const storage::IndexFolder* index);
  const std::string& name() const override { return name_; }
  // BM25 over Query::search_terms among the chunks meeting Query::must.
  core::Result<std::vector<Candidate>> retrieve(const Query& query, int k,
                                                const storage::ChunkFilter* allow) const override;
  // The share of the query's distinct terms that occur in the index
  // (IndexFolder::known_share): near 1 when query and documents share a
  // language, near 0 for an English question over Chinese documents, where
  // BM25 can only match stray names and numbers. 1 for a query of
  // conditions alone: the list is BM25's.
  double confidence(const Query& query) const override;

 private:
  const storage::IndexFolder* index_;
  std::string name_ = "bm25";
};

}  // namespace kbseek::query
