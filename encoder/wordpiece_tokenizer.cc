// WordPiece: split out added tokens, normalise, pre-tokenise, then greedy
// longest-match-first per word (tokenizers/src/models/wordpiece).
#include "encoder/wordpiece_tokenizer.h"

#include <algorithm>
#include <limits>

namespace kbseek::encoder {

core::Result<std::unique_ptr<WordPieceTokenizer>> WordPieceTokenizer::from_vocab(std::vector<std::string> vocab,
                                                                                 WordPieceOptions opts) {
  std::unique_ptr<WordPieceTokenizer> t(new WordPieceTokenizer());
  t->opts_ = std::move(opts);
  t->id_to_token_ = std::move(vocab);
  t->vocab_.reserve(t->id_to_token_.size());
  for (size_t i = 0; i < t->id_to_token_.size(); ++i) {
    const std::string& tok = t->id_to_token_[i];
    t->vocab_[tok] = static_cast<int32_t>(i);  // a repeated token keeps its last id, as HF's vocab map does
    t->max_token_bytes_ = std::max(t->max_token_bytes_, tok.size());
  }
  auto find = [&](const std::string& tok, int32_t* id) -> core::Status {
    auto it = t->vocab_.find(tok);
    if (it == t->vocab_.end())
      return core::Status::invalid_argument("special token \"" + tok + "\" is not in the vocabulary");
    *id = it->second;
    return core::Status::ok();
  };
  KB_RETURN_IF_ERROR(find(t->opts_.unk_token, &t->unk_id_));
  KB_RETURN_IF_ERROR(find(t->opts_.cls_token, &t->cls_id_));
  KB_RETURN_IF_ERROR(find(t->opts_.sep_token, &t->sep_id_));
  KB_RETURN_IF_ERROR(find(t->opts_.pad_token, &t->pad_id_));
  for (const std::string& tok : t->opts_.added_tokens) {
    auto it = t->vocab_.find(tok);
    if (it != t->vocab_.end() && !tok.empty()) t->added_.emplace_back(tok, it->second);
  }
  std::sort(t->added_.begin(), t->added_.end(),
            [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  for (const auto& a : t->added_) t->added_first_byte_[static_cast<unsigned char>(a.first[0])] = true;
  return core::Result<std::unique_ptr<WordPieceTokenizer>>(std::move(t));
}

bool WordPieceTokenizer::add_word(const std::string& word, std::vector<int32_t>* out, size_t max_pieces) const {
  // Character boundaries of the word (UTF-8 lead bytes).
  std::vector<size_t> bounds;
  bounds.reserve(word.size() + 1);
  for (size_t i = 0; i < word.size(); ++i) {
    if ((static_cast<unsigned char>(word[i]) & 0xC0) != 0x80) bounds.push_back(i);
  }
  bounds.push_back(word.size());
  const size_t chars = bounds.size() - 1;
  if (chars > static_cast<size_t>(opts_.max_input_chars_per_word)) {
    out->push_back(unk_id_);
    return out->size() < max_pieces;
  }
  const size_t mark = out->size();
  std::string piece;
  size_t start = 0;
  while (start < chars) {
    size_t end = chars;
    int32_t found = -1;
    const std::string_view prefix = start > 0 ? std::string_view(opts_.continuing_prefix) : std::string_view();
    while (end > start) {
      const size_t bytes = bounds[end] - bounds[start];
      if (bytes + prefix.size() <= max_token_bytes_) {
        piece.assign(prefix);
        piece.append(word, bounds[start], bytes);
        auto it = vocab_.find(piece);
        if (it != vocab_.end()) {
          found = it->second;
          break;
        }
      }
      --end;
    }
    if (found < 0) {  // no segmentation: the whole word is unknown
      out->resize(mark);
      out->push_back(unk_id_);
      return out->size() < max_pieces;
    }
    out->push_back(found);
    start = end;
  }
  if (out->size() >= max_pieces) {
    out->resize(max_pieces);
    return false;
  }
  return true;
}

bool WordPieceTokenizer::add_segment(std::string_view text, std::vector<int32_t>* out, size_t max_pieces) const {
  if (text.empty()) return true;
  const std::u32string norm = bert_normalize(text, opts_.normalizer);
  std::vector<std::string> words;
  bert_pre_tokenize(norm, &words);
  for (const std::string& w : words) {
    if (!add_word(w, out, max_pieces)) return false;
  }
  return true;
}

std::vector<int32_t> WordPieceTokenizer::tokenize(std::string_view text, int max_pieces) const {
  const size_t limit = max_pieces < 0 ? std::numeric_limits<size_t>::max() : static_cast<size_t>(max_pieces);
  std::vector<int32_t> out;
  if (limit == 0) return out;
  // Added tokens match the raw text, leftmost first, longest at a position.
  size_t seg_begin = 0, pos = 0;
  while (pos < text.size()) {
    const std::pair<std::string, int32_t>* hit = nullptr;
    if (added_first_byte_[static_cast<unsigned char>(text[pos])]) {
      for (const auto& a : added_) {
        if (text.compare(pos, a.first.size(), a.first) == 0) {
          hit = &a;
          break;
        }
      }
    }
    if (hit == nullptr) {
      ++pos;
      continue;
    }
    if (!add_segment(text.substr(seg_begin, pos - seg_begin), &out, limit)) return out;
    out.push_back(hit->second);
    if (out.size() >= limit) return out;
    pos += hit->first.size();
    seg_begin = pos;
  }
  add_segment(text.substr(seg_begin), &out, limit);
  return out;
}

std::vector<int32_t> WordPieceTokenizer::encode(std::string_view text, int max_tokens) const {
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 2);
  ids.push_back(cls_id_);
  std::vector<int32_t> pieces = tokenize(text, std::max(0, max_tokens - 2));
  ids.insert(ids.end(), pieces.begin(), pieces.end());
  ids.push_back(sep_id_);
  return ids;
}

}  // namespace kbseek::encoder
