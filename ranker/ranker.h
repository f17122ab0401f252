// The ranking seam: chunk candidates in, documents in their final order out,
// each with an explanation of its score.
//
// Rankers compose like retrievers: later issues add freshness, diversity and
// cross-encoder/LLM re-ranking as rankers that take a ranked list and return
// a re-ordered one. Implementations are thread-safe for concurrent rank().
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "query/retriever.h"
#include "storage/access.h"

namespace kbseek::ranker {

struct RankedDocument {
  std::string doc_id;
  std::string title;
  int64_t best_chunk_id = -1;
  std::string best_chunk_text;
  std::string best_chunk_language;  // storage::Chunk::language
  // The document's timestamp and metadata, for the rankers after grouping.
  std::optional<int64_t> timestamp;
  std::string metadata_json = "{}";
  double score = 0;
  // Why: each source that found the best chunk, with its rank and raw score,
  // then one entry per ranking stage ("group:best-chunk", then
  // "group:other-chunks" when they added to the score, ...).
  std::vector<query::SourceScore> explanation;
};

// How chunks make a document's score (best_chunk_ranker.h).
struct GroupingOptions {
  // Weight of the document's other chunks in the candidate list (a damped
  // sum); 0: the best chunk alone.
  double other_chunks_weight = 0;
};

class Ranker {
 public:
  virtual ~Ranker() = default;
  // `candidates` best first (a retriever's output); returns at most k
  // documents, best first, only ones `who` may read (storage/access.h:
  // checked on each document as stored now, whatever filtered the
  // candidates).
  virtual core::Result<std::vector<RankedDocument>> rank(const query::Query& query,
                                                         const std::vector<query::Candidate>& candidates, int k,
                                                         const storage::Principals& who,
                                                         const GroupingOptions& grouping) const = 0;
};

}  // namespace kbseek::ranker
