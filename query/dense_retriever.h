// Dense retrieval: encode the query, inner-product search in the index's FAISS vectors.
#pragma once

#include <memory>

#include "encoder/encoder.h"
#include "query/embedding_cache.h"
#include "query/readable_chunks.h"
#include "query/retriever.h"
#include "storage/index_folder.h"

namespace kbseek::query {

class DenseRetriever : public Retriever {
 public:
  // Searches the FAISS index of index->manifest().models[model] with
  // queries encoded by `encoder`, which must be that model (the caller
  // checks the MANIFEST fingerprint). Both must outlive the retriever.
  // With cache_entries > 0, query embeddings are kept (EmbeddingCache).
  DenseRetriever(const storage::IndexFolder* index, size_t model, encoder::Encoder* encoder, size_t cache_entries = 0);
  // Query embedding cache hits and misses (0 without a cache).
  uint64_t cache_hits() const { return cache_ ? cache_->hits() : 0; }
  uint64_t cache_misses() const { return cache_ ? cache_->misses() : 0; }
  const std::string& name() const override { return name_; }
  const std::string& weight_key() const override { return model_name_; }
  // Encodes Query::text (once per text with a cache) and searches among
  // the chunks meeting Query::must that `allow` allows. No text (a query
  // of conditions alone): no candidates.
  core::Result<std::vector<Candidate>> retrieve(const Query& query, int k,
                                                const storage::ChunkFilter* allow) const override;
  // The share of the query in the model's languages (its model card) times
  // the encoder's vocabulary coverage of it.
  double confidence(const Query& query) const override;
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
  std::string model_name_;
  bool drop_unreadable_;
  std::unique_ptr<ReadableChunks> readable_;  // with drop_unreadable_
  std::unique_ptr<EmbeddingCache> cache_;
};

}  // namespace kbseek::query
