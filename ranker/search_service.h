// The whole query path behind the CLI and the HTTP API: retrieve chunks
// (bm25, dense or hybrid), rank them into documents, cut snippets.
//
// open() opens an index folder read-only and the encoder its MANIFEST names
// (found in the models folder and checked against the recorded fingerprint).
// search() is thread-safe; the service owns the index, encoder and
// retrievers.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/status.h"
#include "encoder/encoder.h"
#include "query/dense_retriever.h"
#include "query/hybrid_retriever.h"
#include "ranker/best_chunk_ranker.h"
#include "storage/index_folder.h"

namespace kbseek::ranker {

enum class SearchMode { kBm25, kDense, kHybrid };

// "bm25" | "dense" | "hybrid"; InvalidArgument naming the bad value otherwise.
core::Result<SearchMode> parse_search_mode(std::string_view s);
const char* search_mode_name(SearchMode m);

struct SearchRequest {
  std::string query;
  int k = 10;
  SearchMode mode = SearchMode::kHybrid;
};

struct SearchResult {
  std::string id;
  std::string title;
  std::string snippet;
  double score = 0;
  std::vector<query::SourceScore> explanation;
};

struct SearchResponse {
  std::vector<SearchResult> results;
  double took_ms = 0;
};

struct SearchServiceOptions {
  std::string models_dir;  // empty: encoder::default_models_dir()
  query::FusionOptions fusion;
  int max_k = 1000;
};

class SearchService {
 public:
  static core::Result<std::unique_ptr<SearchService>> open(const std::string& index_dir,
                                                           const SearchServiceOptions& options = {});
  // InvalidArgument for an empty query or k outside [1, max_k].
  core::Result<SearchResponse> search(const SearchRequest& request) const;

  const storage::IndexFolder& index() const { return *index_; }

 private:
  SearchService() = default;
  const query::Retriever& retriever(SearchMode mode) const;

  SearchServiceOptions options_;
  std::unique_ptr<storage::IndexFolder> index_;
  std::unique_ptr<encoder::Encoder> encoder_;
  std::unique_ptr<query::LexicalRetriever> lexical_;
  std::unique_ptr<query::DenseRetriever> dense_;
  std::unique_ptr<query::HybridRetriever> hybrid_;
  std::unique_ptr<BestChunkRanker> ranker_;
};

// {"results":[{"id","title","snippet","score"[,"explain"]}...],"took_ms":...}
nlohmann::json to_json(const SearchResponse& response, bool explain = false);

}  // namespace kbseek::ranker
