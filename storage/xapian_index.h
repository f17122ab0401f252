// XapianIndex: LexicalIndex over a Xapian (glass) database in one folder.
//
// Each chunk is one Xapian document: the analyzer's terms of the title (each
// counted `title_wdf` times, no positions) and of the text (once each, with
// their positions, for phrase conditions), the unique boolean term
// "Q<chunk_id>" (for replace/delete), the chunk id in value slot 0, its
// filter terms (entities, language, metadata values) and its numbers in
// value slots (the document's timestamp in slot 1; each numeric metadata
// field in a slot of its own from 10, assigned on first sight).
// The fields seen and their slots are kept in the database's metadata
// ("kbseek.fields"), with whether positions are stored: an index made
// before they were has none, is still searched as it is (phrases as their
// words, no metadata fields), and is rebuilt by the index folder's first
// writable open.
// Queries are analysed with the same Analyzer and run as an OP_OR of their
// terms (each with its query frequency) under BM25, filtered by their
// conditions; Xapian's QueryParser is never used (Xapian 1.4's throws on
// some mixed Chinese/Latin input, and our syntax is our own:
// query/query_syntax.h).
//
// Writable instances buffer changes in a Xapian transaction: commit() makes
// them durable; destroying the object or cancel() discards them. Readers in
// other processes see the last commit. A writable instance holds Xapian's
// write lock on the folder (Unavailable if another writer holds it).
//
// Thread-safety: all methods may be called concurrently. A writable
// instance serialises calls on one mutex; a read-only instance keeps a
// small pool of Xapian::Database handles so searches run in parallel, and
// each search first reopens its handle to the latest commit.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "storage/analyzer.h"
#include "storage/lexical_index.h"

namespace Xapian {
class Database;
class WritableDatabase;
}  // namespace Xapian

namespace kbseek::storage {

struct XapianOptions {
  AnalyzerOptions analyzer;
  // BM25 parameters (Xapian's BM25Weight; k2 = 0, k3 = 1, min_normlen =
  // 0.5). Measured with bench/storage/bm25_eval: Lucene's 1.2/0.75 beat
  // Xapian's own 1.0/0.5 on scifact (0.693 vs 0.686) and tie on Chinese.
  double k1 = 1.2;
  double b = 0.75;
  // Within-document frequency added per title term; 0 leaves titles out.
  // Measured: 2 beats 1 and 0 on scifact and cmrc2018 (titles repeat on
  // every chunk of a document, so a stronger boost is not taken).
  int title_wdf = 2;
  // Leave English and Chinese stop words out of queries (storage/
  // stop_words.h). Measured off: BM25's idf already gives them almost no
  // weight, and removing them lost nDCG@10 on every set (bm25_eval
  // --stop-words: cmrc2018 0.9893 -> 0.9837, xquadr_zh 0.8260 -> 0.8171,
  // scifact 0.6941 -> 0.6911, xquadr_en 0.8488 -> 0.8433), since questions'
  // function words (哪, 什么, not, no) still separate passages.
  bool drop_stop_words = false;
  // Terms in more than this share of the chunks only add weight to chunks
  // a rarer query term matched (OP_AND_MAYBE), on collections of at least
  // common_terms_from chunks. Why: questions' function words (the, of, 的,
  // 是) have posting lists over most of the collection, and walking them
  // was most of a BM25 search on the 116k-chunk load index. Measured there
  // (bench/results/bm25-common-terms.md): the same nDCG@10, recall@10 and
  // recall@100 on five sets in bm25 and hybrid mode; hybrid 191 -> 214
  // requests/s and p99 72 -> 60 ms at 8 connections. Not applied below 20k chunks: on the 1-3k-chunk sets 5%
  // is a few dozen chunks, and scifact_lite lost 0.004 nDCG@10 (recall@100
  // 0.987 -> 0.957) where searches take 3-6 ms anyway.
  double common_term_share = 0.05;
  int64_t common_terms_from = 20000;
};

class XapianIndex final : public LexicalIndex {
 public:
  enum class Mode { kReadOnly, kWritable, kOverwrite /* writable, starts empty */ };

  // Opens (kWritable/kOverwrite create if missing) the database in `path`.
  // NotFound if a read-only path holds no database; Unavailable if another
  // writer holds the lock; Corruption/IOError with Xapian's message.
  static core::Result<std::unique_ptr<XapianIndex>> open(const std::string& path, Mode mode,
                                                         XapianOptions options = {});
  ~XapianIndex() override;

  using LexicalIndex::add;
  using LexicalIndex::search;
  core::Status add(int64_t chunk_id, std::string_view title, std::string_view text, const ChunkFields& fields) override;
  core::Status remove(int64_t chunk_id) override;
  using LexicalIndex::search_any;
  // `allow` runs as a Xapian::MatchDecider on each matching chunk.
  QueryTerms query_terms(std::string_view query) const override;
  core::Result<std::vector<Hit>> search(const LexicalQuery& query, int k, const ChunkFilter* allow) const override;
  core::Result<double> known_share(const std::vector<std::string>& terms) const override;
  core::Result<std::vector<Hit>> search_any(const std::vector<std::string>& terms, int k,
                                            const std::vector<Condition>& must,
                                            const ChunkFilter* allow) const override;
  core::Result<IndexedFields> indexed_fields() const override;
  core::Status commit() override;
  int64_t size() const override;

  // Discards every change since the last commit (writable only).
  core::Status cancel();

  // Every indexed chunk id, ascending (for the consistency checker).
  core::Result<std::vector<int64_t>> chunk_ids() const;

  // User metadata stored in the database; set_metadata() becomes durable
  // with the next commit(). get_metadata gives "" for an unset key.
  core::Result<std::string> get_metadata(const std::string& key) const;
  core::Status set_metadata(const std::string& key, const std::string& value);

  const Analyzer& analyzer() const { return analyzer_; }
  const std::string& path() const { return path_; }

 private:
  XapianIndex(std::string path, Mode mode, XapianOptions options, Analyzer analyzer);
  core::Status begin_if_needed();  // requires mu_
  std::unique_ptr<Xapian::Database> take_reader() const;
  // Runs `fn` on the writer's database (under mu_) or on a pooled reader
  // reopened at the latest commit; Xapian errors become a Status naming `op`.
  core::Status read_with(const std::string& op, const std::function<void(const Xapian::Database&)>& fn) const;
  void return_reader(std::unique_ptr<Xapian::Database> db) const;

  const std::string path_;
  const Mode mode_;
  const XapianOptions options_;
  const Analyzer analyzer_;

  mutable std::mutex mu_;
  std::unique_ptr<Xapian::WritableDatabase> writer_;  // writable modes only
  bool in_transaction_ = false;
  // The writer's registry of fields (kbseek.fields), written at commit when changed.
  bool positions_ = true;
  std::map<std::string, unsigned> slots_;  // field -> value slot; 0: not numeric
  bool fields_dirty_ = false;
  mutable std::vector<std::unique_ptr<Xapian::Database>> idle_readers_;  // read-only mode
};

}  // namespace kbseek::storage
