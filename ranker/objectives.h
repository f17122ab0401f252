// Ranking beyond relevance: freshness, metadata boosts, diversity and a cap
// per group, applied to the ranked documents after the first stage and the
// LLM stage, in that order: boosts and freshness change scores, then the
// list is re-sorted, then MMR re-orders it for diversity, then the cap
// drops what exceeds it. Each step that changes a document's place or score
// adds an entry to its explanation.
//
// Users of Elasticsearch (function_score decay), Vespa (rank profiles),
// Qdrant (decay formulas, MMR) and Typesense (decay sort, group_by) expect
// these controls. Every one is off by default except what the query asks
// for: a query asking for recent things ("最新", "latest": query::Query::
// time.recent) gets at least `recent_weight` of freshness.
//
// Pure functions of their inputs (the vectors are fetched by the caller);
// thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "query/query.h"
#include "ranker/ranker.h"

namespace kbseek::ranker {

// A document whose metadata `field` holds `value` (as storage/chunk_fields.h
// reads metadata: case-insensitive, arrays count each value, "outer.inner"
// for nested objects) gets its relevance multiplied by `factor`, on the
// scale 1 + r with r the score min-max normalised over the list (so that
// the list's worst is not stuck at 0): a factor of 2 lifts the worst level
// with the best; 0 sinks a document below every unboosted one.
struct Boost {
  std::string field;
  std::string value;
  double factor = 1;
};

struct RankingOptions {
  // Freshness: score' = (1 − w)·relevance + w·0.5^(age / half_life), with
  // relevance the score min-max normalised over the list (1 best, 0 worst)
  // and age from the document's timestamp to `now`. A document without a
  // timestamp, or dated in the future, counts as age 0 when dated ahead and
  // as freshness 0 when undated. w = freshness_weight; 0: off.
  double freshness_weight = 0;
  // The least w for a query that asks for recent things (Query::time.recent).
  double recent_weight = 0.3;
  double half_life_days = 180;
  int64_t now = 0;  // seconds since the epoch; 0: the clock
  std::vector<Boost> boosts;
  // Diversity by MMR (Carbonell & Goldstein, SIGIR 1998): documents are
  // picked one by one by λ·relevance − (1 − λ)·(highest cosine similarity
  // of its best chunk to those already picked). 1: off; 0.5 weighs both alike.
  double mmr_lambda = 1;
  // At most `max_per_group` documents with the same value of metadata
  // field `group_field` (the first value of an array; documents without it
  // are not capped). 0: no cap.
  std::string group_field;
  int max_per_group = 0;
  // Document-level evidence, applied where chunks become documents
  // (GroupingOptions, best_chunk_ranker.h): the weight of a document's other
  // chunks among the candidates. Not an objective: it changes relevance.
  double other_chunks_weight = 0;

  // Whether anything here can change the order for `query`.
  bool active(const query::Query& query) const;
};

// InvalidArgument naming the option out of range: weights outside [0, 1],
// half-life <= 0, λ outside [0, 1], a boost factor < 0 or without a field,
// a negative cap, a cap without a field.
core::Status validate(const RankingOptions& options);

// Sets the options `j` names on top of `options`: {"freshness_weight",
// "recent_weight", "half_life_days", "mmr_lambda", "group_field",
// "max_per_group", "boosts": [{"field", "value", "factor"}]} (the form of an
// index's ranking.json, of --ranking flags and of a request's "ranking").
// InvalidArgument naming an unknown key or a bad value; the result is
// validated.
core::Status ranking_from_json(const nlohmann::json& j, RankingOptions* options);
nlohmann::json ranking_to_json(const RankingOptions& options);

// The best chunks' embeddings, dim floats each, in the order of `chunk_ids`.
using ChunkVectors = std::function<core::Result<std::vector<float>>(const std::vector<int64_t>& chunk_ids, int* dim)>;

// `docs` (best first, with their first-stage or LLM scores) re-ranked by
// the options, at most k. `vectors` is called only when MMR is on; if it
// fails (a chunk replaced meanwhile), diversity is skipped and `warnings`
// (when given) says so: the search still answers.
core::Result<std::vector<RankedDocument>> apply_objectives(const query::Query& query, std::vector<RankedDocument> docs,
                                                           const RankingOptions& options, const ChunkVectors& vectors,
                                                           int k, std::vector<std::string>* warnings = nullptr);

}  // namespace kbseek::ranker
