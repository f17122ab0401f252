// Filters written into a query: `entity:A100`, `entity:"CUDA 11.6"`,
// `type:money`. They restrict results to chunks holding every named entity
// (values normalised as the indexer stores them, storage/entities.h, so
// `entity:2025年9月17日` matches a chunk that says 2025-09-17) and every
// named entity type; the rest of the query is searched as usual. A query
// of filters alone lists the matching chunks unranked. Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kbseek::query {

struct ParsedQuery {
  std::string text;                  // the query without its filters, spaces collapsed
  std::vector<std::string> filters;  // lexical filter terms (storage/lexical_index.h)
  std::vector<std::string> described;  // "entity:a100", for explanations
};

ParsedQuery parse_query_filters(std::string_view query);

}  // namespace kbseek::query
