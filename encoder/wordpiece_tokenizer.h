// BERT WordPiece tokenizer, id-for-id compatible with Hugging Face tokenizers
// (BertNormalizer + BertPreTokenizer + WordPiece + [CLS] … [SEP] template).
//
// Loading: tokenizer.json when present (its normalizer, model and added
// tokens are read; other tokenizer types are rejected with InvalidArgument),
// else vocab.txt (one token per line, id = line number) with the options of
// tokenizer_config.json (do_lower_case, strip_accents, tokenize_chinese_chars).
//
// Special ("added") tokens such as "[MASK]" written in the raw text map to
// their ids, as HF does. Words longer than max_input_chars_per_word (100)
// characters, or with no WordPiece segmentation, become [UNK].
//
// Immutable after load; all methods are const and thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/status.h"
#include "encoder/bert_pretokenizer.h"

namespace kbseek::encoder {

struct WordPieceOptions {
  BertNormalizerOptions normalizer;
  std::string unk_token = "[UNK]";
  std::string cls_token = "[CLS]";
  std::string sep_token = "[SEP]";
  std::string pad_token = "[PAD]";
  std::string continuing_prefix = "##";
  int max_input_chars_per_word = 100;
  // Raw-text tokens matched before normalisation (HF "added tokens").
  std::vector<std::string> added_tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
};

class WordPieceTokenizer {
 public:
  // From a model folder (tokenizer.json, else vocab.txt + tokenizer_config.json).
  // Errors name the file and field.
  static core::Result<std::unique_ptr<WordPieceTokenizer>> load(const std::string& model_dir);
  // From an explicit vocabulary (id = index). InvalidArgument when a special
  // token (unk/cls/sep/pad) is not in it.
  static core::Result<std::unique_ptr<WordPieceTokenizer>> from_vocab(std::vector<std::string> vocab,
                                                                      WordPieceOptions opts);

  // Word-piece ids of `text`, no special tokens. `max_pieces` < 0: all;
  // otherwise stops after that many (the truncated prefix HF would keep).
  std::vector<int32_t> tokenize(std::string_view text, int max_pieces = -1) const;

  // [CLS] pieces [SEP], truncated to at most `max_tokens` ids (>= 2) in all.
  std::vector<int32_t> encode(std::string_view text, int max_tokens) const;

  int count_tokens(std::string_view text) const { return static_cast<int>(tokenize(text).size()); }

  int vocab_size() const { return static_cast<int>(id_to_token_.size()); }
  const std::string& token(int32_t id) const { return id_to_token_.at(static_cast<size_t>(id)); }
  int32_t cls_id() const { return cls_id_; }
  int32_t sep_id() const { return sep_id_; }
  int32_t pad_id() const { return pad_id_; }
  int32_t unk_id() const { return unk_id_; }

 private:
  WordPieceTokenizer() = default;
  // Appends the pieces of one pre-tokenised word; false once max_pieces is hit.
  bool add_word(const std::string& word, std::vector<int32_t>* out, size_t max_pieces) const;
  bool add_segment(std::string_view text, std::vector<int32_t>* out, size_t max_pieces) const;

  WordPieceOptions opts_;
  std::unordered_map<std::string, int32_t> vocab_;
  std::vector<std::string> id_to_token_;
  std::vector<std::pair<std::string, int32_t>> added_;  // longest first
  bool added_first_byte_[256] = {};
  size_t max_token_bytes_ = 0;
  int32_t cls_id_ = -1, sep_id_ = -1, pad_id_ = -1, unk_id_ = -1;
};

}  // namespace kbseek::encoder
