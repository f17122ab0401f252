// Rank fusion.
#include "query/fusion.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

namespace kbseek::query {

double adapted_weight(double prior, double confidence, double confidence_exponent) {
  if (confidence_exponent <= 0) return prior;
  return prior * std::pow(std::clamp(confidence, 0.0, 1.0), confidence_exponent);
}

std::vector<Candidate> fuse(const std::vector<std::vector<Candidate>>& lists, const FusionOptions& options, int k) {
  std::unordered_map<int64_t, Candidate> merged;
  for (size_t li = 0; li < lists.size(); ++li) {
    const auto& list = lists[li];
    const double w = li < options.weights.size() ? options.weights[li] : 1.0;
    if (list.empty() || w == 0) continue;
    double lo = list.back().score, hi = list.front().score;
    for (const auto& c : list) {
      lo = std::min(lo, c.score);
      hi = std::max(hi, c.score);
    }
    for (size_t r = 0; r < list.size(); ++r) {
      const Candidate& c = list[r];
      double contribution;
      if (options.method == FusionMethod::kReciprocalRank) {
        contribution = w / (options.rrf_k + static_cast<double>(r + 1));
      } else {
        // A one-element list (hi == lo) gets full credit rather than zero.
        contribution = w * (hi > lo ? (c.score - lo) / (hi - lo) : 1.0);
      }
      auto [it, inserted] = merged.try_emplace(c.chunk_id);
      Candidate& m = it->second;
      if (inserted) m.chunk_id = c.chunk_id;
      m.score += contribution;
      for (SourceScore src : c.sources) {
        src.weight = w;
        m.sources.push_back(std::move(src));
      }
    }
  }
  std::vector<Candidate> out;
  out.reserve(merged.size());
  for (auto& [id, c] : merged) out.push_back(std::move(c));
  std::sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
    if (a.score != b.score) return a.score > b.score;
    return a.chunk_id < b.chunk_id;
  });
  if (k >= 0 && out.size() > static_cast<size_t>(k)) out.resize(k);
  return out;
}

}  // namespace kbseek::query
