// Dense retrieval over one index folder.
#include "query/dense_retriever.h"

#include <unordered_set>

#include "core/stage_times.h"
#include "query/query_language.h"

namespace kbseek::query {

using core::Result;
using core::Status;

// A chunk counts as readable by a model when most of it is in the model's
// languages: mixed passages with a few foreign names stay.
constexpr double kReadableChunkShare = 0.5;

DenseRetriever::DenseRetriever(const storage::IndexFolder* index, size_t model, encoder::Encoder* encoder,
                               size_t cache_entries)
    : index_(index),
      model_(model),
      encoder_(encoder),
      name_("dense:" + encoder->name()),
      model_name_(encoder->name()),
      // A text in every script the model reads: if that is all of them, nothing is ever dropped.
      drop_unreadable_(readable_share("文 text текст 한 かな نص", encoder->languages()) < 1.0),
      readable_(drop_unreadable_ ? std::make_unique<ReadableChunks>() : nullptr),
      cache_(cache_entries > 0 ? std::make_unique<EmbeddingCache>(cache_entries) : nullptr) {}

// With conditions, dense search keeps to the chunks that meet them (up to
// kMaxFiltered of them, found by the lexical index) and that the caller
// may read, inside FAISS.
constexpr int kMaxFiltered = 100000;

namespace {
class FilteredAndAllowed : public storage::ChunkFilter {
 public:
  FilteredAndAllowed(std::unordered_set<int64_t> ids, const storage::ChunkFilter* allow)
      : ids_(std::move(ids)), allow_(allow) {}
  bool allows(int64_t chunk_id) const override {
    return ids_.count(chunk_id) != 0 && (allow_ == nullptr || allow_->allows(chunk_id));
  }

 private:
  std::unordered_set<int64_t> ids_;
  const storage::ChunkFilter* allow_;
};
}  // namespace

Result<std::vector<Candidate>> DenseRetriever::retrieve(const Query& parsed, int k,
                                                        const storage::ChunkFilter* allow) const {
  if (parsed.text.empty()) return std::vector<Candidate>{};  // filters alone: nothing to embed
  std::vector<float> q(encoder_->dimension());
  {
    core::StageTimer timer(core::Stage::kEncode);
    if (!cache_ || !cache_->get(parsed.text, q.data(), encoder_->dimension())) {
      KB_RETURN_IF_ERROR(encoder_->encode({parsed.text}, encoder::InputKind::kQuery, q.data()));
      if (cache_) cache_->put(parsed.text, q.data(), encoder_->dimension());
    }
  }
  std::vector<storage::Hit> hits;
  if (parsed.must.empty()) {
    KB_ASSIGN_OR_RETURN(hits, index_->search_dense(model_, q.data(), k, allow));
  } else {
    KB_ASSIGN_OR_RETURN(auto ids, index_->matching_chunk_ids(parsed.must, kMaxFiltered));
    const FilteredAndAllowed both(std::unordered_set<int64_t>(ids.begin(), ids.end()), allow);
    KB_ASSIGN_OR_RETURN(hits, index_->search_dense(model_, q.data(), k, &both));
  }
  if (drop_unreadable_) {
    std::vector<storage::Hit> kept;
    for (const auto& h : hits) {
      ReadableChunks::Known known = readable_->lookup(h.chunk_id);
      if (known == ReadableChunks::Known::kUnknown) {
        auto chunk = index_->get_chunk(h.chunk_id);
        if (!chunk.is_ok()) continue;  // replaced since the vectors were loaded: stale
        const bool readable = readable_share(chunk.value().text, encoder_->languages()) >= kReadableChunkShare;
        readable_->remember(h.chunk_id, readable);
        known = readable ? ReadableChunks::Known::kReadable : ReadableChunks::Known::kUnreadable;
      }
      if (known == ReadableChunks::Known::kReadable) kept.push_back(h);
    }
    hits = std::move(kept);
  }
  return to_candidates(hits, name_);
}

double DenseRetriever::confidence(const Query& parsed) const {
  const std::string& query = parsed.text;
  // Both signals come from the model itself: what share of the query is in
  // a language it was trained for, and what share of its tokens it knows.
  return readable_share(query, encoder_->languages()) * encoder_->vocabulary_coverage(query);
}

}  // namespace kbseek::query
