// The retrieval seam: a query in, best-first chunk candidates out.
//
// Like FAISS's Index, a Retriever is a small contract that composes: the
// dense and lexical retrievers each wrap one store, and the hybrid retriever
// is a retriever made of retrievers. Every candidate carries the per-source
// rank and score it came from, so the ranker can explain the final order.
// Implementations are thread-safe for concurrent retrieve() calls.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "storage/access.h"

namespace kbseek::query {

// Where a candidate was found: source name ("dense:all-minilm-l6-v2",
// "bm25"), its 1-based rank there and that source's raw score (cosine for
// dense, BM25 for lexical).
struct SourceScore {
  std::string source;
  int rank = 0;
  double score = 0;
  double weight = 1;  // the fusion weight this source got for this query
};

struct Candidate {
  int64_t chunk_id = -1;
  double score = 0;  // the retriever's own score; comparable only within one list
  std::vector<SourceScore> sources;
};

class Retriever {
 public:
  virtual ~Retriever() = default;
  virtual const std::string& name() const = 0;
  // At most k candidates, best first, among the chunks `allow` allows
  // (storage/access.h; null: all), applied inside the store so that k
  // allowed candidates come back when there are. An empty list is not an
  // error.
  virtual core::Result<std::vector<Candidate>> retrieve(std::string_view query, int k,
                                                        const storage::ChunkFilter* allow) const = 0;
  // How well this retriever can serve `query`, in [0, 1], known before
  // retrieving: hybrid fusion scales this list's weight by it. 1 unless a
  // retriever knows better (a dense model that cannot read the query's words).
  virtual double confidence(std::string_view query) const {
    (void)query;
    return 1.0;
  }
};

}  // namespace kbseek::query
