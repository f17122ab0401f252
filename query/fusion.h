// Fusing ranked lists from several retrievers into one.
//
// Reciprocal-rank fusion (Cormack et al., SIGIR 2009): score = Σ w_i / (k + rank_i).
// It needs no score calibration between cosine and BM25, which is why it is
// the default; min-max normalised weighted sums are kept for measurement
// (bench/quality compares both). Candidates found by several lists merge
// their SourceScores. Pure functions, thread-safe.
#pragma once

#include <vector>

#include "query/retriever.h"

namespace kbseek::query {

enum class FusionMethod { kReciprocalRank, kWeightedNormalized };

struct FusionOptions {
  FusionMethod method = FusionMethod::kReciprocalRank;
  double rrf_k = 60;             // RRF's rank offset; 60 as in the paper
  std::vector<double> weights;   // per list; empty = all 1
  // Hybrid retrieval multiplies each list's weight by confidence^exponent
  // (Retriever::confidence). 0 turns query adaptation off. The default is
  // measured: see bench/results/quality.md and docs/fusion.md.
  double confidence_exponent = 1;
};

// Best first, at most k. Ties break by chunk id for a stable order.
std::vector<Candidate> fuse(const std::vector<std::vector<Candidate>>& lists, const FusionOptions& options, int k);

}  // namespace kbseek::query
