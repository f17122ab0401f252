// LexicalIndex: the seam for keyword (BM25) search over chunks.
//
// Documents and queries go through the same Analyzer (storage/analyzer.h),
// owned by the implementation, so callers pass raw text.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "storage/access.h"
#include "storage/types.h"

namespace kbseek::storage {

// The filter term of an entity: "XE" + its value in lower case (ASCII),
// cut to 200 bytes; of an entity type: "XT" + the type.
std::string entity_filter_term(std::string_view value);
std::string entity_type_filter_term(std::string_view type);

// A query's terms, analysed once (Analyzer, storage/analyzer.h).
struct QueryTerms {
  // analyze_query(): the query's terms and their other regional phrasings,
  // less stop words when the index drops them. What search_terms() matches.
  std::vector<std::string> search;
  // analyze(): the query's own terms. What known_share() looks up.
  std::vector<std::string> known;
};

class LexicalIndex {
 public:
  virtual ~LexicalIndex() = default;

  // Indexes `title` and `text` under `chunk_id`, replacing any entry with the
  // same id, with `filter_terms` as boolean terms that search() can filter
  // on (see filter_term()). Visible to search() on this object at once,
  // durable only after commit().
  virtual core::Status add(int64_t chunk_id, std::string_view title, std::string_view text,
                           const std::vector<std::string>& filter_terms) = 0;
  core::Status add(int64_t chunk_id, std::string_view title, std::string_view text) {
    return add(chunk_id, title, text, {});
  }

  // Removes `chunk_id`; OK if it is not present.
  virtual core::Status remove(int64_t chunk_id) = 0;

  // A query's terms as this index analyses them, computed once per query
  // (query::parse_query) and passed to the searches below.
  virtual QueryTerms query_terms(std::string_view query) const = 0;

  // The best `k` chunks for `terms` (QueryTerms::search) by BM25, best
  // first, among the chunks holding every one of `filters` (filter terms;
  // none: all chunks) that `allow` allows (null: all; applied while
  // matching, so k come back when k qualify). No terms gives an empty
  // list, or with filters, the filtered chunks unranked (score 0).
  // InvalidArgument if k <= 0.
  virtual core::Result<std::vector<Hit>> search_terms(const std::vector<std::string>& terms, int k,
                                                      const std::vector<std::string>& filters,
                                                      const ChunkFilter* allow) const = 0;
  // search_terms() of the query's own terms.
  core::Result<std::vector<Hit>> search(std::string_view query, int k, const std::vector<std::string>& filters,
                                        const ChunkFilter* allow) const {
    return search_terms(query_terms(query).search, k, filters, allow);
  }
  core::Result<std::vector<Hit>> search(std::string_view query, int k, const std::vector<std::string>& filters) const {
    return search(query, k, filters, nullptr);
  }
  core::Result<std::vector<Hit>> search(std::string_view query, int k) const { return search(query, k, {}, nullptr); }

  // The k chunks holding the most of `terms` (filter terms, e.g. entity
  // terms) that `allow` allows (null: all), best first, scored by how many
  // they hold.
  virtual core::Result<std::vector<Hit>> search_any(const std::vector<std::string>& terms, int k,
                                                    const ChunkFilter* allow) const = 0;
  core::Result<std::vector<Hit>> search_any(const std::vector<std::string>& terms, int k) const {
    return search_any(terms, k, nullptr);
  }

  // The share of the distinct `terms` (QueryTerms::known) that occur in at
  // least one indexed chunk, in [0, 1]; 0 for no terms. Cheap (one
  // dictionary lookup per term): the query layer uses it to judge, before
  // searching, whether BM25 can serve a query at all, e.g. an English
  // question over Chinese documents shares few terms with them.
  virtual core::Result<double> known_share(const std::vector<std::string>& terms) const = 0;
  core::Result<double> known_term_share(std::string_view query) const { return known_share(query_terms(query).known); }

  // Makes every change since the last commit durable, all or nothing.
  virtual core::Status commit() = 0;

  // Number of indexed chunks, including uncommitted changes.
  virtual int64_t size() const = 0;
};

}  // namespace kbseek::storage
