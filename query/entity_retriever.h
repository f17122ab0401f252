// Entity retrieval: the chunks that hold the query's own entities.
#pragma once

#include "query/retriever.h"
#include "storage/index_folder.h"

namespace kbseek::query {

// The chunks that hold the query's own entities (dates, amounts, versions,
// identifiers such as A100 or RFC 9110: storage/entities.h; Query::
// entity_terms), scored by how many they hold. Entities survive
// translation, so this list serves a Chinese question about "CUDA 11.6"
// over English manuals as well as an English one. Only chunks meeting the
// query's conditions (Query::must) are listed. Confidence 1 when the
// query has entities, else 0 (the list is then not asked for).
class EntityRetriever : public Retriever {
 public:
  explicit EntityRetriever(const storage::IndexFolder* index);
  const std::string& name() const override { return name_; }
  core::Result<std::vector<Candidate>> retrieve(const Query& query, int k,
                                                const storage::ChunkFilter* allow) const override;
  double confidence(const Query& query) const override;

 private:
  const storage::IndexFolder* index_;
  std::string name_ = "entities";
};

}  // namespace kbseek::query
