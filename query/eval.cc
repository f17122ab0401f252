// BEIR loading and metrics.
#include "query/eval.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace kbseek::query {

using core::Result;
using core::Status;

Result<std::vector<EvalQuery>> load_eval_queries(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::from_errno(path, errno);
  std::vector<EvalQuery> out;
  std::string line;
  int64_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    try {
      auto j = nlohmann::json::parse(line);
      EvalQuery q;
      const auto& id = j.contains("_id") ? j.at("_id") : j.at("id");
      q.id = id.is_string() ? id.get<std::string>() : id.dump();
      q.text = j.at("text").get<std::string>();
      out.push_back(std::move(q));
    } catch (const nlohmann::json::exception& e) {
      return Status::invalid_argument(path + ":" + std::to_string(lineno) + ": " + e.what());
    }
  }
  return out;
}

Result<Qrels> load_qrels(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::from_errno(path, errno);
  Qrels out;
  std::string line;
  int64_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    std::istringstream ss(line);
    std::string qid, did, score_s;
    if (!std::getline(ss, qid, '\t') || !std::getline(ss, did, '\t') || !std::getline(ss, score_s, '\t'))
      return Status::invalid_argument(path + ":" + std::to_string(lineno) + ": expected 3 tab-separated columns");
    if (lineno == 1 && qid == "query-id") continue;
    try {
      out[qid][did] = std::stoi(score_s);
    } catch (const std::exception&) {
      return Status::invalid_argument(path + ":" + std::to_string(lineno) + ": score \"" + score_s +
                                      "\" is not an integer");
    }
  }
  return out;
}

QueryMetrics score_query(const std::vector<std::string>& ranked, const std::map<std::string, int>& relevant) {
  QueryMetrics m;
  int positives = 0;
  std::vector<int> gains;
  for (const auto& [doc, rel] : relevant) {
    if (rel > 0) {
      ++positives;
      gains.push_back(rel);
    }
  }
  if (positives == 0) return m;
  std::sort(gains.rbegin(), gains.rend());
  double dcg = 0, idcg = 0;
  int found10 = 0, found100 = 0;
  for (size_t i = 0; i < ranked.size() && i < 100; ++i) {
    auto it = relevant.find(ranked[i]);
    int rel = it == relevant.end() ? 0 : it->second;
    if (rel <= 0) continue;
    if (i < 10) {
      dcg += rel / std::log2(static_cast<double>(i) + 2);
      ++found10;
      if (m.mrr10 == 0) m.mrr10 = 1.0 / static_cast<double>(i + 1);
    }
    ++found100;
  }
  for (size_t i = 0; i < gains.size() && i < 10; ++i) idcg += gains[i] / std::log2(static_cast<double>(i) + 2);
  m.ndcg10 = idcg > 0 ? dcg / idcg : 0;
  m.recall10 = static_cast<double>(found10) / positives;
  m.recall100 = static_cast<double>(found100) / positives;
  return m;
}

void EvalAccumulator::add(const QueryMetrics& m, double latency_ms) {
  metrics_.push_back(m);
  latencies_ms_.push_back(latency_ms);
}

EvalSummary EvalAccumulator::summary() const {
  EvalSummary s;
  s.queries = static_cast<int>(metrics_.size());
  if (metrics_.empty()) return s;
  for (const auto& m : metrics_) {
    s.ndcg10 += m.ndcg10;
    s.mrr10 += m.mrr10;
    s.recall10 += m.recall10;
    s.recall100 += m.recall100;
  }
  s.ndcg10 /= s.queries;
  s.mrr10 /= s.queries;
  s.recall10 /= s.queries;
  s.recall100 /= s.queries;
  std::vector<double> lat = latencies_ms_;
  std::sort(lat.begin(), lat.end());
  auto pct = [&lat](double p) {
    size_t idx = static_cast<size_t>(std::ceil(p * lat.size())) - 1;
    return lat[std::min(idx, lat.size() - 1)];
  };
  s.p50_ms = pct(0.50);
  s.p99_ms = pct(0.99);
  return s;
}

}  // namespace kbseek::query
