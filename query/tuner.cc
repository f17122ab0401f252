// Coordinate ascent over fusion weights.
#include "query/tuner.h"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <unordered_set>

#include "core/sha256.h"
#include "query/eval.h"

namespace kbseek::query {
namespace {

using Weights = std::map<std::string, double>;

// nDCG@10 of each query of `qs`, in order.
struct Scores {
  std::vector<double> per_query;
  double mean = 0;
};

Scores scores(const std::vector<const TuneQuery*>& qs, const Weights& w, double exponent, FusionMethod method,
              const std::unordered_map<int64_t, std::string>& doc_of) {
  Scores out;
  out.per_query.reserve(qs.size());
  for (const TuneQuery* q : qs) out.per_query.push_back(tuned_ndcg(*q, w, exponent, method, doc_of));
  for (double x : out.per_query) out.mean += x;
  if (!qs.empty()) out.mean /= static_cast<double>(qs.size());
  return out;
}

// Whether `next` beats `current` on the same queries by more than min_gain
// on average and significantly: the paired t statistic of the per-query
// differences above kMinT (about 95% one-sided), so that weights move only
// for gains that hold across queries, not for a few lucky ones.
constexpr double kMinT = 2.0;

bool better(const Scores& next, const Scores& current, double min_gain) {
  const size_t n = next.per_query.size();
  if (n < 2 || next.mean <= current.mean + min_gain) return false;
  double mean = 0, sq = 0;
  for (size_t i = 0; i < n; ++i) mean += next.per_query[i] - current.per_query[i];
  mean /= static_cast<double>(n);
  for (size_t i = 0; i < n; ++i) {
    const double d = next.per_query[i] - current.per_query[i] - mean;
    sq += d * d;
  }
  const double sd = std::sqrt(sq / static_cast<double>(n - 1));
  if (sd == 0) return true;  // every query gained alike
  return mean / (sd / std::sqrt(static_cast<double>(n))) > kMinT;
}

Weights priors(const std::vector<TuneQuery>& queries) {
  Weights w;
  for (const auto& q : queries)
    for (const auto& l : q.lists) w.emplace(l.key, l.prior);
  return w;
}

// Coordinate ascent from `start` on `qs`; returns the weights and their scores.
std::pair<Weights, Scores> ascend(const std::vector<const TuneQuery*>& qs, Weights start, double exponent,
                                  const TuneOptions& o, const std::unordered_map<int64_t, std::string>& doc_of) {
  Scores best = scores(qs, start, exponent, o.method, doc_of);
  for (int pass = 0; pass < o.passes; ++pass) {
    bool moved = false;
    for (auto& [key, value] : start) {
      const double current = value;
      double chosen = current;
      Scores chosen_scores = best;
      for (double g : o.grid) {
        if (g == current) continue;
        value = g;
        const Scores s = scores(qs, start, exponent, o.method, doc_of);
        if (better(s, chosen_scores, o.min_gain)) {
          chosen = g;
          chosen_scores = s;
        }
      }
      value = chosen;
      if (chosen != current) {
        best = chosen_scores;
        moved = true;
      }
    }
    if (!moved) break;
  }
  return {start, best};
}

}  // namespace

bool is_test_query(const std::string& id, double share) {
  const std::string h = core::sha256_hex(id);
  const double u = static_cast<double>(std::stoul(h.substr(0, 8), nullptr, 16)) / 4294967296.0;
  return u < share;
}

double tuned_ndcg(const TuneQuery& q, const Weights& weights, double exponent, FusionMethod method,
                  const std::unordered_map<int64_t, std::string>& doc_of) {
  // As HybridRetriever does: the adapted weight; a list of weight 0 is not asked.
  FusionOptions opts;
  opts.method = method;
  std::vector<std::vector<Candidate>> lists;
  lists.reserve(q.lists.size());
  static const std::vector<Candidate> kEmpty;
  for (const auto& l : q.lists) {
    auto it = weights.find(l.key);
    const double w = adapted_weight(it != weights.end() ? it->second : l.prior, l.confidence, exponent);
    opts.weights.push_back(w);
    lists.push_back(w > 0 ? l.candidates : kEmpty);
  }
  const std::vector<Candidate> fused = fuse(lists, opts, -1);
  std::vector<std::string> ranked;
  std::unordered_set<std::string> seen;
  for (const auto& c : fused) {
    auto d = doc_of.find(c.chunk_id);
    if (d == doc_of.end() || !seen.insert(d->second).second) continue;
    ranked.push_back(d->second);
    if (ranked.size() >= 10) break;
  }
  return score_query(ranked, q.relevant).ndcg10;
}

TuneReport tune(const std::vector<TuneQuery>& queries, const std::unordered_map<int64_t, std::string>& doc_of,
                const TuneOptions& o) {
  TuneReport r;
  std::vector<const TuneQuery*> train, test;
  std::map<std::string, std::vector<const TuneQuery*>> train_cls, test_cls;
  for (const auto& q : queries) {
    (q.test ? test : train).push_back(&q);
    (q.test ? test_cls : train_cls)[q.cls].push_back(&q);
  }
  const Weights fixed = priors(queries);

  // 1. The confidence exponent, with the fixed weights.
  double exponent = o.prior_exponent;
  Scores best = scores(train, fixed, exponent, o.method, doc_of);
  for (double e : o.exponent_grid) {
    const Scores s = scores(train, fixed, e, o.method, doc_of);
    if (better(s, best, o.min_gain)) {
      best = s;
      exponent = e;
    }
  }
  // 2. Global weights; 3. each class with enough training queries.
  Weights global = ascend(train, fixed, exponent, o, doc_of).first;
  r.model.confidence_exponent = exponent;
  r.model.global = global;
  for (const auto& [cls, qs] : train_cls) {
    if (static_cast<int>(qs.size()) < o.min_class) continue;
    const Scores with_global = scores(qs, global, exponent, o.method, doc_of);
    auto [w, s] = ascend(qs, global, exponent, o, doc_of);
    if (better(s, with_global, o.min_gain)) r.model.classes[cls] = w;
  }
  // The report: fixed rules against the model, on both halves and per class.
  auto model_ndcg = [&](const TuneQuery& q) {
    auto c = r.model.classes.find(q.cls);
    return tuned_ndcg(q, c != r.model.classes.end() ? c->second : global, exponent, o.method, doc_of);
  };
  auto score = [&](const std::vector<const TuneQuery*>& qs) {
    TuneScores s;
    s.queries = static_cast<int>(qs.size());
    for (const TuneQuery* q : qs) {
      s.fixed += tuned_ndcg(*q, fixed, o.prior_exponent, o.method, doc_of);
      s.tuned += model_ndcg(*q);
    }
    if (!qs.empty()) {
      s.fixed /= static_cast<double>(qs.size());
      s.tuned /= static_cast<double>(qs.size());
    }
    return s;
  };
  r.train = score(train);
  r.test = score(test);
  for (const auto& [cls, qs] : train_cls) r.train_by_class[cls] = score(qs);
  for (const auto& [cls, qs] : test_cls) r.test_by_class[cls] = score(qs);
  nlohmann::json trained = {{"train_queries", r.train.queries},
                            {"test_queries", r.test.queries},
                            {"fixed_train_ndcg10", r.train.fixed},
                            {"tuned_train_ndcg10", r.train.tuned},
                            {"fixed_test_ndcg10", r.test.fixed},
                            {"tuned_test_ndcg10", r.test.tuned},
                            {"fixed_weights", fixed},
                            {"fixed_confidence_exponent", o.prior_exponent}};
  r.model.trained = trained.dump();
  return r;
}

}  // namespace kbseek::query
