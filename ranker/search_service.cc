// Query path assembly.
#include "ranker/search_service.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/cpu_demand.h"
#include "core/file_util.h"
#include "core/logging.h"
#include "core/thread_pool.h"
#include "encoder/batching_encoder.h"
#include "encoder/model_folder.h"
#include "query/snippet.h"
#include "ranker/result_cache.h"
#include "storage/manifest.h"

namespace kbseek::ranker {

using core::Result;
using core::Status;

namespace {

// How deep the chunk lists may go to fill the documents wanted (×4 a step
// from max(3 × wanted, 100)): 6,400 chunks of a list cost a few ms of FAISS
// and Xapian, and one primary-key read each to find their documents.
constexpr int kMaxChunkDepth = 6400;

}  // namespace

Result<SearchMode> parse_search_mode(std::string_view s) {
  if (s == "bm25") return SearchMode::kBm25;
  if (s == "dense") return SearchMode::kDense;
  if (s == "hybrid") return SearchMode::kHybrid;
  return Status::invalid_argument("mode \"" + std::string(s) + "\" is not one of bm25, dense, hybrid");
}

const char* search_mode_name(SearchMode m) {
  switch (m) {
    case SearchMode::kBm25: return "bm25";
    case SearchMode::kDense: return "dense";
    case SearchMode::kHybrid: return "hybrid";
  }
  return "hybrid";
}

SearchService::SearchService() = default;
SearchService::~SearchService() = default;

core::Status SearchService::clear_result_cache() const { return cache_ ? cache_->clear() : core::Status::ok(); }
uint64_t SearchService::cache_hits() const { return cache_ ? cache_->hits() : 0; }
uint64_t SearchService::cache_misses() const { return cache_ ? cache_->misses() : 0; }
uint64_t SearchService::disk_cache_hits() const { return cache_ ? cache_->disk_hits() : 0; }
uint64_t SearchService::disk_cache_misses() const { return cache_ ? cache_->disk_misses() : 0; }
std::map<std::string, encoder::BatchSizeCounts> SearchService::encoder_batch_sizes() const {
  std::map<std::string, encoder::BatchSizeCounts> out;
  for (const auto* b : batching_) out[b->name()] = b->batch_sizes();
  return out;
}

std::map<std::string, encoder::Encoder::TokenCacheCounts> SearchService::encoder_token_caches() const {
  std::map<std::string, encoder::Encoder::TokenCacheCounts> out;
  for (const auto& e : encoders_) {
    const auto c = e->token_cache_counts();
    if (c.hits + c.misses > 0) out[e->name()] = c;
  }
  return out;
}

uint64_t SearchService::embedding_cache_hits() const {
  uint64_t n = 0;
  for (const auto& d : dense_) n += d->cache_hits();
  return n;
}
uint64_t SearchService::embedding_cache_misses() const {
  uint64_t n = 0;
  for (const auto& d : dense_) n += d->cache_misses();
  return n;
}

Result<std::unique_ptr<SearchService>> SearchService::open(const std::string& index_dir,
                                                           const SearchServiceOptions& options) {
  std::unique_ptr<SearchService> s(new SearchService());
  s->options_ = options;
  KB_ASSIGN_OR_RETURN(s->index_, storage::IndexFolder::open_read_only(index_dir));
  if (options.nprobe > 0) s->index_->set_nprobe(options.nprobe);
  const auto& models = s->index_->manifest().models;
  if (models.empty()) return Status::corruption(index_dir + "/MANIFEST: names no embedding model");
  std::string models_dir = options.models_dir.empty() ? encoder::default_models_dir() : options.models_dir;
  s->lexical_ = std::make_unique<query::LexicalRetriever>(s->index_.get());
  s->entities_ = std::make_unique<query::EntityRetriever>(s->index_.get());
  for (size_t i = 0; i < models.size(); ++i) {
    const auto& m = models[i];
    KB_ASSIGN_OR_RETURN(std::string model_path, encoder::resolve_model(m.name, models_dir));
    // The dimension the index was built with: a Matryoshka model may have
    // been truncated (an encoder of another size is refused by open_encoder).
    encoder::EncoderOptions eopts;
    eopts.dimension = m.dimension;
    KB_ASSIGN_OR_RETURN(auto enc, encoder::open_encoder(model_path, eopts));
    if (enc->fingerprint() != m.fingerprint)
      return Status::failed_precondition(index_dir + ": built with model \"" + m.name + "\" fingerprint " +
                                         m.fingerprint + ", but " + model_path + " has fingerprint " +
                                         enc->fingerprint() + " (re-index, or install the original model)");
    // Queries of concurrent requests are encoded in one pass, one pass per
    // core at once (encoder/batching_encoder.h).
    auto batching = std::make_unique<encoder::BatchingEncoder>(std::move(enc), 64, core::default_thread_count());
    s->batching_.push_back(batching.get());
    enc = std::move(batching);
    // A server's query embeddings are kept as long as its answers are.
    s->dense_.push_back(
        std::make_unique<query::DenseRetriever>(s->index_.get(), i, enc.get(), options.result_cache_entries));
    s->encoders_.push_back(std::move(enc));
  }
  // Ranking: the index's own (ranking.json), then the caller's overrides.
  const std::string ranking_file = index_dir + "/ranking.json";
  if (std::filesystem::exists(ranking_file)) {
    KB_ASSIGN_OR_RETURN(std::string text, core::read_file(ranking_file));
    auto j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return Status::invalid_argument(ranking_file + ": not JSON");
    KB_RETURN_IF_ERROR(ranking_from_json(j, &s->ranking_).with_context(ranking_file));
  }
  if (!options.ranking_overrides.empty()) {
    auto j = nlohmann::json::parse(options.ranking_overrides, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) return Status::invalid_argument("ranking options: not JSON");
    KB_RETURN_IF_ERROR(ranking_from_json(j, &s->ranking_));
  }
  if (options.use_fusion_model) {
    KB_ASSIGN_OR_RETURN(query::LoadedFusionModel loaded, query::load_fusion_model(index_dir));
    if (loaded.found) s->fusion_model_ = std::move(loaded.model);
  }
  // An unknown name in options.models is a usage error: say so now.
  KB_RETURN_IF_ERROR(s->parts(SearchRequest{"", 1, SearchMode::kHybrid}).status());
  s->ranker_ = std::make_unique<BestChunkRanker>(s->index_.get());
  if (options.result_cache_entries > 0) {
    std::unique_ptr<storage::CacheStore> disk;
    if (options.persistent_cache_entries > 0) {
      const std::string path = index_dir + "/" + storage::CacheStore::kFileName;
      auto opened = storage::CacheStore::open(path, options.persistent_cache_entries);
      if (!opened.is_ok()) {
        core::log_warn("ranker", "no persistent result cache: " + opened.status().to_string());
      } else {
        if (!opened.value()->reset_reason().empty())
          core::log_warn("ranker", path + " started afresh: " + opened.value()->reset_reason());
        disk = std::move(opened).value();
      }
    }
    s->cache_ = std::make_unique<ResultCache>(options.result_cache_entries, std::move(disk), s->fingerprint());
  }
  return s;
}

std::string SearchService::fingerprint() const {
  nlohmann::json j;
  j["writer"] = storage::writer_string();
  std::error_code ec;
  const auto exe = std::filesystem::path("/proc/self/exe");
  const auto size = std::filesystem::file_size(exe, ec);
  const auto mtime = std::filesystem::last_write_time(exe, ec);
  j["exe"] = {ec ? 0 : static_cast<uint64_t>(size), ec ? 0 : mtime.time_since_epoch().count()};
  j["models_dir"] = options_.models_dir;
  j["models"] = options_.models;
  j["weights"] = options_.weights;
  j["fusion"] = {static_cast<int>(options_.fusion.method), options_.fusion.rrf_k, options_.fusion.weights,
                 options_.fusion.confidence_exponent};
  j["llm"] = {options_.llm_weight, options_.llm_weights, options_.rerank_passage_tokens};
  j["ranking"] = ranking_to_json(ranking_);
  j["fusion_model"] = fusion_model_ ? query::to_json(*fusion_model_) : nlohmann::json();
  for (const char* var : {"KBSEEK_PRECISION", "KBSEEK_LLM_PRECISION", "KBSEEK_DEVICE"}) {
    const char* v = std::getenv(var);
    j["env"][var] = v ? v : "";
  }
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::vector<const query::Retriever*>> SearchService::parts(const SearchRequest& request) const {
  std::vector<const query::Retriever*> out;
  if (request.mode != SearchMode::kDense) out.push_back(lexical_.get());
  if (request.mode == SearchMode::kHybrid) out.push_back(entities_.get());
  if (request.mode == SearchMode::kBm25) return out;
  const auto& models = index_->manifest().models;
  const std::vector<std::string>& wanted_models = request.models.empty() ? options_.models : request.models;
  for (const auto& name : wanted_models) {
    bool known = false;
    for (const auto& m : models) known = known || m.name == name;
    if (!known) {
      std::string list;
      for (const auto& m : models) list += (list.empty() ? "" : ", ") + m.name;
      return Status::invalid_argument("model \"" + name + "\" is not in this index (it has " + list + ")");
    }
  }
  for (size_t i = 0; i < models.size(); ++i) {
    const bool wanted = wanted_models.empty() ||
                        std::find(wanted_models.begin(), wanted_models.end(), models[i].name) != wanted_models.end();
    if (wanted) out.push_back(dense_[i].get());
  }
  return out;
}

Result<SearchResponse> SearchService::search(const SearchRequest& request) const {
  const auto start = std::chrono::steady_clock::now();
  // Counted while it runs: with another search computing, ops stay on one
  // thread each (core/cpu_demand.h).
  const core::CpuDemand demand;
  // A writer may have committed new vectors since the last query; if they
  // cannot be read now, the query still runs on the ones loaded. First,
  // so that the cache's version names what this search would read.
  if (core::Status st = index_->refresh_vectors(); !st.is_ok())
    core::log_warn("ranker", "vectors not refreshed: " + st.to_string());
  if (!cache_) return search_uncached(request);
  auto version = index_->version_token();
  if (!version.is_ok()) return search_uncached(request);
  const std::string key = ResultCache::key_of(request);
  auto elapsed_ms = [&] {
    return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  };
  if (auto hit = cache_->get(key, version.value())) {
    hit->cached = true;
    hit->took_ms = elapsed_ms();
    return std::move(hit).value();
  }
  // Read before the answer is computed, as the memory level's version is:
  // a commit meanwhile makes the entry older than its label, never newer.
  std::optional<std::string> durable;
  if (cache_->has_disk()) {
    if (auto v = index_->durable_version(); v.is_ok()) durable = std::move(v).value();
  }
  if (durable) {
    if (auto hit = cache_->get_durable(key, *durable)) {
      // Only the query's parse is not stored: it is a function of the text
      // and the index, as it was when the answer was made.
      if (auto parsed = query::parse_query(request.query, index_.get()); parsed.is_ok()) {
        hit->query = std::move(parsed).value();
        cache_->put(key, version.value(), *hit);
        hit->cached = true;
        hit->took_ms = elapsed_ms();
        return std::move(hit).value();
      }
    }
  }
  KB_ASSIGN_OR_RETURN(SearchResponse resp, search_uncached(request));
  // An answer the LLM stage gave up on or cut short (a warning, the budget)
  // is not kept: the next request may get the whole stage.
  if (!resp.reranked || (resp.rerank.warning.empty() && resp.rerank.reranked == resp.rerank.candidates)) {
    cache_->put(key, version.value(), resp);
    if (durable) cache_->put_durable(key, *durable, resp);
  }
  return resp;
}

Result<SearchResponse> SearchService::search_uncached(const SearchRequest& request) const {
  auto start = std::chrono::steady_clock::now();
  if (request.query.find_first_not_of(" \t\r\n") == std::string::npos)
    return Status::invalid_argument("query is empty");
  if (request.k < 1 || request.k > options_.max_k)
    return Status::invalid_argument("k = " + std::to_string(request.k) + " is outside [1, " +
                                    std::to_string(options_.max_k) + "]");
  if (request.offset < 0 || request.offset > options_.max_k - request.k)
    return Status::invalid_argument("offset = " + std::to_string(request.offset) +
                                    " must be >= 0 and offset + k <= " + std::to_string(options_.max_k));
  KB_RETURN_IF_ERROR(validate_facets(request.facets));
  // The ranking is made to the end of this page, and one more to tell
  // whether another page follows; facets count deeper.
  const int page_end = request.offset + request.k;
  // Where the time goes (core/stage_times.h; the retrievers add encode and fuse).
  core::StageTimes stages;
  core::ScopedStageTimes stage_scope(&stages);
  core::StageTimer parse_timer(core::Stage::kParse);
  // Parsed once: nothing below looks at the string again (query/query.h).
  KB_ASSIGN_OR_RETURN(const query::Query parsed, query::parse_query(request.query, index_.get()));
  parse_timer.stop();
  const RankingOptions& ranking = request.ranking ? *request.ranking : ranking_;
  KB_RETURN_IF_ERROR(validate(ranking));
  // Diversity, freshness and caps choose among more documents than they return.
  const bool objectives = ranking.active(parsed);
  const int pool =
      std::max(objectives ? std::max(page_end * 3, 30) : page_end + 1, request.facets.empty() ? 0 : kFacetDepth);
  const bool rerank = !request.rerank_model.empty();
  if (rerank && (request.rerank.k < 1 || request.rerank.k > options_.max_k || request.rerank.budget_ms < 0)) {
    return Status::invalid_argument("rerank_k = " + std::to_string(request.rerank.k) + " must be in [1, " +
                                    std::to_string(options_.max_k) + "] and rerank_budget_ms >= 0");
  }
  const int wanted = rerank ? std::max(pool, request.rerank.k) : pool;
  KB_ASSIGN_OR_RETURN(auto parts, this->parts(request));
  KB_ASSIGN_OR_RETURN(const std::shared_ptr<const storage::ChunkFilter> allow,
                      index_->access_filter(request.principals));
  // Cheap to build: a list of pointers and the fusion options. The weights
  // are learned ones when the index was tuned, else the rules.
  query::FusionOptions fusion = options_.fusion;
  fusion.weights.clear();
  if (fusion_model_) fusion.confidence_exponent = fusion_model_->confidence_exponent;
  for (const query::Retriever* p : parts) {
    const double prior = prior_weight(p->weight_key());
    fusion.weights.push_back(fusion_model_ ? fusion_model_->weight(parsed, p->weight_key(), prior) : prior);
  }
  query::HybridRetriever fused(parts, fusion);
  const query::Retriever& retriever = parts.size() == 1 ? *parts[0] : static_cast<const query::Retriever&>(fused);
  const GroupingOptions grouping{ranking.other_chunks_weight};
  // Documents have several chunks: ask for more chunks than documents
  // wanted, and deeper while the lists were full but their chunks made too
  // few documents (long documents fill a list with their own chunks).
  std::vector<RankedDocument> docs;
  for (int chunk_k = std::max(pool * 3, 100);; chunk_k = std::min(chunk_k * 4, kMaxChunkDepth)) {
    core::StageTimer retrieve_timer(core::Stage::kRetrieve);
    KB_ASSIGN_OR_RETURN(std::vector<query::Candidate> candidates, retriever.retrieve(parsed, chunk_k, allow.get()));
    retrieve_timer.stop();
    core::StageTimer rank_timer(core::Stage::kRank);
    KB_ASSIGN_OR_RETURN(docs, ranker_->rank(parsed, candidates, wanted, request.principals, grouping));
    rank_timer.stop();
    if (static_cast<int>(docs.size()) >= wanted || static_cast<int>(candidates.size()) < chunk_k ||
        chunk_k >= kMaxChunkDepth) {
      break;
    }
  }
  SearchResponse resp;
  resp.query = parsed;
  resp.tuned = fusion_model_.has_value() && parts.size() > 1;
  const std::string& text = parsed.text;
  std::optional<core::StageTimer> stage_timer;  // stages that run only when asked for
  if (rerank) {
    stage_timer.emplace(core::Stage::kRerank);
    LlmRerankOptions o = request.rerank;
    std::string note;
    if (o.llm_weight < 0) {
      const auto measured = options_.llm_weights.find(request.rerank_model);
      o.llm_weight = measured == options_.llm_weights.end() ? options_.llm_weight : measured->second;
      if (measured != options_.llm_weights.end() && measured->second == 0)
        note = request.rerank_model +
               "'s measured default weight is 0 (it lowered nDCG@10 on labelled queries): "
               "give rerank_weight to use it";
      const double share = query_language_share(parsed, docs, o.k);
      if (share < 1 && o.llm_weight > 0) {
        o.llm_weight *= share;
        note = "the default weight scaled by the share of candidates in the query's language (" +
               std::to_string(share).substr(0, 4) + ")";
      }
    }
    resp.reranked = true;
    auto rr = o.llm_weight > 0 ? reranker(request.rerank_model) : Result<const LlmReranker*>(nullptr);
    if (rr.is_ok() && rr.value() == nullptr) {
      // Weight 0: the LLM could not move anything; the first stage's order, no model run.
      resp.rerank.model = request.rerank_model;
      resp.rerank.candidates = std::min<int>(request.rerank.k, static_cast<int>(docs.size()));
    } else if (rr.is_ok()) {
      resp.rerank = rr.value()->rerank(text, docs, o);
    } else {
      // The stage never turns a search into an error: first-stage order, warning.
      resp.rerank.model = request.rerank_model;
      resp.rerank.candidates = std::min<int>(request.rerank.k, static_cast<int>(docs.size()));
      resp.rerank.warning = rr.status().to_string();
      core::log_warn("ranker", "LLM stage skipped: " + resp.rerank.warning);
    }
    resp.rerank.weight = o.llm_weight;
    resp.rerank.note = note;
  }
  stage_timer.reset();
  if (objectives) {
    stage_timer.emplace(core::Stage::kObjectives);
    // MMR compares best chunks in the first dense list the request uses.
    size_t model = dense_.size();
    for (const query::Retriever* p : parts)
      for (size_t i = 0; i < dense_.size() && model == dense_.size(); ++i)
        if (p == dense_[i].get()) model = i;
    if (model == dense_.size()) model = 0;  // BM25 alone: the index's first model
    auto vectors = [&](const std::vector<int64_t>& ids, int* dim) {
      *dim = index_->manifest().models[model].dimension;
      return index_->chunk_vectors(model, ids);
    };
    KB_ASSIGN_OR_RETURN(
        docs, apply_objectives(parsed, std::move(docs), ranking, vectors,
                               std::max(page_end + 1, request.facets.empty() ? 0 : kFacetDepth), &resp.query.warnings));
    stage_timer.reset();
  }
  for (const auto& f : request.facets) resp.facets[f] = count_facet(docs, f, kFacetDepth);
  core::StageTimer snippets_timer(core::Stage::kSnippets);
  resp.more = static_cast<int>(docs.size()) > page_end;
  if (static_cast<int>(docs.size()) > page_end) docs.resize(page_end);
  docs.erase(docs.begin(), docs.begin() + std::min<size_t>(request.offset, docs.size()));
  for (auto& d : docs) {
    SearchResult r;
    r.id = std::move(d.doc_id);
    r.title = std::move(d.title);
    query::Snippet snippet = query::make_highlighted_snippet(d.best_chunk_text, parsed.words);
    r.snippet = std::move(snippet.text);
    r.highlights = std::move(snippet.highlights);
    r.score = d.score;
    r.explanation = std::move(d.explanation);
    resp.results.push_back(std::move(r));
  }
  snippets_timer.stop();
  resp.stages = stages;
  resp.took_ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  return resp;
}

double query_language_share(const query::Query& query, const std::vector<RankedDocument>& docs, int k) {
  if (query.languages.empty()) return 1;
  const std::string& lang = query.languages[0];
  int n = 0, same = 0;
  for (const auto& d : docs) {
    if (n >= k) break;
    ++n;
    // A chunk of unknown or mixed language may be read as either.
    same += d.best_chunk_language == lang || d.best_chunk_language == "mixed" || d.best_chunk_language.empty();
  }
  return n == 0 ? 1.0 : static_cast<double>(same) / n;
}

double SearchService::prior_weight(const std::string& key) const {
  auto w = options_.weights.find(key);
  return w == options_.weights.end() ? 1.0 : w->second;
}

Result<std::vector<query::TuneList>> SearchService::candidate_lists(const std::string& text, int depth,
                                                                    query::Query* parsed) const {
  KB_ASSIGN_OR_RETURN(*parsed, query::parse_query(text, index_.get()));
  KB_ASSIGN_OR_RETURN(auto parts, this->parts(SearchRequest{text, 1, SearchMode::kHybrid}));
  std::vector<query::TuneList> out;
  for (const query::Retriever* p : parts) {
    query::TuneList l;
    l.key = p->weight_key();
    l.confidence = p->confidence(*parsed);
    l.prior = prior_weight(l.key);
    // Asked even at confidence 0: an exponent of 0 would give it weight.
    KB_ASSIGN_OR_RETURN(l.candidates, p->retrieve(*parsed, depth, nullptr));
    out.push_back(std::move(l));
  }
  return out;
}

Result<encoder::llm::RelevanceScores> SearchService::rerank_texts(const std::string& model, std::string_view query,
                                                                  const std::vector<std::string>& texts,
                                                                  double budget_ms) const {
  if (model.empty()) return Status::invalid_argument("no re-ranking model given (\"model\", or serve --rerank MODEL)");
  if (query.find_first_not_of(" \t\r\n") == std::string_view::npos) return Status::invalid_argument("query is empty");
  if (texts.empty() || static_cast<int>(texts.size()) > options_.max_k) {
    return Status::invalid_argument(std::to_string(texts.size()) + " texts; give 1 to " +
                                    std::to_string(options_.max_k));
  }
  KB_ASSIGN_OR_RETURN(const LlmReranker* rr, reranker(model));
  return rr->score(query, texts, budget_ms);
}

Result<std::vector<float>> SearchService::embed_texts(const std::string& model, int dimensions,
                                                      const std::vector<std::string>& texts, bool query, int* dim,
                                                      long long* tokens) const {
  encoder::Encoder* enc = nullptr;
  {
    std::lock_guard<std::mutex> lock(embedders_mu_);
    auto& slot = embedders_[{model, dimensions}];
    if (!slot) {
      auto path = encoder::resolve_model(
          model, options_.models_dir.empty() ? encoder::default_models_dir() : options_.models_dir);
      encoder::EncoderOptions eopts;
      eopts.dimension = dimensions;
      auto opened = path.is_ok() ? encoder::open_encoder(path.value(), eopts)
                                 : Result<std::unique_ptr<encoder::Encoder>>(path.status());
      if (!opened.is_ok()) {
        embedders_.erase({model, dimensions});
        return opened.status();
      }
      slot = std::move(opened).value();
    }
    enc = slot.get();
  }
  *dim = enc->dimension();
  *tokens = 0;
  for (const auto& t : texts) *tokens += enc->count_tokens(t);
  std::vector<float> out(texts.size() * static_cast<size_t>(*dim));
  KB_RETURN_IF_ERROR(enc->encode(texts, query ? encoder::InputKind::kQuery : encoder::InputKind::kPassage, out.data()));
  return out;
}

Result<const LlmReranker*> SearchService::reranker(const std::string& model) const {
  std::lock_guard<std::mutex> lock(rerankers_mu_);
  if (auto it = rerankers_.find(model); it != rerankers_.end()) return it->second.get();
  // Only a model that exists gets an entry, so requests naming made-up
  // models cannot grow this map; they are refused each time instead.
  const bool gguf_file = model.size() > 5 && model.compare(model.size() - 5, 5, ".gguf") == 0;
  if (gguf_file) {
    if (!core::path_exists(model)) return Status::not_found(model + ": no such file");
  } else {
    KB_RETURN_IF_ERROR(encoder::resolve_model(model, options_.models_dir).status());
  }
  auto& slot = rerankers_[model];
  encoder::llm::ScorerOptions scorer_options;
  scorer_options.max_passage_tokens = options_.rerank_passage_tokens;
  slot = std::make_unique<LlmReranker>(model, options_.models_dir, scorer_options);
  return slot.get();
}

nlohmann::json to_json(const SearchResponse& response, bool explain) {
  nlohmann::json results = nlohmann::json::array();
  for (const auto& r : response.results) {
    nlohmann::json j = {{"id", r.id}, {"title", r.title}, {"snippet", r.snippet}, {"score", r.score}};
    j["highlights"] = nlohmann::json::array();
    for (const auto& [a, b] : r.highlights) j["highlights"].push_back({a, b});
    if (explain) {
      nlohmann::json ex = nlohmann::json::array();
      for (const auto& s : r.explanation)
        ex.push_back({{"source", s.source}, {"rank", s.rank}, {"score", s.score}, {"weight", s.weight}});
      j["explain"] = std::move(ex);
    }
    results.push_back(std::move(j));
  }
  nlohmann::json out = {{"results", std::move(results)}, {"took_ms", response.took_ms}, {"more", response.more}};
  if (!response.facets.empty()) {
    nlohmann::json facets = nlohmann::json::object();
    for (const auto& [field, counts] : response.facets) {
      nlohmann::json list = nlohmann::json::array();
      for (const auto& c : counts) list.push_back({{"value", c.value}, {"count", c.count}});
      facets[field] = std::move(list);
    }
    out["facets"] = std::move(facets);
  }
  if (response.cached) out["cached"] = true;
  const query::Query& q = response.query;
  if (!q.warnings.empty()) out["warnings"] = q.warnings;
  if (explain) {
    out["query"] = {{"text", q.text},
                    {"class", query::query_class(q)},
                    {"fusion", response.tuned ? "tuned" : "rules"},
                    {"conditions", q.described},
                    {"languages", q.languages},
                    {"question", query::question_form_name(q.question)},
                    {"recent", q.time.recent},
                    {"years", q.time.years},
                    {"identifiers", q.identifiers},
                    {"numbers", q.numbers},
                    {"entities", q.entity_terms.size()}};
    // Where this answer's time went (none for a cached one).
    nlohmann::json timings = nlohmann::json::object();
    for (int i = 0; i < core::kStageCount; ++i)
      if (response.stages.seconds[i] > 0)
        timings[core::stage_name(static_cast<core::Stage>(i))] = response.stages.seconds[i] * 1000;
    out["timings_ms"] = std::move(timings);
  }
  if (response.reranked) {
    const LlmRerankReport& r = response.rerank;
    nlohmann::json rr = {{"model", r.model},
                         {"candidates", r.candidates},
                         {"reranked", r.reranked},
                         {"took_ms", r.took_ms},
                         {"weight", r.weight}};
    if (!r.warning.empty()) rr["warning"] = r.warning;
    if (!r.note.empty()) rr["note"] = r.note;
    out["rerank"] = std::move(rr);
  }
  return out;
}

}  // namespace kbseek::ranker
