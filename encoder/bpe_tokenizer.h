// A byte-pair-encoding tokenizer read from a Hugging Face tokenizer.json,
// id for id with the `tokenizers` library's Tokenizer.encode(text) — first
// for EmbeddingGemma (Gemma 3's SentencePiece-style BPE), written generally
// so the Gemma 3 and Qwen 2.5 LLM tokenizers of the re-ranking stage can
// load through it.
//
// The pipeline is tokenizers' own, in its order:
//   1. added tokens (AddedVocabulary): every added token whose `normalized`
//      is false is cut out of the raw text first, leftmost-longest (Gemma's
//      6,415: <bos>, <start_of_turn>, runs of "\n", HTML tags, …);
//   2. the normalizer on each remaining piece (Replace, Prepend, NFC, NFKC,
//      Sequence; Gemma: " " → "▁");
//   3. the pre-tokenizer (Split on a literal string with any of its five
//      behaviours, or none);
//   4. BPE per word: characters → ids, unknown characters → <0xXX> byte
//      pieces (byte_fallback) or <unk> (fused when fuse_unk), then merges
//      lowest rank first, leftmost on ties, exactly as tokenizers' word.rs;
//   5. the TemplateProcessing post-processor for a single sequence
//      (Gemma: <bos> A <eos>) when add_special_tokens.
// What tokenizer.json may hold beyond this (ByteLevel, Metaspace, regex Split,
// WordPiece models, dropout, subword prefixes, added tokens with lstrip,
// rstrip or single_word) is refused at load with InvalidArgument naming the
// file and field, never tokenised differently.
//
// Thread-safety: immutable after load(); encode() may run concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace kbseek::encoder {

class BpeTokenizer {
 public:
  // Reads `path` (tokenizer.json). NotFound/IOError for the file,
  // InvalidArgument naming the file and field for unsupported content.
  static core::Result<std::unique_ptr<BpeTokenizer>> load(const std::string& path);
  // The same from the JSON text itself (tests); `origin` names it in errors.
  static core::Result<std::unique_ptr<BpeTokenizer>> from_json(const std::string& json_text,
                                                               const std::string& origin);
  ~BpeTokenizer();

  // Token ids of `text`; with add_special_tokens the post-processor's
  // specials around them. InvalidArgument (naming the byte offset) for
  // invalid UTF-8.
  core::Result<std::vector<int32_t>> encode(std::string_view text, bool add_special_tokens) const;

  int vocab_size() const;  // model vocabulary plus added tokens beyond it
  std::optional<int32_t> token_to_id(std::string_view token) const;
  // The token's string ("▁the", "<0xE4>", "<bos>"); empty for an unknown id.
  std::string id_to_token(int32_t id) const;
  // <unk>'s id, or -1 when the model has none.
  int32_t unk_id() const;

 private:
  struct Impl;
  explicit BpeTokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kbseek::encoder
