// ivf_recall: recall@10 of FaissIndex's IVF layout against exact search.
//
//   storage_ivf_recall [--out FILE] [n=100000] [dim=384] [queries=500]
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

}  // namespace

int main(int argc, char** argv) {
  std::string out;
  std::vector<std::string> pos;
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--out" && i + 1 < argc)
      out = argv[++i];
    else
      pos.push_back(argv[i]);
  }
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
