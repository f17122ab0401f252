// Facet counts over the top of a ranking.
#include "ranker/facets.h"

#include <algorithm>
#include <map>
#include <set>

#include "core/ascii.h"
#include "core/civil_date.h"
#include "storage/chunk_fields.h"

namespace kbseek::ranker {

std::multimap<std::string, std::string> metadata_values(const std::string& metadata_json) {
  std::multimap<std::string, std::string> out;
  for (auto& [name, value] : storage::chunk_fields({}, "", std::nullopt, metadata_json).values)
    out.emplace(name, core::ascii_lower(value));
  return out;
}

core::Status validate_facets(const std::vector<std::string>& fields) {
  if (fields.size() > kMaxFacets)
    return core::Status::invalid_argument("at most " + std::to_string(kMaxFacets) + " facets per request");
  std::set<std::string> seen;
  for (const auto& f : fields) {
    if (f.empty()) return core::Status::invalid_argument("a facet name is empty");
    if (!seen.insert(core::ascii_lower(f)).second)
      return core::Status::invalid_argument("facet \"" + f + "\" is asked for twice");
  }
  return core::Status::ok();
}

std::vector<FacetCount> count_facet(const std::vector<RankedDocument>& docs, std::string_view field, size_t depth) {
  const std::string name = core::ascii_lower(field);
  std::map<std::string, int> counts;
  for (size_t i = 0; i < std::min(depth, docs.size()); ++i) {
    const RankedDocument& d = docs[i];
    if (name == "lang") {
      if (!d.best_chunk_language.empty()) counts[d.best_chunk_language]++;
    } else if (name == "year") {
      if (d.timestamp) {
        const int64_t day = *d.timestamp >= 0 ? *d.timestamp / 86400 : -((-*d.timestamp + 86399) / 86400);
        counts[std::to_string(core::year_from_days(day))]++;
      }
    } else {
      std::set<std::string> values;  // a value repeated in one document counts once
      for (const auto& [k, v] : metadata_values(d.metadata_json))
        if (k == name) values.insert(v);
      for (const auto& v : values) counts[v]++;
    }
  }
  std::vector<FacetCount> out;
  for (auto& [value, count] : counts) out.push_back({value, count});
  std::stable_sort(out.begin(), out.end(), [](const FacetCount& a, const FacetCount& b) { return a.count > b.count; });
  return out;
}

}  // namespace kbseek::ranker
