// The Encoder for Gemma 3 embedding models (EmbeddingGemma-300M): the BPE
// tokenizer of tokenizer.json, GemmaModel, GemmaHead.
//
// encode() prepends the model's prompt for the input kind
// (config_sentence_transformers.json: "task: search result | query: " for
// queries, "title: none | text: " for passages), tokenizes with <bos> and
// <eos>, truncates as sentence-transformers does (the first
// max_seq_length - 2 text tokens, then <eos>), sorts by length and runs
// chunks of at most kChunkTokensCpu tokens packed without padding.
//
// Thread-safe: encode() may be called concurrently.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "encoder/bert_config.h"
#include "encoder/bpe_tokenizer.h"
#include "encoder/encoder.h"
#include "encoder/gemma/gemma_head.h"
#include "encoder/gemma/gemma_model.h"
#include "encoder/registry.h"

namespace kbseek::encoder {

// The registry's opener for the "gemma3" family. Errors name the file.
core::Result<std::unique_ptr<Encoder>> open_gemma_encoder(const ModelSource& src, const EncoderOptions& opts);

class GemmaEncoder final : public Encoder {
 public:
  // Tokens per forward chunk on the CPU: projections run at full sgemm speed
  // from a few hundred rows; 2,048 keeps activations near 64 MB.
  static constexpr int kChunkTokensCpu = 2048;
  // Matryoshka sizes EmbeddingGemma was trained for (its model card).
  static constexpr int kMatryoshkaDims[] = {768, 512, 256, 128};

  GemmaEncoder(ModelSource src, SentenceConfig sentence, std::unique_ptr<BpeTokenizer> tokenizer,
               std::unique_ptr<GemmaModel> model, GemmaHead head, int dimension);

  const std::string& name() const override { return src_.name; }
  const std::string& fingerprint() const override { return src_.fingerprint; }
  int dimension() const override { return dimension_; }
  int max_tokens() const override { return sentence_.max_seq_length; }
  int count_tokens(std::string_view text) const override;
  core::Status encode(const std::vector<std::string>& texts, InputKind kind, float* out) override;
  const std::vector<std::string>& languages() const override { return src_.languages; }

  // The ids encode() feeds the model for `text` (prompt, specials, truncation).
  core::Result<std::vector<int32_t>> input_ids(std::string_view text, InputKind kind) const;

 private:
  ModelSource src_;
  SentenceConfig sentence_;
  std::unique_ptr<BpeTokenizer> tokenizer_;
  std::unique_ptr<GemmaModel> model_;
  GemmaHead head_;
  int dimension_;
};

}  // namespace kbseek::encoder
