// A byte-pair-encoding tokenizer read from a Hugging Face tokenizer.json or
// from a GGUF file's tokenizer metadata, id for id with the `tokenizers`
// library's Tokenizer.encode(text) — first for EmbeddingGemma (Gemma 3's
// SentencePiece-style BPE), then for Qwen 2.5 (GPT-2-style byte-level BPE)
// of the LLM re-ranking stage.
//
// The pipeline is tokenizers' own, in its order:
//   1. added tokens (AddedVocabulary): every added token whose `normalized`
//      is false is cut out of the raw text first, leftmost-longest (Gemma's
//      6,415: <bos>, <start_of_turn>, runs of "\n", HTML tags, …);
//   2. the normalizer on each remaining piece (Replace, Prepend, NFC, NFKC,
//      Sequence; Gemma: " " → "▁");
//   3. the pre-tokenizer: Split on a literal string or on a regex this build
//      knows by its text (encoder/pretokenize_regex.h: Qwen2's), with any of
//      the five behaviours, or none; then, when a Sequence ends with
//      ByteLevel (add_prefix_space and use_regex false), each piece's bytes
//      as GPT-2's stand-in characters (encoder/byte_level.h);
//   4. BPE per word: with ignore_merges a word that is a token is taken
//      whole; else characters → ids, unknown characters → <0xXX> byte
//      pieces (byte_fallback) or <unk> (fused when fuse_unk) or dropped (no
//      <unk>), then merges lowest rank first, leftmost on ties, exactly as
//      tokenizers' word.rs;
//   5. the TemplateProcessing post-processor for a single sequence
//      (Gemma: <bos> A <eos>) when add_special_tokens; ByteLevel's adds none.
// What tokenizer.json may hold beyond this (Metaspace, other regexes,
// ByteLevel with its own regex or a prefix space, WordPiece models, dropout,
// subword prefixes, added tokens with lstrip, rstrip or single_word) is
// refused at load with InvalidArgument naming the file and field, never
// tokenised differently.
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

// A byte-level BPE vocabulary as GGUF metadata states it (llama.cpp's
// tokenizer.ggml.* keys; encoder/gguf/gguf_tokenizer.h reads them), free of
// any GGUF reader's types.
struct BpeVocab {
  std::string model;                // tokenizer.ggml.model: "gpt2"
  std::string pre;                  // tokenizer.ggml.pre: "qwen2"
  std::vector<std::string> tokens;  // byte-level spelling: "Ġthe"; the index is the id
  std::vector<int64_t>
      token_types;  // llama.cpp's: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte; may be empty
  std::vector<std::string> merges;  // "Ġ t", best first
  int64_t bos_id = -1, eos_id = -1, pad_id = -1;
  bool add_bos = false;
};

class BpeTokenizer {
 public:
  // Reads `path` (tokenizer.json). NotFound/IOError for the file,
  // InvalidArgument naming the file and field for unsupported content.
  static core::Result<std::unique_ptr<BpeTokenizer>> load(const std::string& path);
  // The same from the JSON text itself (tests); `origin` names it in errors.
  static core::Result<std::unique_ptr<BpeTokenizer>> from_json(const std::string& json_text, const std::string& origin);
  // The tokenizer that transformers' GGUF loader (integrations/gguf,
  // transformers 5.x) builds from the same metadata: byte-level BPE over
  // `tokens` and `merges`, the pre-tokenizer of `pre` (Split on its regex,
  // Isolated, then ByteLevel), no normalizer (the model's own tokenizer.json
  // has NFC; see bpe_vocab.cc), and as added tokens matched before
  // BPE: the bos/eos/pad tokens, every control token (type 3) spelled in the
  // byte alphabet, and every user-defined token (type 4) in the vocabulary
  // (Qwen 2.5: <|endoftext|>, <|im_start|>, <|im_end|>, <tool_call>,
  // <|fim_prefix|>, …). With add_bos, encode(…, true) puts bos_id first.
  // InvalidArgument naming `origin` and the value for a model other than
  // "gpt2" or a pre other than "qwen2", and for merges or ids that do not fit
  // the vocabulary.
  static core::Result<std::unique_ptr<BpeTokenizer>> from_vocab(const BpeVocab& v, const std::string& origin);
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
  // The GGUF metadata's bos/eos/padding ids (from_vocab), -1 when absent and
  // always -1 from tokenizer.json, which does not say.
  int32_t bos_id() const;
  int32_t eos_id() const;
  int32_t pad_id() const;

 private:
  struct Impl;
  explicit BpeTokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kbseek::encoder
