// The LLM stage around RelevanceScorer: opening the model once, the budget,
// the fusion and the fallback. Why min-max over the scored documents only:
// margins of different queries are on different scales (the 0.5B model's
// run from -2.6 to -0.8 on the golden set), so only their spread within one
// query's candidates says anything.
#include "ranker/llm_reranker.h"

#include <algorithm>
#include <chrono>

#include "core/file_util.h"
#include "core/logging.h"
#include "encoder/model_folder.h"
#include "kernels/backend.h"
#include "kernels/device.h"

namespace kbseek::ranker {
namespace {

std::vector<double> min_max(const std::vector<double>& v) {
  if (v.empty()) return {};
  const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
  std::vector<double> out(v.size(), 1.0);  // all equal: no information, all 1
  if (*hi - *lo <= 0) return out;
  for (size_t i = 0; i < v.size(); ++i) out[i] = (v[i] - *lo) / (*hi - *lo);
  return out;
}

// `budget_ms` after `start`; none (the far future) for 0.
encoder::llm::RelevanceScorer::Clock::time_point deadline_after(std::chrono::steady_clock::time_point start,
                                                                double budget_ms) {
  if (budget_ms <= 0) return encoder::llm::RelevanceScorer::Clock::time_point::max();
  return start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                     std::chrono::duration<double, std::milli>(budget_ms));
}

}  // namespace

LlmReranker::LlmReranker(std::string model, std::string models_dir, encoder::llm::ScorerOptions options)
    : model_(std::move(model)), models_dir_(std::move(models_dir)), scorer_options_(options) {}

LlmReranker::~LlmReranker() = default;

core::Result<const encoder::llm::RelevanceScorer*> LlmReranker::scorer() const {
  std::lock_guard<std::mutex> lock(mu_);
  if (opened_) {
    if (!open_status_.is_ok()) return open_status_;
    return scorer_.get();
  }
  opened_ = true;
  std::string path = model_;
  if (path.size() < 5 || path.compare(path.size() - 5, 5, ".gguf") != 0) {
    auto dir = encoder::resolve_model(model_, models_dir_);
    if (!dir.is_ok()) {
      open_status_ = dir.status();
      return open_status_;
    }
    if (core::Status st = encoder::verify_model_folder(dir.value()); !st.is_ok()) {
      open_status_ = st;
      return open_status_;
    }
    path = dir.value() + "/" + encoder::kGgufFile;
  }
  const auto t0 = std::chrono::steady_clock::now();
  // The decoder's CUDA kernels build and have per-op parity tests, but the
  // model has not run on a GPU yet: CUDA only with KBSEEK_DEVICE=cuda.
  auto backend = kernels::choose_backend({"LLM re-ranker " + model_,
                                          {kernels::Op::kRmsNorm, kernels::Op::kRope, kernels::Op::kCausalAttention,
                                           kernels::Op::kSwiglu, kernels::Op::kAddBias, kernels::Op::kAdd},
                                          /*cuda_validated=*/false});
  if (!backend.is_ok()) {
    open_status_ = backend.status();
    return open_status_;
  }
  auto s = encoder::llm::RelevanceScorer::open(path, backend.value(), scorer_options_);
  if (!s.is_ok()) {
    open_status_ = s.status();
    return open_status_;
  }
  scorer_ = std::move(s).value();
  core::log_info("ranker",
                 "LLM re-ranker " + model_ + " opened in " +
                     std::to_string(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count()) +
                     " s (" + kernels::weight_format_name(scorer_->model().weight_format()) + " weights)");
  return scorer_.get();
}

core::Result<encoder::llm::RelevanceScores> LlmReranker::score(std::string_view query,
                                                               const std::vector<std::string>& texts,
                                                               double budget_ms) const {
  const auto start = std::chrono::steady_clock::now();
  KB_ASSIGN_OR_RETURN(const encoder::llm::RelevanceScorer* s, scorer());
  return s->score(query, texts, deadline_after(start, budget_ms));
}

LlmRerankReport LlmReranker::rerank(std::string_view query, std::vector<RankedDocument>& docs,
                                    const LlmRerankOptions& options) const {
  const auto start = std::chrono::steady_clock::now();
  LlmRerankReport report;
  report.model = model_;
  report.candidates = std::min<int>(std::max(options.k, 0), static_cast<int>(docs.size()));
  auto finish = [&](std::string warning) {
    report.warning = std::move(warning);
    if (!report.warning.empty()) core::log_warn("ranker", "LLM stage skipped: " + report.warning);
    report.took_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return report;
  };
  if (report.candidates == 0) return finish("");
  auto sc = scorer();
  if (!sc.is_ok()) return finish(sc.status().to_string());
  std::vector<std::string> passages;
  for (int i = 0; i < report.candidates; ++i) passages.push_back(docs[i].best_chunk_text);
  auto scores = sc.value()->score(query, passages, deadline_after(start, options.budget_ms));
  if (!scores.is_ok()) return finish(scores.status().to_string());
  const int n = scores->scored_count;  // a prefix of the candidates
  report.reranked = n;
  if (n == 0) return finish("");
  std::vector<double> first(n), llm(n);
  for (int i = 0; i < n; ++i) {
    first[i] = docs[i].score;
    llm[i] = scores->score[i];
  }
  const std::vector<double> nf = min_max(first), nl = min_max(llm);
  const double w = std::clamp(options.llm_weight, 0.0, 1.0);
  std::vector<std::pair<double, int>> order(n);
  for (int i = 0; i < n; ++i) {
    const double fused = (1 - w) * nf[i] + w * nl[i];
    order[i] = {fused, i};
    docs[i].explanation.push_back({"llm", 0, llm[i], w});
    docs[i].explanation.push_back({"llm:fused", 0, fused, w});
  }
  // Ties keep the first stage's order.
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<RankedDocument> head;
  for (int r = 0; r < n; ++r) {
    head.push_back(std::move(docs[order[r].second]));
    head.back().explanation[head.back().explanation.size() - 1].rank = r + 1;
  }
  for (int r = 0; r < n; ++r) docs[r] = std::move(head[r]);
  return finish("");
}

}  // namespace kbseek::ranker
