// LexicalIndex: the seam for keyword (BM25) search over chunks.
//
// Documents and queries go through the same Analyzer (storage/analyzer.h),
// owned by the implementation, so callers pass raw text.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "storage/access.h"
#include "storage/types.h"

namespace kbseek::storage {

// The filter term of an entity: "XE" + its value in lower case (ASCII),
// cut to 200 bytes; of an entity type: "XT" + the type.
std::string entity_filter_term(std::string_view value);
std::string entity_type_filter_term(std::string_view type);

// The filter term of a metadata field's value: "XF" + field + "=" + value
// in lower case (ASCII), cut to 240 bytes; of a chunk language: "XL" + code.
std::string field_filter_term(std::string_view field, std::string_view value);
std::string language_filter_term(std::string_view language);

// What a chunk carries besides its words (storage/chunk_fields.h builds it
// from the chunk and its document): boolean filter terms (entities, the
// chunk's language), its document's metadata values by field name, and
// numbers by field name for ranges ("time": the document's timestamp in
// seconds). Field names are lower-case.
struct ChunkFields {
  std::vector<std::string> filter_terms;
  std::vector<std::pair<std::string, std::string>> values;
  std::vector<std::pair<std::string, double>> numbers;
};

// A condition on chunks, built by the query parser (query/query_syntax.h)
// and run inside the lexical index, so that filtered searches still return
// k results when k qualify.
struct Condition {
  enum class Kind {
    kAllTerms,  // every one of `terms` is held (analysed words or filter terms)
    kPhrase,    // `terms` occur adjacent and in this order in the chunk's text
    kRange,     // the chunk's number `field` is in [low, high]
    kAll,       // every child holds
    kAny,       // at least one child holds
    kNot,       // children[0] does not hold
  };
  Kind kind = Kind::kAllTerms;
  std::vector<std::string> terms;
  std::string field;
  double low = 0, high = 0;
  std::vector<Condition> children;

  static Condition all_terms(std::vector<std::string> terms);
  static Condition phrase(std::vector<std::string> terms);
  static Condition range(std::string field, double low, double high);
  static Condition all_of(std::vector<Condition> children);
  static Condition any_of(std::vector<Condition> children);
  static Condition negate(Condition child);
};

// A lexical query: `terms` scored by BM25 (any of them; a repeated term
// counts as its query frequency), among the chunks where every `must`
// condition holds.
struct LexicalQuery {
  std::vector<std::string> terms;
  std::vector<Condition> must;
};

// What an index can filter on: whether term positions are stored (phrase
// conditions need them; an index made before they were is matched as if
// each phrase were its words), and the metadata fields it has seen, each
// numeric or not (a numeric field takes ranges).
struct IndexedFields {
  bool positions = false;
  std::map<std::string, bool> fields;  // name -> numeric
};

// A query's terms, analysed once (Analyzer, storage/analyzer.h).
struct QueryTerms {
  // analyze_query(): the query's terms and their other regional phrasings,
  // less stop words when the index drops them. What search() scores.
  std::vector<std::string> search;
  // analyze(): the query's own terms, in order. What known_share() looks up
  // and what phrase conditions hold.
  std::vector<std::string> known;
  // Analyzer::regional_variants(): the query in the other region's
  // phrasing, as text (what snippets mark in passages of the other script).
  std::vector<std::string> variants;
};

class LexicalIndex {
 public:
  virtual ~LexicalIndex() = default;

  // Indexes `title` and `text` (with term positions) under `chunk_id`,
  // replacing any entry with the same id, with `fields` for conditions to
  // filter on. Visible to search() on this object at once, durable only
  // after commit().
  virtual core::Status add(int64_t chunk_id, std::string_view title, std::string_view text,
                           const ChunkFields& fields) = 0;
  core::Status add(int64_t chunk_id, std::string_view title, std::string_view text,
                   const std::vector<std::string>& filter_terms) {
    return add(chunk_id, title, text, ChunkFields{filter_terms, {}, {}});
  }
  core::Status add(int64_t chunk_id, std::string_view title, std::string_view text) {
    return add(chunk_id, title, text, ChunkFields{});
  }

  // Removes `chunk_id`; OK if it is not present.
  virtual core::Status remove(int64_t chunk_id) = 0;

  // A query's terms as this index analyses them, computed once per query
  // (query::parse_query) and passed to the searches below.
  virtual QueryTerms query_terms(std::string_view query) const = 0;

  // The best `k` chunks for `query` by BM25, best first, among the chunks
  // where every condition holds that `allow` allows (null: all; applied
  // while matching, so k come back when k qualify). No terms gives an
  // empty list, or with conditions, the matching chunks unranked (score 0).
  // InvalidArgument if k <= 0.
  virtual core::Result<std::vector<Hit>> search(const LexicalQuery& query, int k, const ChunkFilter* allow) const = 0;
  // search() of a string's own terms, among the chunks holding every filter term.
  core::Result<std::vector<Hit>> search(std::string_view query, int k, const std::vector<std::string>& filters,
                                        const ChunkFilter* allow) const {
    LexicalQuery q{query_terms(query).search, {}};
    if (!filters.empty()) q.must.push_back(Condition::all_terms(filters));
    return search(q, k, allow);
  }
  core::Result<std::vector<Hit>> search(std::string_view query, int k, const std::vector<std::string>& filters) const {
    return search(query, k, filters, nullptr);
  }
  core::Result<std::vector<Hit>> search(std::string_view query, int k) const { return search(query, k, {}, nullptr); }

  // The k chunks holding the most of `terms` (filter terms, e.g. entity
  // terms) where every `must` condition holds that `allow` allows (null:
  // all), best first, scored by how many they hold.
  virtual core::Result<std::vector<Hit>> search_any(const std::vector<std::string>& terms, int k,
                                                    const std::vector<Condition>& must,
                                                    const ChunkFilter* allow) const = 0;
  core::Result<std::vector<Hit>> search_any(const std::vector<std::string>& terms, int k) const {
    return search_any(terms, k, {}, nullptr);
  }

  // What this index can filter on (IndexedFields). Cheap: one metadata read.
  virtual core::Result<IndexedFields> indexed_fields() const = 0;

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
