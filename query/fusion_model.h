// Hybrid fusion weights learned from labelled queries (`kbseek tune`), kept
// with the index (its folder's fusion.json) and used for every query after.
//
// The weight of each list (BM25, the entity list, each embedding model) is a
// function of the query's features: queries fall into classes by their main
// language (zh, en, other; query::Query::languages) and form (a question or
// keywords; Query::question), and each class has its own weights, learned on
// that class's training queries when there are enough of them (kMinClass),
// else the weights learned on all of them. The per-query confidence (query/
// hybrid_retriever.h) still scales each list, with its exponent learned too.
// A class is a piecewise-constant function of the features: coarse, but
// learnable from a few hundred labels, and explainable in one line
// (`--explain` shows the class and every list's weight).
//
// None of the engines users compare us with learns hybrid weights from
// labels; the hand-set rules (ranker::SearchServiceOptions::weights) stay
// the default for an index never tuned.
#pragma once

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "query/query.h"

namespace kbseek::query {

// "zh-question", "en-keywords", "other-question", …
std::string query_class(const Query& query);

struct FusionModel {
  static constexpr int kMinClass = 30;  // training queries a class needs for weights of its own

  double confidence_exponent = 2;
  std::map<std::string, double> global;  // list weight key -> weight
  std::map<std::string, std::map<std::string, double>> classes;
  // What it was learned on and how it did, as JSON text (the tuner's report).
  std::string trained = "{}";

  // The weight of list `key` for `query`: its class's, else the global one,
  // else `fallback` (a list the model never saw, e.g. a model added later).
  double weight(const Query& query, const std::string& key, double fallback) const;
};

nlohmann::json to_json(const FusionModel& model);
// InvalidArgument naming what is wrong.
core::Result<FusionModel> fusion_model_from_json(const nlohmann::json& j);

// The index folder's fusion.json; found = false when there is none.
struct LoadedFusionModel {
  bool found = false;
  FusionModel model;
};
core::Result<LoadedFusionModel> load_fusion_model(const std::string& index_dir);
core::Status save_fusion_model(const std::string& index_dir, const FusionModel& model);

}  // namespace kbseek::query
