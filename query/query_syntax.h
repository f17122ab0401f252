// The query language, parsed by our own parser into conditions that run
// inside retrieval (storage/lexical_index.h's Condition: Xapian for BM25,
// the ids it matches for the vector lists), in Chinese and English alike.
//
//   向量 检索              words: scored (any of them), read by the models
//   "vector database"     a phrase: its words adjacent and in order (required)
//   +必须 / -旧版          the word (or phrase, field, group) must / must not hold
//   dept:finance          a metadata field's value (lower-case match)
//   entity:A100 type:money   the chunk holds the entity / an entity of the type
//   lang:zh               the chunk's language (zh, en, mixed, other)
//   time:2024-01-01..2024-12-31   the document's timestamp in a range; also
//                         time:2024, time:2024-06, time:>=2024-03, time:<2025
//   price:10..20 price:>100   a numeric metadata field in a range
//   a AND b, a OR b, NOT a, ( … )   boolean structure; AND/OR/NOT in capitals
//
// Semantics, chosen so that a natural-language question means what it says:
// plain words never filter; "a OR b" of plain words is the same as "a b";
// parentheses alone do not filter ((AMPK) in a question is a word), but
// +( … ) and a AND b do; inside a required group, words are required as
// the operators say. Only ASCII '"' quotes (full-width 「」“” are how
// Chinese text quotes a name, not a search operator). '+'/'-' are
// operators at the start of a word only ("e-mail", "C++" stay words).
//
// A field the index has never seen, or a value that cannot be read (a bad
// date, a range on a field with no numbers), is searched as plain words
// with a warning. A query whose structure is broken (an unclosed quote or
// parenthesis, an operator with nothing on one side) is searched as plain
// text, with a warning naming the problem: never an error.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/lexical_index.h"

namespace kbseek::query {

struct SyntaxContext {
  // A word or phrase analysed as the index analyses text, its terms in
  // order (IndexFolder::query_terms(...).known). Null: lower-cased words
  // split on white space (tests).
  std::function<std::vector<std::string>(std::string_view)> analyze;
  // What the index can filter on; null: no metadata fields, positions stored.
  const storage::IndexedFields* fields = nullptr;
};

struct ParsedSyntax {
  // The words and phrases that count for relevance, in order, single-
  // spaced: what the models embed and BM25 scores. For a query with no
  // operators, the query itself with white space collapsed.
  std::string text;
  std::vector<storage::Condition> must;  // each must hold
  std::vector<std::string> described;    // each condition as written, normalised: "+数据库", "dept:finance"
  std::vector<std::string> warnings;     // what was not understood and how it was searched instead
};

ParsedSyntax parse_syntax(std::string_view raw, const SyntaxContext& context);

// Seconds since the Unix epoch (UTC) of the period a date names, [start,
// end): "2024" (the year), "2024-06" (the month), "2024-06-30" (the day),
// also with '/' or '.' between the parts. False for anything else.
bool parse_date_period(std::string_view text, double* start, double* end);

}  // namespace kbseek::query
