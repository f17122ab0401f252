// Facet counts: how many of the first documents of a ranking have each
// value of a field, for a page's filters ("dept: it 7, finance 3").
//
// Counted over the ranking the caller gets (only documents it may read,
// after every ranking stage), to a fixed depth: semantic retrieval has no
// "all matches" to count (every document has some similarity), so the
// counts describe the top of the ranking, which is what a filter narrows.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "ranker/ranker.h"

namespace kbseek::ranker {

struct FacetCount {
  std::string value;
  int count = 0;
};

// Documents the counts look at, and the most fields one request may count.
inline constexpr int kFacetDepth = 100;
inline constexpr size_t kMaxFacets = 8;

// A document's metadata as the lexical index reads it: field -> each of its
// values, lower-cased (storage/chunk_fields.h).
std::multimap<std::string, std::string> metadata_values(const std::string& metadata_json);

// InvalidArgument for an empty name, more than kMaxFacets fields, or a repeated one.
core::Status validate_facets(const std::vector<std::string>& fields);

// The values of `field` among docs[0, min(depth, size)), by count (largest
// first), ties by value. "lang": the best chunk's language; "year": the
// timestamp's UTC year; anything else: the metadata field's values,
// lower-cased as `field:value` matches them (a document with several values
// counts once for each; one without the field, for none).
std::vector<FacetCount> count_facet(const std::vector<RankedDocument>& docs, std::string_view field, size_t depth);

}  // namespace kbseek::ranker
