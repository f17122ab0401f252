// Dense retrieval: encode the query, inner-product search in the index's FAISS vectors.
#pragma once

#include <memory>

#include "encoder/encoder.h"
#include "query/embedding_cache.h"
#include "query/retriever.h"
#include "storage/index_folder.h"

namespace kbseek::query {

class DenseRetriever : public Retriever {
 public:
  // Searches the FAISS index of index->manifest().models[model] with
  // queries encoded by `encoder`, which must be that model (the caller
  // checks the MANIFEST fingerprint). Both must outlive the retriever.
  // With cache_entries > 0, query embeddings are kept (EmbeddingCache).
  DenseRetriever(const storage::IndexFolder* index, size_t model, encoder::Encoder* encoder,
                 size_t cache_entries = 0);
  // Query embedding cache hits and misses (0 without a cache).
  uint64_t cache_hits() const { return cache_ ? cache_->hits() : 0; }
  uint64_t cache_misses() const { return cache_ ? cache_->misses() : 0; }
  const std::string& name() const override { return name_; }
  core::Result<std::vector<Candidate>> retrieve(std::string_view query, int k,
                                                const storage::ChunkFilter* allow) const override;
  // The share of the query in the model's languages (its model card) times
  // the encoder's vocabulary coverage of it.
  double confidence(std::string_view query) const override;
  // Whether retrieve() drops chunks mostly written in languages the model
  // was not trained on (true for a model whose card lists only some
  // scripts, e.g. English-only): such a model places every Chinese passage
  // somewhere arbitrary in its space, and in a fused list that noise
  // outranks what a multilingual model found (measured on xquad_en2zh:
  // 0.719 nDCG@10 with the noise, see docs/models.md).
  bool drops_unreadable_chunks() const { return drop_unreadable_; }

 private:
  const storage::IndexFolder* index_;
  size_t model_;
  encoder::Encoder* encoder_;
  std::string name_;
  bool drop_unreadable_;
  std::unique_ptr<EmbeddingCache> cache_;
};

// The chunks that hold the query's own entities (dates, amounts, versions,
// identifiers such as A100 or RFC 9110: storage/entities.h), scored by how
// many they hold. Entities survive translation, so this list serves a
// Chinese question about "CUDA 11.6" over English manuals as well as an
// English one. Confidence 1 when the query has entities, else 0 (the list
// is then not asked for).
class EntityRetriever : public Retriever {
 public:
  explicit EntityRetriever(const storage::IndexFolder* index);
  const std::string& name() const override { return name_; }
  core::Result<std::vector<Candidate>> retrieve(std::string_view query, int k,
                                                const storage::ChunkFilter* allow) const override;
  double confidence(std::string_view query) const override;

 private:
  const storage::IndexFolder* index_;
  std::string name_ = "entities";
};

// BM25 over the index's Xapian database.
class LexicalRetriever : public Retriever {
 public:
  explicit LexicalRetriever(const storage::IndexFolder* index);
  const std::string& name() const override { return name_; }
  core::Result<std::vector<Candidate>> retrieve(std::string_view query, int k,
                                                const storage::ChunkFilter* allow) const override;
  // The share of the query's distinct terms that occur in the index
  // (IndexFolder::known_term_share): near 1 when query and documents share
  // a language, near 0 for an English question over Chinese documents,
  // where BM25 can only match stray names and numbers.
  double confidence(std::string_view query) const override;

 private:
  const storage::IndexFolder* index_;
  std::string name_ = "bm25";
};

}  // namespace kbseek::query
