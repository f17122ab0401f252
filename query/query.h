// One parsed query: built once at the top of the query path, read by every
// retriever, the fusion, the rankers and the snippets.
//
// Before it, the raw string travelled down and each retriever re-validated
// and re-parsed it: one hybrid request parsed its filters up to eight times,
// extracted its entities twice and ran the lexical analysis twice (BM25's
// confidence, then its search). parse_query() does each once; nothing below
// it looks at `raw` again.
//
// The features describe the query for the weights that follow it (fusion
// now, learned weights and rankers next): which scripts and languages it is
// written in, its entities, identifiers and numbers, whether it asks a
// question and of which form, whether it asks for recent things. They are
// cheap rules on the text, in Chinese and English alike, and every one is
// tested (tests/query/query_test.cc). Pure; a Query is immutable once built
// and safe to read from any thread.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "storage/lexical_index.h"

namespace kbseek::storage {
class IndexFolder;
}

namespace kbseek::query {

// What a question asks for, by its question word: 什么/what, 怎么/如何/how,
// 为什么/why, 何时/什么时候/when, 哪里/where, 谁/who, 哪个/which, 多少/几/
// how many (quantity), 吗/是否/is…/does… (yes-no). kNone for a query that
// is not a question (most keyword queries).
enum class QuestionForm { kNone, kWhat, kHow, kWhy, kWhen, kWhere, kWho, kWhich, kQuantity, kYesNo };
const char* question_form_name(QuestionForm form);

// Whether the query asks for recent things: a recency word (最新, 最近,
// 近期, 目前, 当前, 现在, 今年, latest, recent, newest, current, today, now,
// this year), and the years it names (1900–2099, "2025" or "2025年").
struct TimeIntent {
  bool recent = false;
  std::vector<int> years;
};

struct Query {
  std::string raw;  // as the caller wrote it
  // The query language (query/query_syntax.h): the words and phrases that
  // count for relevance, single-spaced (what models read and BM25 scores;
  // for a query without operators, the query with white space collapsed);
  // the conditions every result must meet, inside retrieval; each written
  // as normalised for explanations; what was not understood.
  std::string text;
  std::vector<storage::Condition> must;
  std::vector<std::string> described;
  std::vector<std::string> warnings;

  // Script of each counted unit of `text` (query/query_language.h) -> its
  // share, summing to 1 (empty for a text with no counted unit).
  std::map<std::string, double> script_shares;
  // Languages by share, largest first: han -> "zh" ("ja" when kana is
  // present too), kana -> "ja", hangul -> "ko", latin -> "en", cyrillic ->
  // "ru", arabic -> "ar". Latin is read as English: kbseek's corpora and
  // models are Chinese and English; a French query is "en" here.
  std::vector<std::string> languages;
  int length = 0;  // counted units: Latin words plus Han/kana/Hangul characters

  // Entities of `text` (storage/entities.h) as lexical filter terms, for
  // the entity retriever: CUDA 11.6, 2025-09-17, ¥300万, RFC 9110.
  std::vector<std::string> entity_terms;
  // Words that name something rather than say something: letters mixed
  // with digits (A100, gpt4o), inner '_' or "::" (max_k, std::vector),
  // inner capitals (LangChain), all-capital acronyms of 2+ letters (VPN).
  std::vector<std::string> identifiers;
  // Stand-alone numbers as written (2025, 3.14, 1,024).
  std::vector<std::string> numbers;
  QuestionForm question = QuestionForm::kNone;
  TimeIntent time;

  // Words as they appear in text, lower-cased (query/snippet.h's
  // query_words): what snippets look for. With an index, also the words of
  // the query in the other region's phrasing (数据库 -> 資料庫), which the
  // lexical search finds through folding.
  std::vector<std::string> words;
  // The index's lexical analysis of `text` (storage/lexical_index.h), done
  // once: the terms BM25 searches and the terms whose presence in the index
  // says whether BM25 can serve the query. Empty when parsed without an index.
  std::vector<std::string> search_terms;
  std::vector<std::string> known_terms;
};

// The query `raw` parsed once. With `index`, words and phrases are analysed
// by that index's analyzer and fields checked against the ones it holds;
// without, no field but entity:, type:, lang: and time: is known.
// InvalidArgument for text that is not UTF-8. A query with nothing but
// white space parses (text empty); the search service refuses it.
core::Result<Query> parse_query(std::string_view raw, const storage::IndexFolder* index = nullptr);

}  // namespace kbseek::query
