// The whole query path behind the CLI and the HTTP API: retrieve chunks
// (bm25, dense or hybrid), rank them into documents, cut snippets.
//
// open() opens an index folder read-only and every encoder its MANIFEST
// names (found in the models folder and checked against the recorded
// fingerprint). Hybrid search fuses BM25 with one dense list per model;
// each list's weight follows its confidence for the query (query/hybrid_
// retriever.h), so a model that cannot read the query, or a BM25 index
// that shares no words with it, hands the ranking to the others.
// search() is thread-safe; the service owns the index, encoders and
// retrievers.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/stage_times.h"
#include "core/status.h"
#include "encoder/batching_encoder.h"
#include "encoder/encoder.h"
#include "query/dense_retriever.h"
#include "query/entity_retriever.h"
#include "query/fusion_model.h"
#include "query/hybrid_retriever.h"
#include "query/lexical_retriever.h"
#include "query/tuner.h"
#include "ranker/best_chunk_ranker.h"
#include "ranker/facets.h"
#include "ranker/llm_reranker.h"
#include "ranker/objectives.h"
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
  // Dense and hybrid modes: the embedding models whose lists to use, by
  // name; empty = every model of the index. InvalidArgument naming an
  // unknown one.
  std::vector<std::string> models = {};
  // The LLM re-ranking stage (ranker/llm_reranker.h): a GGUF decoder's name
  // in the models folder (or a path), empty for none. rerank.k documents
  // are re-ranked (the response holds max(k, rerank.k) before cutting to
  // k); rerank.budget_ms bounds the stage; rerank.llm_weight < 0 takes the
  // service's default, scaled by query_language_share().
  std::string rerank_model = {};
  LlmRerankOptions rerank = {10, 0, -1};
  // Freshness, boosts, diversity, a cap per group (ranker/objectives.h),
  // after the first stage and the LLM stage; nullopt: the service's
  // (ranking_defaults()).
  std::optional<RankingOptions> ranking = std::nullopt;
  // Who asks (storage/access.h): results hold only documents these
  // principals may read, and k of them when the index has k. The default
  // reads public documents only; operators pass Principals::everyone_allowed().
  storage::Principals principals = {};
  // Pagination: the results from rank offset + 1 to offset + k (offset + k
  // <= max_k). SearchResponse::more says whether the ranking goes on.
  int offset = 0;
  // Counts of the values of these fields over the first kFacetDepth
  // documents of the ranking (the caller's permitted ones, as ranked for
  // this request): a metadata field's values lower-cased, as `field:value`
  // matches them; "lang", the language of each document's best chunk;
  // "year", its timestamp's year (UTC). At most kMaxFacets fields.
  std::vector<std::string> facets = {};
};

struct SearchResult {
  std::string id;
  std::string title;
  std::string snippet;
  double score = 0;
  std::vector<query::SourceScore> explanation;
  std::vector<std::pair<int, int>> highlights;  // query words in `snippet`, [start, end) in characters
};

struct SearchResponse {
  std::vector<SearchResult> results;
  bool more = false;  // the ranking holds documents after these (the next page, offset + k)
  // Field -> its values by count (largest first, then by value), for the
  // fields SearchRequest::facets asked for (a field no document has: empty).
  std::map<std::string, std::vector<FacetCount>> facets;
  // The query as parsed (query/query.h): what was not understood and how
  // it was searched instead (warnings), and for explanations, its text,
  // conditions and features.
  query::Query query;
  double took_ms = 0;
  bool cached = false;    // answered from the result cache (ranker/result_cache.h)
  bool tuned = false;     // fused with learned weights (query/fusion_model.h), not the fixed rules
  bool reranked = false;  // the LLM stage ran (rerank_model set); see report
  LlmRerankReport rerank;
  // Seconds in each stage of the query path (core/stage_times.h); all 0 for
  // an answer from the cache.
  core::StageTimes stages;
};

struct SearchServiceOptions {
  std::string models_dir;  // empty: encoder::default_models_dir()
  query::FusionOptions fusion;
  // The models whose dense lists a request without SearchRequest::models
  // uses; empty = all the index has. open() refuses a name not in the index.
  std::vector<std::string> models;
  // Prior fusion weight per source, by model name or "bm25", before the
  // per-query confidence scales it; a source not listed gets 1. use-m3 at
  // 0.3 is measured (docs/models.md): its list is weaker than BM25 on
  // monolingual Chinese and than all-MiniLM on English, so at weight 1 it
  // pulled cmrc2018_dev below BM25 (0.984 vs 0.991); at 0.3 hybrid beats
  // both there and on every other set, and cross-lingual queries, where
  // the other lists carry no weight, are unaffected.
  // The query's own entities ("entities", query/entity_retriever.h) fuse at
  // 0.1: at 1 they pulled drcd_dev below BM25 (0.967 vs 0.972); at 0.1
  // hybrid gained slightly on drcd_dev and scifact over leaving them out.
  std::map<std::string, double> weights = {{"use-m3", 0.3}, {"entities", 0.1}};
  int max_k = 1000;
  // Probes per IVF search (storage/faiss_index.h); 0: the index's rule.
  int nprobe = 0;
  // The LLM stage's fusion weight when a request gives none (w in
  // ranker/llm_reranker.h). 0.2, chosen on the TUNE halves of xquadr_zh,
  // xquadr_en and cmrc2018_dev_lite with qwen2.5-1.5b-instruct: the largest
  // summed gain over the first stage with no set below it. On the TEST
  // halves nDCG@10 goes 0.863 -> 0.887, 0.858 -> 0.891 and 1.000 -> 1.000.
  // Heavier weights lost on cmrc2018 (w = 0.5: 1.000 -> 0.975; the LLM's
  // order alone 0.804), where the first stage is already near perfect and
  // passages are long: bench/results/llm-rerank-*.md. For a model not in
  // llm_weights.
  double llm_weight = 0.2;
  // Measured defaults by model (the same TUNE/TEST protocol, 200 queries):
  // qwen2.5-0.5b-instruct's TUNE halves chose w = 0 on xquadr_zh and
  // xquadr_en; at 0.2 it fell below the first stage there (0.884 -> 0.871,
  // 0.882 -> 0.868), its order alone scoring 0.61-0.63. So by default it
  // does not move results (and is not run); a request's rerank_weight (or
  // --rerank-default-weight) still uses it.
  std::map<std::string, double> llm_weights = {{"qwen2.5-0.5b-instruct", 0.0}};
  // Tokens of each passage the LLM stage reads (encoder::llm::ScorerOptions::
  // max_passage_tokens): one value for the service, as the model is opened
  // once with it.
  int rerank_passage_tokens = encoder::llm::ScorerOptions{}.max_passage_tokens;
  // Answers kept in the in-memory result cache (ranker/result_cache.h);
  // 0: none (the command line, which asks once).
  size_t result_cache_entries = 0;
  // Answers kept in the persistent level behind it (<index>/cache.sqlite,
  // storage/cache_store.h); 0: none. Only with result_cache_entries > 0. A
  // folder where the file cannot be written serves without it (a warning).
  int64_t persistent_cache_entries = 0;
  // Ranking options (ranker/objectives.h's JSON form) set over the index's
  // own, which its folder's ranking.json holds (RankingOptions{} without).
  std::string ranking_overrides;
  // Use the fusion weights `kbseek tune` learned for the index (its
  // fusion.json, query/fusion_model.h) in place of `weights` and
  // fusion.confidence_exponent; false: the fixed rules (for comparisons).
  bool use_fusion_model = true;
};

class ResultCache;

// The share of the first k documents whose best chunk is in the query's main
// language (or mixed, or unknown): the LLM stage's default weight is scaled
// by it. Measured with qwen2.5-1.5b-instruct at w = 0.2 on the TEST halves:
// it gains where query and passages share a language (xquadr_zh 0.863 ->
// 0.887, xquadr_en 0.858 -> 0.891) and loses across languages (xquad_zh2en
// 0.876 -> 0.871, xquad_en2zh 0.861 -> 0.832; its order alone 0.73 and 0.71
// there against 0.86 for the multilingual first stage), so across languages
// the first stage's order is kept and the model is not run.
double query_language_share(const query::Query& query, const std::vector<RankedDocument>& docs, int k);

class SearchService {
 public:
  static core::Result<std::unique_ptr<SearchService>> open(const std::string& index_dir,
                                                           const SearchServiceOptions& options = {});
  // InvalidArgument for an empty query or k outside [1, max_k].
  core::Result<SearchResponse> search(const SearchRequest& request) const;

  // The LLM stage on given texts (POST /v1/rerank): `model` as
  // SearchRequest::rerank_model. InvalidArgument for no model, no texts or
  // more than max_k; the model's open errors (NotFound for one not
  // installed) otherwise.
  core::Result<encoder::llm::RelevanceScores> rerank_texts(const std::string& model, std::string_view query,
                                                           const std::vector<std::string>& texts,
                                                           double budget_ms) const;

  // POST /v1/embeddings: `texts` through the installed encoder `model` (a
  // name in the models folder), at `dimensions` (0: its own; else a
  // Matryoshka size it was trained for), as queries or passages. The
  // encoder is opened once per (model, dimensions) and kept; a failed open
  // is not kept. Returns rows of *dim floats and counts the tokens read.
  // NotFound for a model not installed; InvalidArgument for a size it was
  // not trained for, a folder that is not an encoder, or invalid UTF-8.
  core::Result<std::vector<float>> embed_texts(const std::string& model, int dimensions,
                                               const std::vector<std::string>& texts, bool query, int* dim,
                                               long long* tokens) const;

  const storage::IndexFolder& index() const { return *index_; }
  // The ranking a request without its own gets: the index's ranking.json
  // under SearchServiceOptions::ranking_overrides.
  const RankingOptions& ranking_defaults() const { return ranking_; }
  // The learned fusion weights in use; null: the fixed rules.
  const query::FusionModel* fusion_model() const { return fusion_model_ ? &*fusion_model_ : nullptr; }

  // For `kbseek tune`: `text` parsed as search() parses it, and every list
  // a hybrid search fuses (BM25, the entity list, each model) retrieved at
  // `depth` over everything, each with its confidence for the query and
  // its weight under the fixed rules.
  core::Result<std::vector<query::TuneList>> candidate_lists(const std::string& text, int depth,
                                                             query::Query* parsed) const;
  // Result cache hits and misses (0 without a cache).
  // Empties the result cache, both levels (after an erasure).
  core::Status clear_result_cache() const;
  uint64_t cache_hits() const;
  uint64_t cache_misses() const;
  // The persistent level's hits and misses (lookups after a memory miss).
  uint64_t disk_cache_hits() const;
  uint64_t disk_cache_misses() const;
  // Query embedding cache (query/embedding_cache.h) hits and misses, summed
  // over the models; kept when result_cache_entries > 0, as many entries.
  // Forward passes of each model's query encoder by batch size (queries of
  // concurrent requests share passes: encoder/batching_encoder.h).
  std::map<std::string, encoder::BatchSizeCounts> encoder_batch_sizes() const;
  // Per model with one, its per-token cache's lookups (Encoder::token_cache_counts).
  std::map<std::string, encoder::Encoder::TokenCacheCounts> encoder_token_caches() const;
  uint64_t embedding_cache_hits() const;
  uint64_t embedding_cache_misses() const;

  ~SearchService();

 private:
  // What an answer depends on besides the request and the index's data
  // (the persistent cache's keys, ranker/result_cache.h): the options, the
  // index's ranking and fusion files as loaded, the precision and device
  // settings, and the build (version and executable).
  std::string fingerprint() const;
  SearchService();
  // search() after the vector refresh and cache lookup.
  core::Result<SearchResponse> search_uncached(const SearchRequest& request) const;
  // The retrievers a request asks for: BM25, then the chosen dense lists.
  core::Result<std::vector<const query::Retriever*>> parts(const SearchRequest& request) const;

  SearchServiceOptions options_;
  RankingOptions ranking_;
  std::optional<query::FusionModel> fusion_model_;
  // The fixed rules' weight of a list (SearchServiceOptions::weights; 1 if none).
  double prior_weight(const std::string& key) const;
  std::unique_ptr<storage::IndexFolder> index_;
  std::vector<std::unique_ptr<encoder::Encoder>> encoders_;  // one per manifest model
  std::vector<const encoder::BatchingEncoder*> batching_;    // the same, as batchers
  std::unique_ptr<query::LexicalRetriever> lexical_;
  std::unique_ptr<query::EntityRetriever> entities_;           // hybrid only
  std::vector<std::unique_ptr<query::DenseRetriever>> dense_;  // pairs with encoders_
  std::unique_ptr<BestChunkRanker> ranker_;
  // One re-ranker per model name asked for, opened on first use.
  core::Result<const LlmReranker*> reranker(const std::string& model) const;
  mutable std::mutex rerankers_mu_;
  mutable std::map<std::string, std::unique_ptr<LlmReranker>> rerankers_;
  std::unique_ptr<ResultCache> cache_;
  mutable std::mutex embedders_mu_;
  mutable std::map<std::pair<std::string, int>, std::unique_ptr<encoder::Encoder>> embedders_;
};

// {"results":[{"id","title","snippet","highlights":[[start,end]...],"score"[,"explain"]}...],"took_ms":...,
//  "more":bool[,"facets":{"field":[{"value","count"}...]}][,"cached":true]
//  [,"warnings":[...]][,"rerank":{"model","candidates","reranked","took_ms"[,"warning"]}]
//  [,"query":{"text","conditions","languages","question","recent","years","identifiers",
//             "numbers","entities"},"timings_ms":{stage: ms} with explain]}
nlohmann::json to_json(const SearchResponse& response, bool explain = false);

}  // namespace kbseek::ranker
