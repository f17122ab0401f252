// `kbseek eval`: retrieval quality and latency on a BEIR-layout query set.
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/args.h"
#include "app/commands.h"
#include "app/service_flags.h"
#include "query/eval.h"
#include "ranker/search_service.h"

namespace kbseek::app {

using core::Status;

int cmd_eval(int argc, char** argv) {
  auto args = Args::parse(
      argc, argv,
      with_service_flags({"--index", "--queries", "--qrels", "--mode", "--limit", "--max-queries", "--principals"}),
      {"--json", "--fixed-weights"});
  if (!args.is_ok()) return fail("eval", args.status());
  for (const char* f : {"--index", "--queries", "--qrels"})
    if (!args->has(f)) return fail("eval", Status::invalid_argument(std::string("missing ") + f));
  auto mode = ranker::parse_search_mode(args->get("--mode", "hybrid"));
  if (!mode.is_ok()) return fail("eval", mode.status());
  // --max-queries is --limit's other name.
  auto limit = args->get_int(args->has("--max-queries") ? "--max-queries" : "--limit", 0);
  if (!limit.is_ok()) return fail("eval", limit.status());
  auto queries = query::load_eval_queries(args->get("--queries"));
  if (!queries.is_ok()) return fail("eval", queries.status());
  auto qrels = query::load_qrels(args->get("--qrels"));
  if (!qrels.is_ok()) return fail("eval", qrels.status());
  ranker::SearchRequest base{"", 100, mode.value()};
  if (Status st = rerank_from_args(args.value(), &base); !st.is_ok()) return fail("eval", st);
  principals_from_args(args.value(), &base);
  auto opts = service_options_from_args(args.value());
  if (!opts.is_ok()) return fail("eval", opts.status());
  auto service = ranker::SearchService::open(args->get("--index"), opts.value());
  if (!service.is_ok()) return fail("eval", service.status());

  query::EvalAccumulator acc;
  int done = 0, reranked = 0, offered = 0, warned = 0;
  for (const auto& q : queries.value()) {
    auto rel = qrels->find(q.id);
    if (rel == qrels->end()) continue;  // BEIR skips queries without judgements
    if (limit.value() > 0 && done >= limit.value()) break;
    ranker::SearchRequest req = base;
    req.query = q.text;
    auto t0 = std::chrono::steady_clock::now();
    auto resp = service.value()->search(req);
    double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    if (!resp.is_ok()) return fail("eval", resp.status().with_context("query " + q.id));
    std::vector<std::string> ranked;
    for (const auto& r : resp->results) ranked.push_back(r.id);
    acc.add(query::score_query(ranked, rel->second), ms);
    ++done;
    reranked += resp->rerank.reranked;
    offered += resp->rerank.candidates;
    warned += !resp->rerank.warning.empty();
    // Long runs (the LLM stage: seconds a query on a CPU) show progress.
    if (!base.rerank_model.empty() && done % 10 == 0) std::fprintf(stderr, "eval: %d queries\n", done);
  }
  auto s = acc.summary();
  nlohmann::json j = {{"mode", ranker::search_mode_name(mode.value())},
                      {"queries", s.queries},
                      {"ndcg@10", s.ndcg10},
                      {"mrr@10", s.mrr10},
                      {"recall@10", s.recall10},
                      {"recall@100", s.recall100},
                      {"p50_ms", s.p50_ms},
                      {"p99_ms", s.p99_ms}};
  if (!base.rerank_model.empty()) {
    j["rerank"] = {{"model", base.rerank_model}, {"k", base.rerank.k},    {"budget_ms", base.rerank.budget_ms},
                   {"reranked", reranked},       {"candidates", offered}, {"queries_with_warning", warned}};
    if (!args->has("--json")) {
      std::printf("rerank %s: %d of %d candidates re-ranked, %d queries fell back\n", base.rerank_model.c_str(),
                  reranked, offered, warned);
    }
  }
  if (args->has("--json")) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf(
        "mode %s, %d queries\nndcg@10    %.4f\nmrr@10     %.4f\nrecall@10  %.4f\nrecall@100 %.4f\n"
        "p50_ms     %.2f\np99_ms     %.2f\n",
        ranker::search_mode_name(mode.value()), s.queries, s.ndcg10, s.mrr10, s.recall10, s.recall100, s.p50_ms,
        s.p99_ms);
  }
  return 0;
}

}  // namespace kbseek::app
