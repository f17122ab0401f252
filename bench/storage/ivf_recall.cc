// ivf_recall: recall@10 of FaissIndex's IVF layout against exact search.
//
//   storage_ivf_recall [--out FILE] [n=100000] [dim=384] [queries=500]
//   storage_ivf_recall [--out FILE] --index INDEX/vectors.MODEL.faiss --queries VECTORS.jsonl
// The second form measures a real index with real query vectors (one JSON
// array a line, as `kbseek embed --model MODEL --query` prints them):
// recall@10 and recall@100 (the depth hybrid retrieval asks each list for)
// by nprobe, against all lists probed (exact).
// Synthetic unit vectors around 2,000 random centres (text embeddings are
// far from uniform), with the noise norm relative to the centre at 1.0
// ("tight": a point's nearest neighbours share its centre) and 1.5
// ("loose": neighbourhoods straddle centres, the harder and more realistic
// case), plus uniform vectors, the worst case for any IVF. Prints one
// markdown row per nprobe.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <unordered_set>
#include <vector>

#include "bench/storage/report.h"
#include "storage/faiss_index.h"

using kbseek::storage::FaissIndex;
using kbseek::storage::FaissOptions;

namespace {

void normalise(float* v, int d) {
  double s = 0;
  for (int j = 0; j < d; ++j) s += double(v[j]) * v[j];
  const float inv = static_cast<float>(1.0 / std::sqrt(s));
  for (int j = 0; j < d; ++j) v[j] *= inv;
}

// n points; with centres: centre + gaussian noise of norm ~`spread`.
std::vector<float> make_points(int64_t n, int d, float spread, std::mt19937* rng, const std::vector<float>& centres) {
  const bool clustered = !centres.empty();
  std::normal_distribution<float> g(0.f, 1.f);
  const int64_t nc = static_cast<int64_t>(centres.size()) / d;
  std::uniform_int_distribution<int64_t> pick(0, std::max<int64_t>(nc - 1, 0));
  const float sigma = spread / std::sqrt(static_cast<float>(d));
  std::vector<float> x(n * d);
  for (int64_t i = 0; i < n; ++i) {
    float* v = &x[i * d];
    const float* c = clustered ? &centres[pick(*rng) * d] : nullptr;
    for (int j = 0; j < d; ++j) v[j] = clustered ? c[j] + sigma * g(*rng) : g(*rng);
    normalise(v, d);
  }
  return x;
}

int real_index(const std::string& index_path, const std::string& queries_path, const std::string& out, int argc,
               char** argv) {
  std::string table;
  for (bool int8 : {true, false}) {
    FaissOptions options;
    options.int8_scan = int8;
    auto loaded = FaissIndex::load(index_path, options);
    if (!loaded.is_ok()) {
      std::fprintf(stderr, "%s\n", loaded.status().to_string().c_str());
      return 1;
    }
    FaissIndex& index = *loaded.value();
    const int d = index.dimension();
    std::vector<float> q;
    std::ifstream in(queries_path);
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      const auto v = nlohmann::json::parse(line).get<std::vector<float>>();
      if (static_cast<int>(v.size()) != d) {
        std::fprintf(stderr, "%s: a vector of %zu values; the index has %d\n", queries_path.c_str(), v.size(), d);
        return 1;
      }
      q.insert(q.end(), v.begin(), v.end());
    }
    const int nq = static_cast<int>(q.size() / d);
    const int auto_nprobe = index.nprobe();
    auto run = [&](int k, std::vector<std::vector<int64_t>>* hits) {
      hits->assign(nq, {});
      const auto t0 = std::chrono::steady_clock::now();
      for (int i = 0; i < nq; ++i) {
        auto r = index.search(&q[static_cast<size_t>(i) * d], k);
        for (const auto& h : r.value()) (*hits)[i].push_back(h.chunk_id);
      }
      return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / nq;
    };
    auto recall = [&](const std::vector<std::vector<int64_t>>& got, const std::vector<std::vector<int64_t>>& truth,
                      size_t k) {
      size_t found = 0, total = 0;
      for (int i = 0; i < nq; ++i) {
        std::unordered_set<int64_t> want(truth[i].begin(), truth[i].begin() + std::min(k, truth[i].size()));
        total += want.size();
        for (size_t j = 0; j < std::min(k, got[i].size()); ++j) found += want.count(got[i][j]);
      }
      return total ? double(found) / total : 0.0;
    };
    std::vector<std::vector<int64_t>> truth, got;
    index.set_nprobe(1 << 30);  // clamped to nlist: every list
    run(1, &got);               // the first search builds the int8 copy
    const double exact_ms = run(100, &truth);
    if (table.empty()) {
      table =
          "index `" + index_path + "`, " + std::to_string(index.size()) + " vectors, " + index.spec() + ", " +
          std::to_string(nq) + " query vectors from `" + queries_path + "`; truth: every list probed, " +
          "scanned in fp32\n\n| scan | nprobe | recall@10 | recall@100 | ms/query (k = 100) | all lists ms/query |\n"
          "|---|---:|---:|---:|---:|---:|\n";
      std::printf("%s", table.c_str());
    }
    if (int8) {  // the truth is always the fp32 scan's
      FaissOptions exact_options;
      exact_options.int8_scan = false;
      auto exact = FaissIndex::load(index_path, exact_options);
      exact.value()->set_nprobe(1 << 30);
      for (int i = 0; i < nq; ++i) {
        truth[i].clear();
        for (const auto& h : exact.value()->search(&q[static_cast<size_t>(i) * d], 100).value())
          truth[i].push_back(h.chunk_id);
      }
    }
    for (int nprobe : {16, 32, 48, 64, 96, auto_nprobe, 160}) {
      index.set_nprobe(nprobe);
      const double ms = run(100, &got);
      char line[256];
      std::snprintf(line, sizeof line, "| %s | %d%s | %.4f | %.4f | %.3f | %.3f |\n",
                    int8 ? "int8 + fp32 refine" : "fp32", index.nprobe(), nprobe == auto_nprobe ? " (auto)" : "",
                    recall(got, truth, 10), recall(got, truth, 100), ms, exact_ms);
      std::printf("%s", line);
      std::fflush(stdout);
      table += line;
    }
  }
  if (!out.empty()) kbseek::bench::write_results(out, "Storage: IVF recall on a real index", argc, argv, table);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::string out, index_path, queries_path;
  std::vector<std::string> pos;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--out" && i + 1 < argc)
      out = argv[++i];
    else if (a == "--index" && i + 1 < argc)
      index_path = argv[++i];
    else if (a == "--queries" && i + 1 < argc)
      queries_path = argv[++i];
    else
      pos.push_back(argv[i]);
  }
  if (!index_path.empty()) return real_index(index_path, queries_path, out, argc, argv);
  const int64_t n = pos.size() > 0 ? std::atoll(pos[0].c_str()) : 100000;
  const int d = pos.size() > 1 ? std::atoi(pos[1].c_str()) : 384;
  const int nq = pos.size() > 2 ? std::atoi(pos[2].c_str()) : 500;
  const int k = 10;
  std::string table =
      "| data | n | layout | nprobe | recall@10 | ms/query | exact ms/query |\n|---|---:|---|---:|---:|---:|---:|\n";
  std::printf("%s", table.c_str());
  struct Kind {
    const char* name;
    float spread;
  };
  for (Kind kind : {Kind{"tight", 1.0f}, Kind{"loose", 1.5f}, Kind{"uniform", 0.f}}) {
    std::mt19937 rng(42);
    std::vector<float> centres;
    if (kind.spread > 0) centres = make_points(2000, d, 0.f, &rng, {});
    std::vector<float> x = make_points(n, d, kind.spread, &rng, centres);
    std::vector<float> q = make_points(nq, d, kind.spread, &rng, centres);
    std::vector<int64_t> ids(n);
    for (int64_t i = 0; i < n; ++i) ids[i] = 1000 + i;

    auto exact = FaissIndex::create(d, FaissOptions{n + 1, 0}).value();
    if (!exact->add(ids.data(), x.data(), n).is_ok()) return 1;
    std::vector<std::unordered_set<int64_t>> truth(nq);
    auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < nq; ++i) {
      auto hits = exact->search(&q[i * d], k);  // keep the Result alive while iterating
      for (const auto& h : hits.value()) truth[i].insert(h.chunk_id);
    }
    const double exact_ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count() / nq;
    exact.reset();

    auto ivf = FaissIndex::create(d, FaissOptions{1000, 0}).value();
    if (!ivf->add(ids.data(), x.data(), n).is_ok()) return 1;
    for (int nprobe : {0, 16, 32, 64, 128, 256}) {
      ivf->set_nprobe(nprobe);
      int found = 0;
      auto t1 = std::chrono::steady_clock::now();
      for (int i = 0; i < nq; ++i) {
        auto hits = ivf->search(&q[i * d], k);
        for (const auto& h : hits.value()) found += truth[i].count(h.chunk_id);
      }
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t1).count() / nq;
      char line[256];
      std::snprintf(line, sizeof line, "| %s | %lld | %s | %d%s | %.4f | %.3f | %.3f |\n", kind.name,
                    static_cast<long long>(n), ivf->spec().c_str(), ivf->nprobe(), nprobe == 0 ? " (auto)" : "",
                    double(found) / (nq * k), ms, exact_ms);
      std::printf("%s", line);
      std::fflush(stdout);
      table += line;
    }
  }
  if (!out.empty()) kbseek::bench::write_results(out, "Storage: IVF recall (storage_ivf_recall)", argc, argv, table);
  return 0;
}
