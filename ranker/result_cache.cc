// LRU bookkeeping, the request key, and the persistent level's encoding.
#include "ranker/result_cache.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/logging.h"
#include "core/sha256.h"

namespace kbseek::ranker {

using nlohmann::json;

ResultCache::ResultCache(size_t capacity, std::unique_ptr<storage::CacheStore> disk, std::string fingerprint)
    : capacity_(capacity), disk_(std::move(disk)), fingerprint_(std::move(fingerprint)) {}
ResultCache::~ResultCache() = default;

std::string ResultCache::key_of(const SearchRequest& r) {
  std::string query;
  bool space = false;
  for (char c : r.query) {
    const bool ws = c == ' ' || c == '\t' || c == '\r' || c == '\n';
    if (ws) {
      space = !query.empty();
      continue;
    }
    if (space) query += ' ';
    space = false;
    query += c;
  }
  std::vector<std::string> principals = r.principals.names;
  std::sort(principals.begin(), principals.end());
  principals.erase(std::unique(principals.begin(), principals.end()), principals.end());
  // JSON keeps every field unambiguous whatever bytes the strings hold.
  const nlohmann::json key = {query,
                              r.k,
                              r.offset,
                              r.facets,
                              search_mode_name(r.mode),
                              r.models,
                              r.rerank_model,
                              r.rerank.k,
                              r.rerank.budget_ms,
                              r.rerank.llm_weight,
                              r.principals.all,
                              principals,
                              r.ranking ? ranking_to_json(*r.ranking) : nlohmann::json()};
  return key.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<SearchResponse> ResultCache::get(const std::string& key, const std::string& version) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end() || it->second->version != version) {
    misses_++;
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  hits_++;
  return it->second->response;
}

void ResultCache::put(const std::string& key, const std::string& version, const SearchResponse& response) {
  if (capacity_ == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    it->second->version = version;
    it->second->response = response;
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.push_front(Entry{key, version, response});
  index_[key] = lru_.begin();
  if (lru_.size() > capacity_) {
    index_.erase(lru_.back().key);
    lru_.pop_back();
  }
}

// Field names are one letter: an answer is stored once per key, and read
// back whole.
std::string ResultCache::encode(const SearchResponse& r) {
  json results = json::array();
  for (const auto& x : r.results) {
    json explain = json::array();
    for (const auto& e : x.explanation) explain.push_back({e.source, e.rank, e.score, e.weight});
    json highlights = json::array();
    for (const auto& [a, b] : x.highlights) highlights.push_back({a, b});
    results.push_back(
        {{"i", x.id}, {"t", x.title}, {"s", x.snippet}, {"v", x.score}, {"e", explain}, {"h", highlights}});
  }
  const LlmRerankReport& k = r.rerank;
  json facets = json::object();
  for (const auto& [field, counts] : r.facets) {
    json list = json::array();
    for (const auto& c : counts) list.push_back({c.value, c.count});
    facets[field] = std::move(list);
  }
  const json doc = {{"r", results},
                    {"more", r.more},
                    {"f", facets},
                    {"ms", r.took_ms},
                    {"tuned", r.tuned},
                    {"reranked", r.reranked},
                    {"rerank", {k.model, k.candidates, k.reranked, k.took_ms, k.warning, k.weight, k.note}}};
  const std::vector<uint8_t> bytes = json::to_cbor(doc);
  return std::string(bytes.begin(), bytes.end());
}

core::Result<SearchResponse> ResultCache::decode(std::string_view bytes) {
  const json doc = json::from_cbor(bytes.begin(), bytes.end(), /*strict=*/true, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return core::Status::corruption("a cached answer is not CBOR");
  try {
    SearchResponse r;
    for (const auto& x : doc.at("r")) {
      SearchResult out{x.at("i").get<std::string>(),
                       x.at("t").get<std::string>(),
                       x.at("s").get<std::string>(),
                       x.at("v").get<double>(),
                       {},
                       {}};
      for (const auto& e : x.at("e"))
        out.explanation.push_back(
            {e.at(0).get<std::string>(), e.at(1).get<int>(), e.at(2).get<double>(), e.at(3).get<double>()});
      for (const auto& h : x.at("h")) out.highlights.emplace_back(h.at(0).get<int>(), h.at(1).get<int>());
      r.results.push_back(std::move(out));
    }
    r.more = doc.at("more").get<bool>();
    for (const auto& [field, list] : doc.at("f").items())
      for (const auto& c : list) r.facets[field].push_back({c.at(0).get<std::string>(), c.at(1).get<int>()});
    r.took_ms = doc.at("ms").get<double>();
    r.tuned = doc.at("tuned").get<bool>();
    r.reranked = doc.at("reranked").get<bool>();
    const json& k = doc.at("rerank");
    r.rerank = LlmRerankReport{k.at(0).get<std::string>(), k.at(1).get<int>(),         k.at(2).get<int>(),
                               k.at(3).get<double>(),      k.at(4).get<std::string>(), k.at(5).get<double>(),
                               k.at(6).get<std::string>()};
    return r;
  } catch (const json::exception& e) {
    return core::Status::corruption(std::string("a cached answer is malformed: ") + e.what());
  }
}

core::Status ResultCache::clear() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    lru_.clear();
    index_.clear();
  }
  return disk_ ? disk_->clear() : core::Status::ok();
}

std::string ResultCache::disk_key(const std::string& key) const {
  // The digest's hex: fixed size, and no query text in the file's keys.
  return core::sha256_hex(fingerprint_ + '\n' + key);
}

void ResultCache::disk_failed(const core::Status& status) {
  const uint64_t n = disk_errors_++;
  if (n % 1000 == 0) {
    core::log_warn("cache", "persistent result cache " + disk_->path() + ": " + status.to_string() + " (" +
                                std::to_string(n + 1) + " errors so far; answers are computed instead)");
  }
}

std::optional<SearchResponse> ResultCache::get_durable(const std::string& key, const std::string& durable_version) {
  if (!disk_) return std::nullopt;
  auto bytes = disk_->get(disk_key(key), durable_version);
  if (!bytes.is_ok()) {
    disk_failed(bytes.status());
    disk_misses_++;
    return std::nullopt;
  }
  if (!bytes->has_value()) {
    disk_misses_++;
    return std::nullopt;
  }
  auto answer = decode(**bytes);
  if (!answer.is_ok()) {
    disk_failed(answer.status());
    disk_misses_++;
    return std::nullopt;
  }
  disk_hits_++;
  return std::move(answer).value();
}

void ResultCache::put_durable(const std::string& key, const std::string& durable_version,
                              const SearchResponse& response) {
  if (!disk_) return;
  if (core::Status st = disk_->put(disk_key(key), durable_version, encode(response)); !st.is_ok()) disk_failed(st);
}

}  // namespace kbseek::ranker
