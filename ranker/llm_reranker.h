// The LLM re-ranking stage: the first stage's top documents re-ordered by a
// small instruction-tuned decoder's judgement of each one's best chunk
// (encoder/llm/relevance_scorer.h: logit("yes") − logit("no")), fused with
// the first stage's score, within a time budget.
//
// Fusion, over the documents the LLM scored (always a prefix of the first
// stage's order: candidates are scored best first until the budget ends):
//   first = min-max of their first-stage scores, llm = min-max of their
//   margins, fused = (1 − w) · first + w · llm,
// and those documents are sorted by fused; the rest keep their first-stage
// order after them. w = llm_weight; the service's default (0.2,
// SearchServiceOptions::llm_weight, and per model llm_weights: 0 for the
// 0.5B model, which lowered results) was chosen on labelled queries that are
// not the ones reported (bench/results/llm-rerank-*.md): the LLM's order
// alone (w = 1) beat the first stage on one set and fell far below it on
// another, the light blend was never below it, so w is a measured number.
//
// Never an error page: a model that cannot be opened, or a scoring failure,
// leaves the first stage's order with a warning in the report. Each
// re-ranked document's explanation gains {"llm", margin} and
// {"llm:fused", fused} (its weight field carries w).
//
// Thread-safety: rerank() may run concurrently; the model is opened once.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "encoder/llm/relevance_scorer.h"
#include "ranker/ranker.h"

namespace kbseek::ranker {

struct LlmRerankOptions {
  int k = 10;               // documents of the first stage re-ranked (the top k)
  double budget_ms = 0;     // a deadline for the stage; 0 = none
  double llm_weight = 0.2;  // w above; [0, 1]
};

struct LlmRerankReport {
  std::string model;
  int candidates = 0;  // documents offered to the stage (min(k, results))
  int reranked = 0;    // documents the LLM scored in time
  double took_ms = 0;
  std::string warning;  // set when the stage fell back to the first stage's order
  double weight = 0;    // the fusion weight w used
  std::string note;     // why w was lowered from the default, if it was
};

class LlmReranker {
 public:
  // Resolves `model` (a name in models_dir, or a folder or .gguf path) but
  // opens it on first use; encoder::llm::ScorerOptions as given.
  LlmReranker(std::string model, std::string models_dir, encoder::llm::ScorerOptions options = {});
  ~LlmReranker();

  // Re-orders `docs` (best first) in place as described above.
  LlmRerankReport rerank(std::string_view query, std::vector<RankedDocument>& docs,
                         const LlmRerankOptions& options) const;

  // Scores `texts` against `query` directly (POST /v1/rerank): the model's
  // margins, texts scored in order until budget_ms (0 = none). NotFound /
  // InvalidArgument from opening the model; InvalidArgument for bad text.
  core::Result<encoder::llm::RelevanceScores> score(std::string_view query, const std::vector<std::string>& texts,
                                                    double budget_ms) const;

  const std::string& model() const { return model_; }

 private:
  // The scorer, opened once; the Status of a failed open is kept and
  // returned to every later call (no retry storm on a missing model).
  core::Result<const encoder::llm::RelevanceScorer*> scorer() const;

  std::string model_, models_dir_;
  encoder::llm::ScorerOptions scorer_options_;
  mutable std::mutex mu_;
  mutable bool opened_ = false;
  mutable core::Status open_status_ = core::Status::ok();
  mutable std::unique_ptr<encoder::llm::RelevanceScorer> scorer_;
};

}  // namespace kbseek::ranker
