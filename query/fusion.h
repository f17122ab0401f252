// Fusing ranked lists from several retrievers into one.
//
// Two methods, chosen by measurement (bench/results/fusion_sweep.md):
// - weighted normalised (the default): score = Σ w_i · (s_i − min_i)/(max_i − min_i)
//   over each list's own score range. It keeps how far apart candidates are,
//   which RRF throws away, and measured better on 4 of the 5 sets where the
//   dense list matters (scifact 0.729 vs 0.713 nDCG@10, xquadr_en 0.880 vs 0.866).
// - reciprocal rank (Cormack et al., SIGIR 2009): score = Σ w_i / (k + rank_i),
//   no calibration at all; slightly better on nfcorpus.
// Candidates found by several lists merge their SourceScores. Pure functions,
// thread-safe.
#pragma once

#include <vector>

#include "query/retriever.h"

namespace kbseek::query {

enum class FusionMethod { kReciprocalRank, kWeightedNormalized };

struct FusionOptions {
  FusionMethod method = FusionMethod::kWeightedNormalized;
  double rrf_k = 60;            // RRF's rank offset; 60 as in the paper
  std::vector<double> weights;  // per list; empty = all 1
  // Hybrid retrieval multiplies each list's weight by confidence^exponent
  // (Retriever::confidence). 0 turns query adaptation off. 2 is measured:
  // it keeps hybrid at BM25's level on the Chinese sets under an English-only
  // model (1 lost 0.0003–0.001 there, 0 lost 0.33) and changes nothing on
  // English sets (bench/results/fusion_sweep.md).
  double confidence_exponent = 2;
};

// A list's weight for one query: its prior weight times its confidence for
// the query (clamped to [0, 1]) raised to `confidence_exponent` (0: the
// prior as it is). Hybrid retrieval and the tuner (query/tuner.h) both
// weigh lists by it.
double adapted_weight(double prior, double confidence, double confidence_exponent);

// Best first, at most k. Ties break by chunk id for a stable order.
std::vector<Candidate> fuse(const std::vector<std::vector<Candidate>>& lists, const FusionOptions& options, int k);

}  // namespace kbseek::query
