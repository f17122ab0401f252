// Pointwise relevance of passages to a query read off a small instruction-
// tuned decoder (Qwen 2.5 Instruct from a GGUF file): the score of a passage
// is logit("yes") − logit("no") at the position after this ChatML prompt,
//
//   <|im_start|>system
//   Judge whether the passage answers the query. Answer only "yes" or "no".<|im_end|>
//   <|im_start|>user
//   Query: {query}
//   Passage: {passage}
//   Does the passage answer the query?<|im_end|>
//   <|im_start|>assistant
//
// read through only the two output rows it needs. "<|" in the query or a
// passage is written "< |" so that no text can spell a control token and
// end the user's turn (prompt injection through an indexed document). The prompt puts the query
// first so that every passage's prompt shares one prefix: its tokens (the
// longest run of ids common to all the prompts of a call) are run once and
// their keys and values reused by every passage, which are then run packed
// together in batches of up to batch_tokens tokens. Each prompt is tokenised
// whole (so the ids are those of the prompt text, as llama.cpp sees it); a
// passage longer than max_passage_tokens is cut to its first
// max_passage_tokens tokens first.
//
// The deadline is a deadline: passages are scored in the order given, a
// batch starts only when the time measured so far per token says it ends
// in time, and passages not reached are reported unscored. Nothing is
// scored when the deadline has passed before the prefix, or when the pace
// of earlier calls says the prefix itself would not end in time.
//
// Thread-safety: score() may run concurrently (each call has its own
// prefix and scratch); the backend's own rules apply.
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "encoder/bpe_tokenizer.h"
#include "encoder/llm/decoder_model.h"

namespace kbseek::encoder::llm {

struct ScorerOptions {
  // Tokens of a passage kept in its prompt (measured: bench/results/llm-*.md).
  int max_passage_tokens = 256;
  // Tokens run in one packed batch of continuations.
  int batch_tokens = 1024;
  // Projection matrices' format. kAuto: KBSEEK_LLM_PRECISION (fp32, bf16,
  // int8, quantized) when set; else int8 where the backend has int8 weights
  // (the file's blocks dequantized at load and requantized per 32 values,
  // kernels/cpu/int8_gemm.h: the fastest measured, bench/results/llm-prefill-*.md,
  // and as close to llama.cpp's margins as its own arithmetic, tests/encoder/llm),
  // else the file's quantized blocks where the backend multiplies them
  // (llama.cpp's arithmetic: kernels/cpu/quant_gemm.h), else bf16, else fp32.
  // int8 holds about twice the bytes of Q4_K_M blocks in memory.
  enum class Precision { kAuto, kFp32, kBf16, kQuantized, kInt8 } precision = Precision::kAuto;
};

struct RelevanceScores {
  std::vector<float> score;  // per passage; 0 where not scored
  std::vector<bool> scored;  // per passage
  int scored_count = 0;
  int prefix_tokens = 0;  // the shared prefix run once
  int tokens_run = 0;     // prefix + every continuation run
};

class RelevanceScorer {
 public:
  using Clock = std::chrono::steady_clock;

  // Opens `gguf_path` (a qwen2 GGUF with its tokenizer) on `backend`.
  // Errors name the file (GgufFile, DecoderModel, tokenizer), or say that
  // the vocabulary has no single "yes"/"no" token.
  static core::Result<std::unique_ptr<RelevanceScorer>> open(const std::string& gguf_path, kernels::Backend* backend,
                                                             const ScorerOptions& options = {});

  // The prompt text for one pair (the passage as given, not cut).
  static std::string prompt(std::string_view query, std::string_view passage);

  // Scores `passages` against `query` until `deadline`. InvalidArgument for
  // an empty query or invalid UTF-8 (naming the passage).
  core::Result<RelevanceScores> score(std::string_view query, const std::vector<std::string>& passages,
                                      Clock::time_point deadline = Clock::time_point::max()) const;

  const DecoderModel& model() const { return *model_; }
  const BpeTokenizer& tokenizer() const { return *tokenizer_; }
  int32_t yes_id() const { return yes_id_; }
  int32_t no_id() const { return no_id_; }

 private:
  RelevanceScorer() = default;
  core::Result<std::string> cut_passage(std::string_view passage) const;

  ScorerOptions options_;
  std::unique_ptr<BpeTokenizer> tokenizer_;
  std::unique_ptr<DecoderModel> model_;
  int32_t yes_id_ = -1, no_id_ = -1;
  // The pace of the last batch run (seconds per token), so that a later
  // call can tell whether even its prefix fits its deadline.
  mutable std::atomic<double> seconds_per_token_{0};
};

}  // namespace kbseek::encoder::llm
