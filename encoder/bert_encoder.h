// The Encoder for BERT-family models (all-MiniLM, bge, e5, …): WordPiece
// tokenizer + BertModel + sentence-transformers pooling + L2 normalisation.
//
// encode() tokenizes every text, sorts the texts by token count and runs
// them in chunks of similar length (at most kChunkTokensCpu/Gpu tokens each,
// packed without padding), then pools each sequence into its input row.
// Sorting keeps each chunk's attention work even and lets the GPU path batch
// sequences of one length; results do not depend on how texts are batched
// (up to float rounding in sgemm).
//
// Thread-safe: encode() may be called concurrently (each call has its own
// activations; see BertModel for device backends).
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "encoder/bert_config.h"
#include "encoder/bert_model.h"
#include "encoder/encoder.h"
#include "encoder/registry.h"
#include "encoder/wordpiece_tokenizer.h"

namespace kbseek::encoder {

// The registry's opener for the "bert" family. Reads config.json, the
// sentence-transformers files, the tokenizer and model.safetensors of a
// folder whose checksums the caller has verified. Errors name the file.
core::Result<std::unique_ptr<Encoder>> open_bert_encoder(const ModelSource& src, const EncoderOptions& opts);

class BertEncoder final : public Encoder {
 public:
  // Tokens per forward chunk. CPU: sgemm is at full speed from ~256 rows and
  // 512/1024/2048 measured within noise, so 1024 keeps activations (≈14 KB
  // per token for MiniLM) near 14 MB. GPU: larger chunks fill the device.
  static constexpr int kChunkTokensCpu = 1024;
  static constexpr int kChunkTokensGpu = 8192;

  BertEncoder(ModelSource src, SentenceConfig sentence, std::unique_ptr<WordPieceTokenizer> tokenizer,
              std::unique_ptr<BertModel> model);

  const std::string& name() const override { return src_.name; }
  const std::string& fingerprint() const override { return src_.fingerprint; }
  int dimension() const override { return model_->config().hidden_size; }
  int max_tokens() const override { return sentence_.max_seq_length; }
  int count_tokens(std::string_view text) const override { return tokenizer_->count_tokens(text); }
  core::Status encode(const std::vector<std::string>& texts, InputKind kind, float* out) override;
  double vocabulary_coverage(std::string_view text) const override;
  const std::vector<std::string>& languages() const override { return src_.languages; }

  const SentenceConfig& sentence_config() const { return sentence_; }
  const WordPieceTokenizer& tokenizer() const { return *tokenizer_; }
  const BertModel& model() const { return *model_; }

 private:
  ModelSource src_;
  SentenceConfig sentence_;
  std::unique_ptr<WordPieceTokenizer> tokenizer_;
  std::unique_ptr<BertModel> model_;
};

}  // namespace kbseek::encoder
