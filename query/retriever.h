// The retrieval seam: a parsed query in, best-first chunk candidates out.
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
#include "query/query.h"
#include "storage/access.h"
#include "storage/types.h"

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
  // The name its candidates' SourceScores carry ("dense:use-m3", "bm25").
  virtual const std::string& name() const = 0;
  // The name fusion weights know this list by (ranker::SearchServiceOptions::
  // weights): the model's name for a dense list, else name().
  virtual const std::string& weight_key() const { return name(); }
  // At most k candidates, best first, among the chunks `allow` allows
  // (storage/access.h; null: all), applied inside the store so that k
  // allowed candidates come back when there are. The query was parsed once
  // (query/query.h, with the index, for lexical terms); nothing here
  // parses it again. An empty list is not an error.
  virtual core::Result<std::vector<Candidate>> retrieve(const Query& query, int k,
                                                        const storage::ChunkFilter* allow) const = 0;
  // How well this retriever can serve `query`, in [0, 1], known before
  // retrieving: hybrid fusion scales this list's weight by it. 1 unless a
  // retriever knows better (a dense model that cannot read the query's words).
  virtual double confidence(const Query& query) const {
    (void)query;
    return 1.0;
  }
};

// Store hits as candidates of `source`, ranked 1.. in order.
std::vector<Candidate> to_candidates(const std::vector<storage::Hit>& hits, const std::string& source);

}  // namespace kbseek::query
