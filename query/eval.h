// Retrieval quality on BEIR-layout sets: queries.jsonl (_id, text) and
// qrels.tsv (query-id, corpus-id, score; header line), as in ../shared/evaldata.
//
// Metrics follow BEIR/pytrec_eval: nDCG@10 with linear gains (the qrel
// score), MRR@10 and Recall@k counting score > 0 as relevant. Queries with
// no positive qrel are skipped, as BEIR does.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/status.h"

namespace kbseek::query {

struct EvalQuery {
  std::string id;
  std::string text;
};

// query id -> (doc id -> graded relevance)
using Qrels = std::map<std::string, std::map<std::string, int>>;

core::Result<std::vector<EvalQuery>> load_eval_queries(const std::string& path);
core::Result<Qrels> load_qrels(const std::string& path);

struct QueryMetrics {
  double ndcg10 = 0, mrr10 = 0, recall10 = 0, recall100 = 0;
};

// `ranked`: doc ids best first (at least 100 for recall@100).
QueryMetrics score_query(const std::vector<std::string>& ranked, const std::map<std::string, int>& relevant);

struct EvalSummary {
  int queries = 0;
  double ndcg10 = 0, mrr10 = 0, recall10 = 0, recall100 = 0;  // means
  double p50_ms = 0, p99_ms = 0;
};

// Accumulates per-query metrics and latencies into means and percentiles.
class EvalAccumulator {
 public:
  void add(const QueryMetrics& m, double latency_ms);
  EvalSummary summary() const;

 private:
  std::vector<QueryMetrics> metrics_;
  std::vector<double> latencies_ms_;
};

}  // namespace kbseek::query
