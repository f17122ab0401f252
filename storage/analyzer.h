// The lexical analyzer: text -> index terms, shared by indexing and querying.
//
// Pipeline (the same for documents and queries, so they always agree):
//   1. ICU NFKC_Casefold: full-width forms fold to ASCII ("ＡＢＣ１２３" ->
//      "abc123"), compatibility forms decompose, case folds.
//   1b. Traditional Chinese folds to simplified with OpenCC's t2s tables
//      (characters and traditional phrases: "資料庫" -> "资料库"), so either
//      script finds the other. Queries also look for their other regional
//      phrasing (analyze_query(): "数据库" <-> "資料庫"), which is how a
//      mainland word finds a Taiwan one.
//   2. ICU word segmentation (BreakIterator::createWordInstance, root locale).
//      Chinese and Japanese are split with ICU's CJK dictionary, so
//      "数据库管理系统" gives dictionary words, not single characters;
//      Traditional Chinese goes through the same dictionary.
//   3. Segments that hold no letter, digit or ideograph (space, punctuation,
//      symbols) are dropped; terms longer than kMaxTermBytes are dropped.
//   4. Latin-script words are reduced with the Snowball English stemmer
//      (Xapian::Stem("english")): "running" -> "run".
//   5. Optionally, Han/kana runs also give character bigrams (off by default).
// The choices were measured with bench/storage/bm25_eval (BM25 nDCG@10 on
// the BEIR-layout sets); see storage/README.md for the figures.
//
// Thread-safety: analyze() may be called concurrently from any number of
// threads (ICU break iterators and Snowball stemmers are kept per thread).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace kbseek::storage {

// Defaults are the measured best (bench/storage/bm25_eval, storage/README.md).
struct AnalyzerOptions {
  // Emit the Snowball English stem of Latin-script words instead of the
  // word. Measured: stems only > words only > both forms.
  bool stem_english = true;
  // Also emit overlapping character bigrams of each run of Han/kana words.
  // Measured +0.002..0.004 nDCG@10 on the Chinese sets for a ~3x larger
  // index on Chinese text and ~1.6x slower queries, so off by default.
  bool cjk_bigrams = false;
  // Fold traditional Chinese to simplified before segmentation (step 1b).
  bool fold_traditional = true;
};

class Analyzer {
 public:
  // Terms longer than this (bytes of UTF-8) are dropped: they are noise
  // (hashes, base64) and Xapian rejects terms over 245 bytes.
  static constexpr size_t kMaxTermBytes = 64;

  // Checks that ICU's normaliser and word break rules load (they need ICU's
  // data library) and, when folding, OpenCC's tw2sp tables;
  // Unavailable naming the error otherwise.
  static core::Result<Analyzer> create(AnalyzerOptions options = {});

  // Terms of `text` in order of appearance, duplicates kept (the caller
  // counts within-document frequency). Invalid UTF-8 bytes become U+FFFD and
  // are dropped. Empty for text with no words.
  std::vector<std::string> analyze(std::string_view text) const;
  // Terms of a query: analyze(query) plus the terms of the query rewritten
  // in mainland and in Taiwan phrasing (OpenCC tw2sp and s2twp) that
  // analyze() does not already give, so 数据库 also looks for 資料庫's folded
  // form 资料库 and back. Equal to analyze() for text without CJK.
  std::vector<std::string> analyze_query(std::string_view query) const;
  // The query rewritten in mainland and in Taiwan phrasing (OpenCC tw2sp and
  // s2twp: 数据库怎么恢复 -> 資料庫怎麼恢復), each only when it differs from
  // the query; empty without CJK or folding. What analyze_query() searches
  // for, as text: snippets mark these words in passages of the other script.
  std::vector<std::string> regional_variants(std::string_view query) const;
  // analyze_query() with the variants already computed (OpenCC runs once).
  std::vector<std::string> analyze_query(std::string_view query, const std::vector<std::string>& variants) const;

  // Identifies everything that changes the terms produced: the options and
  // the ICU version (its dictionary decides Chinese segmentation). Recorded
  // in the MANIFEST; a change means the lexical index must be rebuilt.
  std::string version() const;

  const AnalyzerOptions& options() const { return options_; }

 private:
  explicit Analyzer(AnalyzerOptions options) : options_(options) {}
  AnalyzerOptions options_;
};

}  // namespace kbseek::storage
