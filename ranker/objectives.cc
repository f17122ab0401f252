// Freshness, boosts, MMR and the group cap.
#include "ranker/objectives.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "core/ascii.h"
#include "ranker/facets.h"

namespace kbseek::ranker {
namespace {

// Scores min-max normalised over the list: 1 best, 0 worst (all 1 if equal).
std::vector<double> normalised(const std::vector<RankedDocument>& docs) {
  std::vector<double> out(docs.size(), 1.0);
  if (docs.empty()) return out;
  double lo = docs[0].score, hi = docs[0].score;
  for (const auto& d : docs) {
    lo = std::min(lo, d.score);
    hi = std::max(hi, d.score);
  }
  if (hi > lo)
    for (size_t i = 0; i < docs.size(); ++i) out[i] = (docs[i].score - lo) / (hi - lo);
  return out;
}

double effective_freshness_weight(const query::Query& query, const RankingOptions& o) {
  return query.time.recent ? std::max(o.freshness_weight, o.recent_weight) : o.freshness_weight;
}

RankingOptions without_mmr(RankingOptions o) {
  o.mmr_lambda = 1;
  o.freshness_weight = 0;  // the scores already carry freshness and boosts:
  o.recent_weight = 0;     // apply only what remains (the cap)
  o.boosts.clear();
  return o;
}

void sort_by_score(std::vector<RankedDocument>* docs) {
  std::stable_sort(docs->begin(), docs->end(),
                   [](const RankedDocument& a, const RankedDocument& b) { return a.score > b.score; });
}

}  // namespace

bool RankingOptions::active(const query::Query& query) const {
  return effective_freshness_weight(query, *this) > 0 || !boosts.empty() || mmr_lambda < 1 || max_per_group > 0;
}

core::Status validate(const RankingOptions& o) {
  auto bad = [](const std::string& what) { return core::Status::invalid_argument(what); };
  if (!(o.freshness_weight >= 0 && o.freshness_weight <= 1)) return bad("freshness weight must be in [0, 1]");
  if (!(o.recent_weight >= 0 && o.recent_weight <= 1)) return bad("recent weight must be in [0, 1]");
  if (!(o.half_life_days > 0) || !std::isfinite(o.half_life_days))
    return bad("half-life must be a positive number of days");
  if (!(o.mmr_lambda >= 0 && o.mmr_lambda <= 1)) return bad("MMR lambda must be in [0, 1]");
  if (o.max_per_group < 0) return bad("max per group must not be negative");
  if (!(o.other_chunks_weight >= 0 && o.other_chunks_weight <= 10))
    return bad("other chunks weight must be in [0, 10]");
  if (o.max_per_group > 0 && o.group_field.empty()) return bad("max per group needs a field to group by");
  for (const auto& b : o.boosts) {
    if (b.field.empty()) return bad("a boost needs a field");
    if (!(b.factor >= 0) || !std::isfinite(b.factor))
      return bad("boost " + b.field + ":" + b.value + " has factor " + std::to_string(b.factor) + "; give one >= 0");
  }
  return core::Status::ok();
}

core::Status ranking_from_json(const nlohmann::json& j, RankingOptions* o) {
  if (!j.is_object()) return core::Status::invalid_argument("ranking options must be a JSON object");
  for (const auto& [key, v] : j.items()) {
    auto number = [&](double* out) -> core::Status {
      if (!v.is_number()) return core::Status::invalid_argument("ranking option \"" + key + "\" must be a number");
      *out = v.get<double>();
      return core::Status::ok();
    };
    if (key == "freshness_weight") {
      KB_RETURN_IF_ERROR(number(&o->freshness_weight));
    } else if (key == "recent_weight") {
      KB_RETURN_IF_ERROR(number(&o->recent_weight));
    } else if (key == "half_life_days") {
      KB_RETURN_IF_ERROR(number(&o->half_life_days));
    } else if (key == "mmr_lambda") {
      KB_RETURN_IF_ERROR(number(&o->mmr_lambda));
    } else if (key == "other_chunks_weight") {
      KB_RETURN_IF_ERROR(number(&o->other_chunks_weight));
    } else if (key == "group_field") {
      if (!v.is_string()) return core::Status::invalid_argument("ranking option \"group_field\" must be a string");
      o->group_field = v.get<std::string>();
    } else if (key == "max_per_group") {
      if (!v.is_number_integer())
        return core::Status::invalid_argument("ranking option \"max_per_group\" must be an integer");
      o->max_per_group = v.get<int>();
    } else if (key == "boosts") {
      if (!v.is_array()) return core::Status::invalid_argument("ranking option \"boosts\" must be an array");
      o->boosts.clear();
      for (const auto& b : v) {
        if (!b.is_object() || !b.contains("field") || !b["field"].is_string() || !b.contains("value") ||
            !(b["value"].is_string() || b["value"].is_number() || b["value"].is_boolean()) || !b.contains("factor") ||
            !b["factor"].is_number())
          return core::Status::invalid_argument(
              "each boost must be {\"field\": string, \"value\": string, \"factor\": number}, got " + b.dump());
        const auto& value = b["value"];
        o->boosts.push_back(Boost{b["field"].get<std::string>(),
                                  value.is_string()    ? value.get<std::string>()
                                  : value.is_boolean() ? (value.get<bool>() ? "true" : "false")
                                                       : value.dump(),
                                  b["factor"].get<double>()});
      }
    } else {
      return core::Status::invalid_argument("unknown ranking option \"" + key +
                                            "\" (freshness_weight, recent_weight, half_life_days, mmr_lambda, "
                                            "group_field, max_per_group, other_chunks_weight, boosts)");
    }
  }
  return validate(*o);
}

nlohmann::json ranking_to_json(const RankingOptions& o) {
  nlohmann::json boosts = nlohmann::json::array();
  for (const auto& b : o.boosts) boosts.push_back({{"field", b.field}, {"value", b.value}, {"factor", b.factor}});
  return {{"freshness_weight", o.freshness_weight},
          {"recent_weight", o.recent_weight},
          {"half_life_days", o.half_life_days},
          {"mmr_lambda", o.mmr_lambda},
          {"group_field", o.group_field},
          {"max_per_group", o.max_per_group},
          {"other_chunks_weight", o.other_chunks_weight},
          {"boosts", boosts}};
}

core::Result<std::vector<RankedDocument>> apply_objectives(const query::Query& query, std::vector<RankedDocument> docs,
                                                           const RankingOptions& o, const ChunkVectors& vectors, int k,
                                                           std::vector<std::string>* warnings) {
  KB_RETURN_IF_ERROR(validate(o));
  const double w = effective_freshness_weight(query, o);
  bool reorder = false;
  // 1. Boosts multiply relevance on a scale without a zero: (1 + r), r the
  // score min-max normalised over the list.
  if (!o.boosts.empty()) {
    const std::vector<double> rel = normalised(docs);
    for (size_t i = 0; i < docs.size(); ++i) {
      RankedDocument& d = docs[i];
      d.score = 1 + rel[i];
      const auto values = metadata_values(d.metadata_json);
      for (const auto& b : o.boosts) {
        const std::string field = core::ascii_lower(b.field), value = core::ascii_lower(b.value);
        auto [first, last] = values.equal_range(field);
        if (std::none_of(first, last, [&](const auto& kv) { return kv.second == value; })) continue;
        d.score *= b.factor;
        d.explanation.push_back(query::SourceScore{"boost:" + field + "=" + value, 0, d.score, b.factor});
      }
    }
    reorder = true;
  }
  // 2. Freshness blends with relevance normalised over the list.
  if (w > 0) {
    const double now = o.now != 0 ? static_cast<double>(o.now)
                                  : static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(
                                                            std::chrono::system_clock::now().time_since_epoch())
                                                            .count());
    const std::vector<double> rel = normalised(docs);
    const double half_life_s = o.half_life_days * 86400.0;
    for (size_t i = 0; i < docs.size(); ++i) {
      double fresh = 0;
      if (docs[i].timestamp)
        fresh = std::pow(0.5, std::max(0.0, now - static_cast<double>(*docs[i].timestamp)) / half_life_s);
      docs[i].score = (1 - w) * rel[i] + w * fresh;
      docs[i].explanation.push_back(query::SourceScore{"freshness", 0, fresh, w});
    }
    reorder = true;
  }
  if (reorder) sort_by_score(&docs);
  // 3. MMR: pick by relevance less redundancy with what is picked.
  if (o.mmr_lambda < 1 && docs.size() > 1) {
    std::vector<int64_t> ids;
    for (const auto& d : docs) ids.push_back(d.best_chunk_id);
    int dim = 0;
    core::Result<std::vector<float>> got = vectors(ids, &dim);
    if (got.is_ok() && (dim <= 0 || got.value().size() != ids.size() * static_cast<size_t>(dim)))
      got = core::Status::internal(std::to_string(got.value().size()) + " floats for " + std::to_string(ids.size()) +
                                   " chunks of dimension " + std::to_string(dim));
    if (!got.is_ok()) {
      if (warnings) warnings->push_back("diversity (MMR) skipped: " + got.status().to_string());
      return apply_objectives(query, std::move(docs), without_mmr(o), vectors, k, warnings);
    }
    const std::vector<float>& v = got.value();
    auto cosine = [&](size_t a, size_t b) {
      double dot = 0, na = 0, nb = 0;
      for (int j = 0; j < dim; ++j) {
        const double x = v[a * dim + j], y = v[b * dim + j];
        dot += x * y;
        na += x * x;
        nb += y * y;
      }
      return na > 0 && nb > 0 ? dot / std::sqrt(na * nb) : 0.0;
    };
    const std::vector<double> rel = normalised(docs);
    const size_t want = docs.size();  // all of them: the cap below may drop some
    std::vector<bool> taken(docs.size(), false);
    std::vector<double> max_sim(docs.size(), 0.0);
    std::vector<RankedDocument> picked;
    for (size_t round = 0; round < want; ++round) {
      size_t best = docs.size();
      double best_value = -1e300;
      for (size_t i = 0; i < docs.size(); ++i) {
        if (taken[i]) continue;
        const double value = o.mmr_lambda * rel[i] - (1 - o.mmr_lambda) * max_sim[i];
        if (value > best_value) {
          best_value = value;
          best = i;
        }
      }
      taken[best] = true;
      for (size_t i = 0; i < docs.size(); ++i)
        if (!taken[i]) max_sim[i] = std::max(max_sim[i], cosine(i, best));
      docs[best].explanation.push_back(
          query::SourceScore{"diversity:mmr", static_cast<int>(picked.size()) + 1, best_value, o.mmr_lambda});
      docs[best].score = best_value;
      picked.push_back(std::move(docs[best]));
    }
    docs = std::move(picked);
  }
  // 4. The cap per group, in the order reached.
  if (o.max_per_group > 0) {
    const std::string field = core::ascii_lower(o.group_field);
    std::map<std::string, int> count;
    std::vector<RankedDocument> kept;
    for (auto& d : docs) {
      const auto values = metadata_values(d.metadata_json);
      auto it = values.lower_bound(field);  // its first value
      if (it != values.end() && it->first == field && ++count[it->second] > o.max_per_group) continue;
      kept.push_back(std::move(d));
    }
    docs = std::move(kept);
  }
  if (static_cast<int>(docs.size()) > k) docs.resize(static_cast<size_t>(std::max(k, 0)));
  return docs;
}

}  // namespace kbseek::ranker
