// `kbseek rerank --model NAME QUERY`: passages on stdin, one per line, to
// the LLM stage's relevance scores on stdout, one per line in input order
// (encoder/llm/relevance_scorer.h: logit("yes") − logit("no"); higher is
// more relevant, comparable only within one query).
//
// A line that is not UTF-8, or one the budget did not reach, prints `null`
// in its place (so output line N is input line N), says why on stderr, and
// makes the exit status 1.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "app/args.h"
#include "app/commands.h"
#include "app/stdin_lines.h"
#include "core/utf8.h"
#include "encoder/model_folder.h"
#include "ranker/llm_reranker.h"

namespace kbseek::app {

using core::Status;

namespace {

// Passages per scoring call: each call runs the shared prefix once more
// (about 40 tokens), so larger is cheaper, and output flows per call.
constexpr size_t kBatchLines = 32;

constexpr const char* kUsage =
    "usage: kbseek rerank --model NAME|DIR|FILE.gguf [--budget-ms MS] [--passage-tokens N] QUERY < passages.txt";

}  // namespace

int cmd_rerank(int argc, char** argv) {
  auto args = Args::parse(argc, argv, {"--model", "--models-dir", "--budget-ms", "--passage-tokens"}, {});
  if (!args.is_ok()) return fail("rerank", args.status());
  if (!args->has("--model") || args->positional().size() != 1) return fail("rerank", Status::invalid_argument(kUsage));
  const std::string query = args->positional()[0];
  if (query.empty()) return fail("rerank", Status::invalid_argument("empty QUERY; " + std::string(kUsage)));
  if (core::find_invalid_utf8(query) != std::string::npos) {
    return fail("rerank", Status::invalid_argument("QUERY is not valid UTF-8"));
  }
  auto budget = args->get_int("--budget-ms", 0);
  if (!budget.is_ok()) return fail("rerank", budget.status());
  if (budget.value() < 0) return fail("rerank", Status::invalid_argument("--budget-ms expects a number ≥ 0"));
  encoder::llm::ScorerOptions options;
  auto cut = args->get_int("--passage-tokens", options.max_passage_tokens);
  if (!cut.is_ok()) return fail("rerank", cut.status());
  if (cut.value() <= 0) return fail("rerank", Status::invalid_argument("--passage-tokens expects a number > 0"));
  options.max_passage_tokens = cut.value();

  const ranker::LlmReranker reranker(args->get("--model"), args->get("--models-dir", encoder::default_models_dir()),
                                     options);
  // Opens the model now, so that a bad name fails before stdin is read.
  if (auto probe = reranker.score(query, {}, 0); !probe.is_ok()) return fail("rerank", probe.status());

  const auto start = std::chrono::steady_clock::now();
  auto budget_left_ms = [&]() -> double {
    if (budget.value() == 0) return 0;  // none
    const double spent = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    return std::max(budget.value() - spent, 1e-3);  // > 0: a deadline that has passed, not "none"
  };

  int failures = 0, unreached = 0;
  auto read = for_each_stdin_batch("rerank", kBatchLines, [&](const StdinBatch& b) -> Status {
    encoder::llm::RelevanceScores scores;
    if (!b.texts.empty()) {
      auto s = reranker.score(query, b.texts, budget_left_ms());
      if (!s.is_ok()) return s.status();
      scores = std::move(s).value();
    }
    std::string out;
    char buf[32];
    for (size_t i = 0; i < b.numbers.size(); ++i) {
      const int t = b.text_of[i];
      if (t >= 0 && scores.scored[t]) {
        std::snprintf(buf, sizeof buf, "%.4f\n", scores.score[t]);
        out += buf;
        continue;
      }
      out += "null\n";
      ++failures;
      if (t >= 0) ++unreached;
    }
    std::fputs(out.c_str(), stdout);
    std::fflush(stdout);
    return Status::ok();
  });
  if (!read.is_ok()) return fail("rerank", read.status());
  const size_t line_no = read.value();
  if (unreached > 0) {
    std::fprintf(stderr, "kbseek rerank: %d of %zu passages not scored within --budget-ms %d\n", unreached, line_no,
                 budget.value());
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace kbseek::app
