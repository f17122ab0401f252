// Dense retrieval: encode the query, inner-product search in the index's FAISS vectors.
#pragma once

#include "encoder/encoder.h"
#include "query/retriever.h"
#include "storage/index_folder.h"

namespace kbseek::query {

class DenseRetriever : public Retriever {
 public:
  // Both must outlive the retriever. The encoder must be the index's model
  // (the caller checks the MANIFEST fingerprint).
  DenseRetriever(const storage::IndexFolder* index, encoder::Encoder* encoder);
  const std::string& name() const override { return name_; }
  core::Result<std::vector<Candidate>> retrieve(std::string_view query, int k) const override;
  // The share of the query in the model's languages (its model card) times
  // the encoder's vocabulary coverage of it.
  double confidence(std::string_view query) const override;

 private:
  const storage::IndexFolder* index_;
  encoder::Encoder* encoder_;
  std::string name_;
};

// BM25 over the index's Xapian database.
class LexicalRetriever : public Retriever {
 public:
  explicit LexicalRetriever(const storage::IndexFolder* index);
  const std::string& name() const override { return name_; }
  core::Result<std::vector<Candidate>> retrieve(std::string_view query, int k) const override;

 private:
  const storage::IndexFolder* index_;
  std::string name_ = "bm25";
};

}  // namespace kbseek::query
