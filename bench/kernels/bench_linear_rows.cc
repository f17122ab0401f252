// bench_linear_rows: the CPU backend's products for a linear layer by row
// count (a search query is ~10-40 tokens; a batch of passages thousands):
// fp32 linear() (OpenBLAS sgemm on W as given) against prepared bf16
// (AVX512-BF16) and int8 (AVX512-VNNI, else AVX2) weights where the CPU has them, on
// all-MiniLM-L6-v2's and EmbeddingGemma's layer shapes, same run, one thread.
// Small row counts are bound by reading W from memory: fewer bytes per weight
// is what helps there.
//
//   build/bench/kernels/bench_linear_rows [--threads N]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "kernels/backend.h"
#include "kernels/cpu/quant_gemm.h"

namespace {

using kbseek::kernels::Backend;
using kbseek::kernels::PreparedWeights;
using kbseek::kernels::WeightFormat;

double ms_per_call(const std::function<void()>& fn) {
  fn();  // warm
  int reps = 0;
  const auto t0 = std::chrono::steady_clock::now();
  double elapsed = 0;
  do {
    fn();
    ++reps;
    elapsed = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  } while (elapsed < 200.0);
  return elapsed / reps;
}

}  // namespace

int main(int argc, char** argv) {
  int threads = 1;
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--threads") == 0) threads = std::atoi(argv[i + 1]);
  Backend* be = kbseek::kernels::cpu_backend();
  kbseek::kernels::set_cpu_threads(threads);
  const bool bf16 = be->supports_weights(WeightFormat::kBF16), int8 = be->supports_weights(WeightFormat::kInt8);
  struct Shape {
    const char* name;
    int in, out;
  };
  const Shape shapes[] = {{"MiniLM qkv", 384, 1152},
                          {"MiniLM up", 384, 1536},
                          {"MiniLM down", 1536, 384},
                          {"Gemma gate_up", 768, 2 * 1152},
                          {"Gemma down", 1152, 768}};
  std::printf(
      "threads %d; int8 on %s; ms per call (\"-\": the CPU lacks the instructions)\n\n"
      "| shape | in x out | rows | fp32 sgemm | bf16 | int8 | fp32/bf16 | fp32/int8 |\n"
      "|---|---|---:|---:|---:|---:|---:|---:|\n",
      threads, kbseek::kernels::cpu::quant_isa_name(kbseek::kernels::cpu::best_quant_isa()));
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  for (const Shape& s : shapes) {
    std::vector<float> w(static_cast<size_t>(s.in) * s.out), b(s.out);
    for (float& v : w) v = u(rng);
    for (float& v : b) v = u(rng);
    std::unique_ptr<PreparedWeights> wb, wi;
    if (bf16) wb = std::move(be->prepare_weights(w.data(), s.out, s.in, WeightFormat::kBF16)).value();
    if (int8) wi = std::move(be->prepare_weights(w.data(), s.out, s.in, WeightFormat::kInt8)).value();
    for (int rows : {1, 4, 8, 16, 32, 64, 128, 512}) {
      std::vector<float> x(static_cast<size_t>(rows) * s.in), y(static_cast<size_t>(rows) * s.out);
      for (float& v : x) v = u(rng);
      const double f =
          ms_per_call([&] { (void)be->linear(x.data(), rows, s.in, w.data(), b.data(), y.data(), s.out); });
      const double h = bf16 ? ms_per_call([&] { (void)be->linear_prepared(x.data(), rows, *wb, y.data()); }) : 0;
      const double q = int8 ? ms_per_call([&] { (void)be->linear_prepared(x.data(), rows, *wi, y.data()); }) : 0;
      auto cell = [](bool have, double v) {
        char out[32] = "-";
        if (have) std::snprintf(out, sizeof out, "%.3f", v);
        return std::string(out);
      };
      std::printf("| %s | %d x %d | %d | %.3f | %s | %s | %s | %s |\n", s.name, s.in, s.out, rows, f,
                  cell(bf16, h).c_str(), cell(int8, q).c_str(), cell(bf16, f / (h > 0 ? h : 1)).c_str(),
                  cell(int8, f / (q > 0 ? q : 1)).c_str());
      std::fflush(stdout);
    }
  }
  return 0;
}
