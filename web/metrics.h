// Prometheus metrics of the HTTP service, in the text exposition format
// (version 0.0.4) served at GET /metrics:
//   kbseek_http_requests_total{route,method,code}        counter
//   kbseek_http_request_duration_seconds{route}           histogram
//   kbseek_search_stage_duration_seconds{stage}           histogram: parse, encode, retrieve,
//                                                          fuse, rank, rerank, objectives, snippets
//   kbseek_http_refused_total{reason}                      counter: busy (503),
//                                                          timeout (408), too_large (413/414/431)
//   kbseek_cache_requests_total{cache="results"|"results_persistent"|"query_embeddings",outcome}
//                                                          counter: hit, miss (the persistent
//                                                          level is asked after a memory miss)
//   kbseek_http_queue_depth, kbseek_http_requests_in_progress  gauges: waiting for a
//                                                          worker, being answered
//   kbseek_index_documents, kbseek_index_chunks            gauges
// `route` is a registered path or "unmatched", so arbitrary client paths
// cannot grow the label set. Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "core/stage_times.h"
#include "encoder/batching_encoder.h"

namespace kbseek::web {

class Metrics {
 public:
  // Upper bounds of the latency buckets, in seconds.
  static constexpr std::array<double, 12> kBuckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                      0.1,   0.25,   0.5,   1,    2.5,   10};

  // The query path's stages (core/stage_times.h) are shorter: finer buckets.
  static constexpr std::array<double, 12> kStageBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                           0.01,   0.025,   0.1,    0.5,   2.5,    10};

  void observe(const std::string& route, const std::string& method, int code, double seconds);
  // One observation per stage that took time in a computed search (a cached
  // answer has none).
  void observe_stages(const core::StageTimes& times);

  struct Gauges {
    int64_t documents = 0, chunks = 0;
    uint64_t refused_busy = 0, refused_timeout = 0, refused_too_large = 0;
    int64_t queued = 0, answering = 0;
    uint64_t cache_hits = 0, cache_misses = 0;
    uint64_t disk_cache_hits = 0, disk_cache_misses = 0;
    uint64_t embedding_hits = 0, embedding_misses = 0;
    // Query encoder passes by batch size, per model (summed over tenants).
    std::map<std::string, encoder::BatchSizeCounts> encoder_batches;
    // Per model with a per-token cache shared across queries, its lookups.
    std::map<std::string, encoder::Encoder::TokenCacheCounts> encoder_token_caches;
  };
  std::string render(const Gauges& gauges) const;

 private:
  struct Histogram {
    std::array<uint64_t, kBuckets.size()> le{};  // cumulative at render time
    uint64_t count = 0;
    double sum = 0;
  };
  mutable std::mutex mu_;
  std::map<std::tuple<std::string, std::string, int>, uint64_t> requests_;
  std::map<std::string, Histogram> durations_;
  std::array<Histogram, core::kStageCount> stages_{};
};

}  // namespace kbseek::web
