// Grouping chunks into documents: best chunk plus the damped other chunks.
#include "ranker/best_chunk_ranker.h"

#include <algorithm>
#include <unordered_map>

namespace kbseek::ranker {

core::Result<std::vector<RankedDocument>> BestChunkRanker::rank(const query::Query& /*query*/,
                                                                const std::vector<query::Candidate>& candidates, int k,
                                                                const storage::Principals& who,
                                                                const GroupingOptions& grouping) const {
  std::vector<int64_t> ids;
  ids.reserve(candidates.size());
  for (const auto& c : candidates) ids.push_back(c.chunk_id);
  KB_ASSIGN_OR_RETURN(const std::vector<std::string> doc_of, index_->chunk_documents(ids));
  struct Group {
    size_t best = 0;  // index into candidates: the first seen is the best
    int others = 0;   // chunks after the best
    double rest = 0;  // Σ_{j≥2} s_j / j
    double score = 0;
  };
  std::vector<Group> groups;
  std::unordered_map<std::string, size_t> group_of;
  for (size_t i = 0; i < candidates.size(); ++i) {
    // A chunk replaced since the vectors were loaded is gone from SQLite but
    // may linger in FAISS until the next commit: skip it, it is stale.
    if (doc_of[i].empty()) continue;
    auto [it, fresh] = group_of.emplace(doc_of[i], groups.size());
    if (fresh) {
      groups.push_back(Group{i, 0, 0, candidates[i].score});
      continue;
    }
    Group& g = groups[it->second];
    ++g.others;
    g.rest += candidates[i].score / (g.others + 1);
  }
  const double w = grouping.other_chunks_weight;
  for (Group& g : groups) g.score += w * g.rest;
  std::vector<size_t> order(groups.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  // Stable: equal scores keep the candidates' order (first seen first).
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return groups[a].score > groups[b].score; });
  std::vector<RankedDocument> out;
  for (size_t gi : order) {
    if (static_cast<int>(out.size()) >= k) break;
    const Group& g = groups[gi];
    const query::Candidate& c = candidates[g.best];
    auto found = index_->get_chunk(c.chunk_id);
    if (!found.is_ok() && found.status().code() == core::StatusCode::kNotFound) continue;  // replaced meanwhile
    if (!found.is_ok()) return found.status();
    storage::Chunk chunk = std::move(found).value();
    KB_ASSIGN_OR_RETURN(storage::Document doc, index_->get_document(chunk.doc_id, /*with_text=*/false));
    if (!storage::may_read(doc.acl, who)) continue;  // the last word on access
    RankedDocument d;
    d.doc_id = chunk.doc_id;
    d.title = std::move(doc.title);
    d.best_chunk_id = c.chunk_id;
    d.best_chunk_text = std::move(chunk.text);
    d.best_chunk_language = std::move(chunk.language);
    d.timestamp = doc.timestamp;
    d.metadata_json = std::move(doc.metadata_json);
    d.score = g.score;
    d.explanation = c.sources;
    const int rank = static_cast<int>(out.size()) + 1;
    d.explanation.push_back(query::SourceScore{"group:best-chunk", rank, c.score});
    if (w > 0 && g.others > 0) {
      // rank: how many other chunks; score: what they added.
      d.explanation.push_back(query::SourceScore{"group:other-chunks", g.others, w * g.rest});
    }
    out.push_back(std::move(d));
  }
  return out;
}

}  // namespace kbseek::ranker
