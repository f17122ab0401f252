// Dense and lexical retrievers over one index folder.
#include "query/dense_retriever.h"

#include "core/utf8.h"
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

DenseRetriever::DenseRetriever(const storage::IndexFolder* index, size_t model, encoder::Encoder* encoder)
    : index_(index),
      model_(model),
      encoder_(encoder),
      name_("dense:" + encoder->name()),
      // A text in every script the model reads: if that is all of them, nothing is ever dropped.
      drop_unreadable_(readable_share("文 text текст 한 かな نص", encoder->languages()) < 1.0) {}

Result<std::vector<Candidate>> DenseRetriever::retrieve(std::string_view query, int k) const {
  if (!core::is_valid_utf8(query)) return Status::invalid_argument("query is not valid UTF-8");
  std::vector<float> q(encoder_->dimension());
  KB_RETURN_IF_ERROR(encoder_->encode({std::string(query)}, encoder::InputKind::kQuery, q.data()));
  KB_ASSIGN_OR_RETURN(auto hits, index_->search_dense(model_, q.data(), k));
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

double DenseRetriever::confidence(std::string_view query) const {
  if (!core::is_valid_utf8(query)) return 0.0;
  // Both signals come from the model itself: what share of the query is in
  // a language it was trained for, and what share of its tokens it knows.
  return readable_share(query, encoder_->languages()) * encoder_->vocabulary_coverage(query);
}

LexicalRetriever::LexicalRetriever(const storage::IndexFolder* index) : index_(index) {}

Result<std::vector<Candidate>> LexicalRetriever::retrieve(std::string_view query, int k) const {
  if (!core::is_valid_utf8(query)) return Status::invalid_argument("query is not valid UTF-8");
  KB_ASSIGN_OR_RETURN(auto hits, index_->search_lexical(query, k));
  return to_candidates(hits, name_);
}

double LexicalRetriever::confidence(std::string_view query) const {
  if (!core::is_valid_utf8(query)) return 0.0;
  auto share = index_->known_term_share(query);
  // A failed lookup must not silence BM25: search itself reports the error.
  return share.is_ok() ? share.value() : 1.0;
}

}  // namespace kbseek::query
