// Counting and rendering; label values are our own route names and codes.
#include "web/metrics.h"

#include <cstdio>

namespace kbseek::web {
namespace {

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

template <typename H>
void add(H& h, const std::array<double, 12>& buckets, double seconds) {
  for (size_t i = 0; i < buckets.size(); ++i)
    if (seconds <= buckets[i]) h.le[i]++;
  h.count++;
  h.sum += seconds;
}

// One histogram's lines: name_bucket{label,le}, name_sum{label}, name_count{label}.
template <typename H>
void render_histogram(std::string& out, const std::string& name, const std::string& label, const H& h,
                      const std::array<double, 12>& buckets) {
  const std::string bucket = name + "_bucket{" + label + ",le=\"";
  for (size_t i = 0; i < buckets.size(); ++i)
    out += bucket + number(buckets[i]) + "\"} " + std::to_string(h.le[i]) + "\n";
  out += bucket + "+Inf\"} " + std::to_string(h.count) + "\n";
  out += name + "_sum{" + label + "} " + number(h.sum) + "\n";
  out += name + "_count{" + label + "} " + std::to_string(h.count) + "\n";
}

}  // namespace

void Metrics::observe_stages(const core::StageTimes& times) {
  std::lock_guard<std::mutex> lock(mu_);
  for (int i = 0; i < core::kStageCount; ++i)
    if (times.seconds[i] > 0) add(stages_[i], kStageBuckets, times.seconds[i]);
}

void Metrics::observe(const std::string& route, const std::string& method, int code, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_[{route, method, code}]++;
  add(durations_[route], kBuckets, seconds);
}

std::string Metrics::render(const Gauges& g) const {
  std::string out;
  out += "# HELP kbseek_http_requests_total HTTP requests answered, by route, method and status code.\n";
  out += "# TYPE kbseek_http_requests_total counter\n";
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [key, n] : requests_) {
    const auto& [route, method, code] = key;
    out += "kbseek_http_requests_total{route=\"" + route + "\",method=\"" + method + "\",code=\"" +
           std::to_string(code) + "\"} " + std::to_string(n) + "\n";
  }
  out += "# HELP kbseek_http_request_duration_seconds Time from a complete request to its answer being ready.\n";
  out += "# TYPE kbseek_http_request_duration_seconds histogram\n";
  for (const auto& [route, h] : durations_)
    render_histogram(out, "kbseek_http_request_duration_seconds", "route=\"" + route + "\"", h, kBuckets);
  out += "# HELP kbseek_search_stage_duration_seconds Time a computed search spent in each stage of the query path.\n";
  out += "# TYPE kbseek_search_stage_duration_seconds histogram\n";
  for (int i = 0; i < core::kStageCount; ++i) {
    render_histogram(out, "kbseek_search_stage_duration_seconds",
                     std::string("stage=\"") + core::stage_name(static_cast<core::Stage>(i)) + "\"", stages_[i],
                     kStageBuckets);
  }
  out +=
      "# HELP kbseek_http_refused_total Requests the server answered itself: busy (503), timeout (408), too_large.\n";
  out += "# TYPE kbseek_http_refused_total counter\n";
  out += "kbseek_http_refused_total{reason=\"busy\"} " + std::to_string(g.refused_busy) + "\n";
  out += "kbseek_http_refused_total{reason=\"timeout\"} " + std::to_string(g.refused_timeout) + "\n";
  out += "kbseek_http_refused_total{reason=\"too_large\"} " + std::to_string(g.refused_too_large) + "\n";
  out += "# HELP kbseek_cache_requests_total Result cache lookups by outcome.\n";
  out += "# TYPE kbseek_cache_requests_total counter\n";
  out += "kbseek_cache_requests_total{cache=\"results\",outcome=\"hit\"} " + std::to_string(g.cache_hits) + "\n";
  out += "kbseek_cache_requests_total{cache=\"results\",outcome=\"miss\"} " + std::to_string(g.cache_misses) + "\n";
  out += "kbseek_cache_requests_total{cache=\"results_persistent\",outcome=\"hit\"} " +
         std::to_string(g.disk_cache_hits) + "\n";
  out += "kbseek_cache_requests_total{cache=\"results_persistent\",outcome=\"miss\"} " +
         std::to_string(g.disk_cache_misses) + "\n";
  out += "kbseek_cache_requests_total{cache=\"query_embeddings\",outcome=\"hit\"} " + std::to_string(g.embedding_hits) +
         "\n";
  out += "kbseek_cache_requests_total{cache=\"query_embeddings\",outcome=\"miss\"} " +
         std::to_string(g.embedding_misses) + "\n";
  out +=
      "# HELP kbseek_encoder_token_cache_requests_total Lookups of a query encoder's per-token cache (use-m3's "
      "per-id rows), by model and outcome.\n";
  out += "# TYPE kbseek_encoder_token_cache_requests_total counter\n";
  for (const auto& [model, c] : g.encoder_token_caches) {
    out += "kbseek_encoder_token_cache_requests_total{model=\"" + model + "\",outcome=\"hit\"} " +
           std::to_string(c.hits) + "\n";
    out += "kbseek_encoder_token_cache_requests_total{model=\"" + model + "\",outcome=\"miss\"} " +
           std::to_string(c.misses) + "\n";
  }
  out +=
      "# HELP kbseek_encoder_batch_size Texts per forward pass of a query encoder (concurrent queries share passes).\n";
  out += "# TYPE kbseek_encoder_batch_size histogram\n";
  for (const auto& [model, c] : g.encoder_batches) {
    uint64_t cumulative = 0;
    for (size_t b = 0; b < encoder::BatchSizeCounts::kBounds.size(); ++b) {
      cumulative += c.buckets[b];
      out += "kbseek_encoder_batch_size_bucket{model=\"" + model + "\",le=\"" +
             std::to_string(encoder::BatchSizeCounts::kBounds[b]) + "\"} " + std::to_string(cumulative) + "\n";
    }
    out += "kbseek_encoder_batch_size_bucket{model=\"" + model + "\",le=\"+Inf\"} " + std::to_string(c.passes) + "\n";
    out += "kbseek_encoder_batch_size_sum{model=\"" + model + "\"} " + std::to_string(c.texts) + "\n";
    out += "kbseek_encoder_batch_size_count{model=\"" + model + "\"} " + std::to_string(c.passes) + "\n";
  }
  out +=
      "# HELP kbseek_http_queue_depth Complete requests waiting for a worker.\n# TYPE kbseek_http_queue_depth gauge\n";
  out += "kbseek_http_queue_depth " + std::to_string(g.queued) + "\n";
  out +=
      "# HELP kbseek_http_requests_in_progress Requests being answered by a worker.\n"
      "# TYPE kbseek_http_requests_in_progress gauge\n";
  out += "kbseek_http_requests_in_progress " + std::to_string(g.answering) + "\n";
  out += "# HELP kbseek_index_documents Documents in the served index.\n# TYPE kbseek_index_documents gauge\n";
  out += "kbseek_index_documents " + std::to_string(g.documents) + "\n";
  out += "# HELP kbseek_index_chunks Chunks in the served index.\n# TYPE kbseek_index_chunks gauge\n";
  out += "kbseek_index_chunks " + std::to_string(g.chunks) + "\n";
  return out;
}

}  // namespace kbseek::web
