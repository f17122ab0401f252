// use_id_cache_bench: what use-m3's per-id cache (encoder/use/per_id_cache.h)
// does for a stream of distinct queries encoded one at a time on one thread,
// as the server encodes them under load. For each capacity (0 = no cache, the
// peer) a fresh encoder encodes every query once in file order (pass 1, cache
// cold at the start), then again (pass 2: a stream that repeats). Prints per
// pass the mean, p50 and p99 ms per query and the share of id lookups the
// cache served, and the largest difference of any vector element from the
// no-cache run's.
//
//   use_id_cache_bench QUERIES.jsonl [--model NAME|PATH] [--capacities 0,1024,4096,16384]
//
// QUERIES.jsonl: one JSON object a line with "query" (the load test's request
// bodies, bench/load/run_load.sh's hybrid.jsonl) or "text" (a BEIR queries file).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "encoder/model_folder.h"
#include "encoder/registry.h"
#include "encoder/use/use_encoder.h"

namespace {

using Clock = std::chrono::steady_clock;
using kbseek::encoder::InputKind;

std::vector<std::string> read_queries(const std::string& path) {
  std::vector<std::string> out;
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    const nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    if (!j.is_object()) continue;
    for (const char* key : {"query", "text"}) {
      if (j.contains(key) && j[key].is_string() && !j[key].get<std::string>().empty()) {
        out.push_back(j[key].get<std::string>());
        break;
      }
    }
  }
  return out;
}

double percentile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(q * static_cast<double>(v.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: use_id_cache_bench QUERIES.jsonl [--model NAME|PATH] [--capacities 0,4096]\n");
    return 2;
  }
  const std::string queries_path = argv[1];
  std::string model = "use-m3", capacities_arg = "0,1024,4096,16384";
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--model") {
      model = argv[i + 1];
    } else if (flag == "--capacities") {
      capacities_arg = argv[i + 1];
    } else {
      std::fprintf(stderr, "unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  const std::vector<std::string> queries = read_queries(queries_path);
  if (queries.empty()) {
    std::fprintf(stderr, "%s: no queries (lines with \"query\" or \"text\")\n", queries_path.c_str());
    return 1;
  }
  std::vector<int> capacities;
  std::stringstream ss(capacities_arg);
  for (std::string c; std::getline(ss, c, ',');) capacities.push_back(std::atoi(c.c_str()));

  auto dir = kbseek::encoder::resolve_model(model);
  if (!dir.is_ok()) {
    std::fprintf(stderr, "%s\n", dir.status().to_string().c_str());
    return 1;
  }
  kbseek::encoder::ModelSource src;
  src.dir = dir.value();
  src.name = model;
  std::printf("%zu queries from %s, model %s, 1 thread, one query per call\n\n", queries.size(), queries_path.c_str(),
              src.dir.c_str());
  std::printf(
      "| per-id cache (ids) | pass | mean ms | p50 ms | p99 ms | lookups served | largest difference to no cache |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|\n");
  std::vector<float> reference;
  for (const int capacity : capacities) {
    setenv("KBSEEK_USE_M3_ID_CACHE", std::to_string(capacity).c_str(), 1);
    kbseek::encoder::EncoderOptions opts;
    opts.num_threads = 1;
    auto enc = kbseek::encoder::open_use_m3_encoder(src, opts);
    if (!enc.is_ok()) {
      std::fprintf(stderr, "%s\n", enc.status().to_string().c_str());
      return 1;
    }
    const auto& use = static_cast<const kbseek::encoder::UseM3Encoder&>(**enc);
    const int dim = (*enc)->dimension();
    std::vector<float> vectors(queries.size() * dim);
    for (int pass = 1; pass <= 2; ++pass) {
      const auto* cache = use.model().id_cache();
      const uint64_t hits0 = cache ? cache->hits() : 0, misses0 = cache ? cache->misses() : 0;
      std::vector<double> ms;
      for (size_t q = 0; q < queries.size(); ++q) {
        const auto t0 = Clock::now();
        const auto st = (*enc)->encode({queries[q]}, InputKind::kQuery, vectors.data() + q * dim);
        ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        if (!st.is_ok()) {
          std::fprintf(stderr, "query %zu: %s\n", q, st.to_string().c_str());
          return 1;
        }
      }
      if (reference.empty()) reference = vectors;
      double worst = 0;
      for (size_t i = 0; i < vectors.size(); ++i) worst = std::max(worst, double(std::fabs(vectors[i] - reference[i])));
      double mean = 0;
      for (double x : ms) mean += x;
      mean /= static_cast<double>(ms.size());
      std::string served = "-";
      if (cache != nullptr) {
        const double h = double(cache->hits() - hits0), m = double(cache->misses() - misses0);
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.1f%%", 100.0 * h / std::max(1.0, h + m));
        served = buf;
      }
      std::printf("| %d | %d | %.3f | %.3f | %.3f | %s | %.1e |\n", capacity, pass, mean, percentile(ms, 0.5),
                  percentile(ms, 0.99), served.c_str(), worst);
      std::fflush(stdout);
    }
  }
  return 0;
}
