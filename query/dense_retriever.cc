// Dense and lexical retrievers over one index folder.
#include "query/dense_retriever.h"

#include <unordered_set>

#include "core/utf8.h"
#include "query/query_filters.h"
#include "storage/entities.h"
#include "storage/lexical_index.h"
#include "query/query_language.h"

namespace kbseek::query {

using core::Result;
using core::Status;

namespace {
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
}  // namespace

// A chunk counts as readable by a model when most of it is in the model's
// languages: mixed passages with a few foreign names stay.
constexpr double kReadableChunkShare = 0.5;

DenseRetriever::DenseRetriever(const storage::IndexFolder* index, size_t model, encoder::Encoder* encoder,
                               size_t cache_entries)
    : index_(index),
      model_(model),
      encoder_(encoder),
      name_("dense:" + encoder->name()),
      // A text in every script the model reads: if that is all of them, nothing is ever dropped.
      drop_unreadable_(readable_share("文 text текст 한 かな نص", encoder->languages()) < 1.0),
      cache_(cache_entries > 0 ? std::make_unique<EmbeddingCache>(cache_entries) : nullptr) {}

// With filters, dense search keeps to the chunks that hold them (up to
// kMaxFiltered of them) and that the caller may read, inside FAISS.
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

Result<std::vector<Candidate>> DenseRetriever::retrieve(std::string_view raw_query, int k,
                                                        const storage::ChunkFilter* allow) const {
  if (!core::is_valid_utf8(raw_query)) return Status::invalid_argument("query is not valid UTF-8");
  const ParsedQuery parsed = parse_query_filters(raw_query);
  if (parsed.text.empty()) return std::vector<Candidate>{};  // filters alone: nothing to embed
  std::vector<float> q(encoder_->dimension());
  if (!cache_ || !cache_->get(parsed.text, q.data(), encoder_->dimension())) {
    KB_RETURN_IF_ERROR(encoder_->encode({parsed.text}, encoder::InputKind::kQuery, q.data()));
    if (cache_) cache_->put(parsed.text, q.data(), encoder_->dimension());
  }
  std::vector<storage::Hit> hits;
  if (parsed.filters.empty()) {
    KB_ASSIGN_OR_RETURN(hits, index_->search_dense(model_, q.data(), k, allow));
  } else {
    KB_ASSIGN_OR_RETURN(auto ids, index_->filtered_chunk_ids(parsed.filters, kMaxFiltered));
    const FilteredAndAllowed both(std::unordered_set<int64_t>(ids.begin(), ids.end()), allow);
    KB_ASSIGN_OR_RETURN(hits, index_->search_dense(model_, q.data(), k, &both));
  }
  if (drop_unreadable_) {
    std::vector<storage::Hit> kept;
    for (const auto& h : hits) {
      auto chunk = index_->get_chunk(h.chunk_id);
      if (chunk.is_ok() && readable_share(chunk.value().text, encoder_->languages()) >= kReadableChunkShare)
        kept.push_back(h);
    }
    hits = std::move(kept);
  }
  return to_candidates(hits, name_);
}

double DenseRetriever::confidence(std::string_view raw_query) const {
  if (!core::is_valid_utf8(raw_query)) return 0.0;
  const std::string query = parse_query_filters(raw_query).text;
  // Both signals come from the model itself: what share of the query is in
  // a language it was trained for, and what share of its tokens it knows.
  return readable_share(query, encoder_->languages()) * encoder_->vocabulary_coverage(query);
}

namespace {
std::vector<std::string> query_entity_terms(std::string_view raw_query) {
  std::vector<std::string> terms;
  for (const auto& e : storage::extract_entities(parse_query_filters(raw_query).text))
    terms.push_back(storage::entity_filter_term(e.value));
  return terms;
}
}  // namespace

EntityRetriever::EntityRetriever(const storage::IndexFolder* index) : index_(index) {}

Result<std::vector<Candidate>> EntityRetriever::retrieve(std::string_view query, int k,
                                                         const storage::ChunkFilter* allow) const {
  if (!core::is_valid_utf8(query)) return Status::invalid_argument("query is not valid UTF-8");
  const auto terms = query_entity_terms(query);
  if (terms.empty()) return std::vector<Candidate>{};
  KB_ASSIGN_OR_RETURN(auto hits, index_->search_any(terms, k, allow));
  return to_candidates(hits, name_);
}

double EntityRetriever::confidence(std::string_view query) const {
  return core::is_valid_utf8(query) && !query_entity_terms(query).empty() ? 1.0 : 0.0;
}

LexicalRetriever::LexicalRetriever(const storage::IndexFolder* index) : index_(index) {}

Result<std::vector<Candidate>> LexicalRetriever::retrieve(std::string_view raw_query, int k,
                                                          const storage::ChunkFilter* allow) const {
  if (!core::is_valid_utf8(raw_query)) return Status::invalid_argument("query is not valid UTF-8");
  const ParsedQuery parsed = parse_query_filters(raw_query);
  KB_ASSIGN_OR_RETURN(auto hits, index_->search_lexical(parsed.text, k, parsed.filters, allow));
  return to_candidates(hits, name_);
}

double LexicalRetriever::confidence(std::string_view raw_query) const {
  if (!core::is_valid_utf8(raw_query)) return 0.0;
  const ParsedQuery parsed = parse_query_filters(raw_query);
  if (parsed.text.empty()) return parsed.filters.empty() ? 0.0 : 1.0;  // a filter-only query is BM25's alone
  auto share = index_->known_term_share(parsed.text);
  // A failed lookup must not silence BM25: search itself reports the error.
  return share.is_ok() ? share.value() : 1.0;
}

}  // namespace kbseek::query
