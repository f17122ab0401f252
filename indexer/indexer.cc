// Indexing pipeline.
#include "indexer/indexer.h"

#include "core/logging.h"
#include "indexer/language.h"

namespace kbseek::indexer {

using core::Status;

std::string embedding_input(const storage::Document& doc, std::string_view chunk_text) {
  if (doc.title.empty()) return std::string(chunk_text);
  std::string s = doc.title;
  s += "\n";
  s += chunk_text;
  return s;
}

Indexer::Indexer(storage::IndexFolder* index, std::vector<encoder::Encoder*> encoders, IndexerOptions options)
    : index_(index), encoders_(std::move(encoders)), chunking_encoder_(encoders_.at(0)), options_(options) {
  for (encoder::Encoder* e : encoders_)
    if (e->max_tokens() < chunking_encoder_->max_tokens()) chunking_encoder_ = e;
}

Status Indexer::add(storage::Document doc) {
  KB_ASSIGN_OR_RETURN(auto old_hash, index_->content_hash(doc.id));
  const std::string hash = storage::document_content_hash(doc);
  if (old_hash && *old_hash == hash) {
    ++stats_.documents_unchanged;
    return Status::ok();
  }
  // The title rides along in every chunk's embedding input, so the text
  // budget is the window less the title and the special tokens.
  encoder::Encoder* window = chunking_encoder_;
  const int title_tokens = doc.title.empty() ? 0 : window->count_tokens(doc.title) + 1;
  ChunkerOptions copts;
  copts.max_tokens = std::max(32, window->max_tokens() - 2 - title_tokens);
  copts.overlap_tokens = options_.overlap_tokens;
  Pending p;
  std::vector<ChunkSpan> spans = chunk_text(
      doc.text, copts, [window](std::string_view s) { return window->count_tokens(s); });
  if (spans.empty()) spans.push_back(ChunkSpan{0, static_cast<int64_t>(doc.text.size()), 0});  // title-only doc
  for (size_t i = 0; i < spans.size(); ++i) {
    storage::Chunk c;
    c.doc_id = doc.id;
    c.ordinal = static_cast<int>(i);
    c.start_byte = spans[i].start_byte;
    c.end_byte = spans[i].end_byte;
    c.text = doc.text.substr(c.start_byte, c.end_byte - c.start_byte);
    c.language = detect_language(c.text);
    c.entities = storage::extract_entities(c.text, options_.entities.get());
    p.chunks.push_back(std::move(c));
  }
  p.doc = std::move(doc);
  pending_chunks_ += p.chunks.size();
  pending_.push_back(std::move(p));
  if (pending_chunks_ >= static_cast<size_t>(options_.batch_chunks)) return flush();
  return Status::ok();
}

Status Indexer::flush() {
  if (pending_.empty()) return Status::ok();
  std::vector<std::string> inputs;
  inputs.reserve(pending_chunks_);
  for (const auto& p : pending_)
    for (const auto& c : p.chunks) inputs.push_back(embedding_input(p.doc, c.text));
  std::vector<std::vector<float>> vectors(encoders_.size());
  for (size_t m = 0; m < encoders_.size(); ++m) {
    vectors[m].resize(inputs.size() * encoders_[m]->dimension());
    KB_RETURN_IF_ERROR(encoders_[m]->encode(inputs, encoder::InputKind::kPassage, vectors[m].data()));
  }
  size_t row = 0;
  std::vector<const float*> rows(encoders_.size());
  for (auto& p : pending_) {
    for (size_t m = 0; m < encoders_.size(); ++m) rows[m] = vectors[m].data() + row * encoders_[m]->dimension();
    KB_RETURN_IF_ERROR(index_->put_document(p.doc, p.chunks, rows).with_context("document \"" + p.doc.id + "\""));
    row += p.chunks.size();
    ++stats_.documents_indexed;
    stats_.chunks += static_cast<int64_t>(p.chunks.size());
    ++since_commit_;
  }
  pending_.clear();
  pending_chunks_ = 0;
  if (since_commit_ >= options_.commit_every_docs) return commit();
  return Status::ok();
}

Status Indexer::commit() {
  KB_RETURN_IF_ERROR(index_->commit());
  stats_.documents_committed = stats_.documents_indexed;
  since_commit_ = 0;
  if (options_.on_commit) options_.on_commit(stats_.documents_committed);
  return Status::ok();
}

Status Indexer::finish() {
  KB_RETURN_IF_ERROR(flush());
  return commit();
}

}  // namespace kbseek::indexer
