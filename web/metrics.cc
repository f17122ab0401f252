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

}  // namespace

void Metrics::observe(const std::string& route, const std::string& method, int code, double seconds) {
  std::lock_guard<std::mutex> lock(mu_);
  requests_[{route, method, code}]++;
  Histogram& h = durations_[route];
  for (size_t i = 0; i < kBuckets.size(); ++i)
    if (seconds <= kBuckets[i]) h.le[i]++;
  h.count++;
  h.sum += seconds;
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
  for (const auto& [route, h] : durations_) {
    const std::string label = "kbseek_http_request_duration_seconds_bucket{route=\"" + route + "\",le=\"";
    for (size_t i = 0; i < kBuckets.size(); ++i) out += label + number(kBuckets[i]) + "\"} " + std::to_string(h.le[i]) + "\n";
    out += label + "+Inf\"} " + std::to_string(h.count) + "\n";
    out += "kbseek_http_request_duration_seconds_sum{route=\"" + route + "\"} " + number(h.sum) + "\n";
    out += "kbseek_http_request_duration_seconds_count{route=\"" + route + "\"} " + std::to_string(h.count) + "\n";
  }
  out += "# HELP kbseek_http_refused_total Requests the server answered itself: busy (503), timeout (408), too_large.\n";
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
  out += "kbseek_cache_requests_total{cache=\"query_embeddings\",outcome=\"hit\"} " + std::to_string(g.embedding_hits) + "\n";
  out += "kbseek_cache_requests_total{cache=\"query_embeddings\",outcome=\"miss\"} " +
         std::to_string(g.embedding_misses) + "\n";
  out += "# HELP kbseek_index_documents Documents in the served index.\n# TYPE kbseek_index_documents gauge\n";
  out += "kbseek_index_documents " + std::to_string(g.documents) + "\n";
  out += "# HELP kbseek_index_chunks Chunks in the served index.\n# TYPE kbseek_index_chunks gauge\n";
  out += "kbseek_index_chunks " + std::to_string(g.chunks) + "\n";
  return out;
}

}  // namespace kbseek::web
