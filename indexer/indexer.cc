// Indexing pipeline.
#include "indexer/indexer.h"

#include <algorithm>

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

namespace {
std::string hex64(uint64_t v) {
  static const char* kHex = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[i] = kHex[v & 15];
  return s;
}
uint64_t fnv64(std::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}
}  // namespace

Status Indexer::load_fingerprints() {
  fingerprints_loaded_ = true;
  duplicates_ = DuplicateIndex(options_.near_duplicate_threshold);
  return index_->scan_simhashes(
      [&](const std::string& id, uint64_t fp, const std::string& dup_of, const std::string& norm_hash) {
        if (dup_of.empty()) {
          duplicates_.add(id, fp);
          original_norm_hash_[id] = norm_hash;
        }
        return Status::ok();
      });
}

bool Indexer::still_duplicate(const storage::Document& stored) const {
  DuplicateMatch m;
  if (!stored.simhash || !duplicates_.find(*stored.simhash, stored.id, &m)) return false;
  if (stored.duplicate_kind == "near") {
    // Recorded before short texts needed exact copies (dedup.h): indexed again.
    int features = 0;
    simhash(normalized_text(stored.text), &features);
    if (!counts_as_duplicate(/*exact=*/false, features)) return false;
  }
  return m.of == stored.duplicate_of;
}

Status Indexer::add(storage::Document doc) {
  last_outcome_.clear();
  last_duplicate_of_.clear();
  if (options_.detect_duplicates && !fingerprints_loaded_) KB_RETURN_IF_ERROR(load_fingerprints());
  KB_ASSIGN_OR_RETURN(auto old_hash, index_->content_hash(doc.id));
  const std::string hash = storage::document_content_hash(doc);
  if (old_hash && *old_hash == hash) {
    bool skip = true;
    if (options_.detect_duplicates) {
      // A recorded duplicate whose original was deleted or changed since
      // is indexed again (as an original, or as a duplicate of another).
      auto stored = index_->get_document(doc.id);
      if (stored.is_ok() && !stored.value().duplicate_of.empty() && !still_duplicate(stored.value())) skip = false;
    }
    if (skip) {
      ++stats_.documents_unchanged;
      last_outcome_ = "unchanged";
      return Status::ok();
    }
  }
  if (options_.detect_duplicates) {
    const std::string norm = normalized_text(doc.text);
    int features = 0;
    const uint64_t fp = simhash(norm, &features);
    doc.simhash = fp;
    std::string compact = norm;  // exactness ignores spacing too ("30 天" vs "30天")
    compact.erase(std::remove(compact.begin(), compact.end(), ' '), compact.end());
    doc.norm_hash = hex64(fnv64(compact));
    duplicates_.remove(doc.id);  // its own earlier version is no original to itself
    original_norm_hash_.erase(doc.id);
    DuplicateMatch m;
    bool exact = false, duplicate = false;
    if (!norm.empty() && duplicates_.find(fp, doc.id, &m)) {
      auto orig = original_norm_hash_.find(m.of);
      exact = orig != original_norm_hash_.end() && orig->second == doc.norm_hash;
      duplicate = counts_as_duplicate(exact, features);
    }
    if (duplicate) {
      doc.duplicate_of = m.of;
      doc.duplicate_kind = exact ? "exact" : "near";
      ++(exact ? stats_.duplicates_exact : stats_.duplicates_near);
      last_outcome_ = doc.duplicate_kind;
      last_duplicate_of_ = m.of;
    } else if (!norm.empty()) {
      duplicates_.add(doc.id, fp);
      original_norm_hash_[doc.id] = doc.norm_hash;
    }
  }
  if (!doc.duplicate_of.empty() && !options_.keep_duplicates) {
    // Stored and recorded, not chunked: the encoder's time goes to new text.
    Pending p;
    p.doc = std::move(doc);
    pending_.push_back(std::move(p));
    if (pending_.size() >= static_cast<size_t>(options_.batch_chunks)) return flush();
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
  std::vector<ChunkSpan> spans =
      chunk_text(doc.text, copts, [window](std::string_view s) { return window->count_tokens(s); });
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
