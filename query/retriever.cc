// Helpers shared by the retrievers.
#include "query/retriever.h"

namespace kbseek::query {

std::vector<Candidate> to_candidates(const std::vector<storage::Hit>& hits, const std::string& source) {
  std::vector<Candidate> out;
  out.reserve(hits.size());
  int rank = 0;
  for (const auto& h : hits) {
    Candidate c;
    c.chunk_id = h.chunk_id;
    c.score = h.score;
    c.sources.push_back(SourceScore{source, ++rank, h.score});
    out.push_back(std::move(c));
  }
  return out;
}

}  // namespace kbseek::query
