// Best-chunk grouping.
#include "ranker/best_chunk_ranker.h"

#include <unordered_map>

namespace kbseek::ranker {

core::Result<std::vector<RankedDocument>> BestChunkRanker::rank(const query::Query& /*query*/,
                                                                const std::vector<query::Candidate>& candidates,
                                                                int k, const storage::Principals& who) const {
  std::vector<RankedDocument> out;
  std::unordered_map<std::string, size_t> seen;
  for (const auto& c : candidates) {
    if (static_cast<int>(out.size()) >= k) break;
    auto found = index_->get_chunk(c.chunk_id);
    // A chunk replaced since the vectors were loaded is gone from SQLite but
    // may linger in FAISS until the next commit: skip it, it is stale.
    if (!found.is_ok() && found.status().code() == core::StatusCode::kNotFound) continue;
    if (!found.is_ok()) return found.status();
    storage::Chunk chunk = std::move(found).value();
    // Candidates arrive best first, so the first chunk of a document is its best.
    if (seen.count(chunk.doc_id)) continue;
    seen.emplace(chunk.doc_id, out.size());
    KB_ASSIGN_OR_RETURN(storage::Document doc, index_->get_document(chunk.doc_id));
    if (!storage::may_read(doc.acl, who)) continue;  // the last word on access
    RankedDocument d;
    d.doc_id = chunk.doc_id;
    d.title = std::move(doc.title);
    d.best_chunk_id = c.chunk_id;
    d.best_chunk_text = std::move(chunk.text);
    d.best_chunk_language = std::move(chunk.language);
    d.timestamp = doc.timestamp;
    d.metadata_json = std::move(doc.metadata_json);
    d.score = c.score;
    d.explanation = c.sources;
    d.explanation.push_back(query::SourceScore{"group:best-chunk", static_cast<int>(out.size()) + 1, c.score});
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace kbseek::ranker
