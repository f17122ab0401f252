// Quantized products (Backend::prepare_quantized) on the CPU against the
// fp32 (OpenBLAS), bf16 and int8 prepared weights, same shapes, same run:
// Qwen2.5-0.5B's MLP matrices (896 → 4864 and 4864 → 896) and EmbeddingGemma's
// (768 → 2304 gate|up, 1152 → 768 down) at 1 row (a decode step), 128 rows (a
// prefill) and 1024 rows (two 512-token passages of an encoder batch). Prints GFLOP/s (2·rows·in·out per product), the
// best of several timed batches, on every instruction set the CPU has.
//
//   bench_quant_gemm [threads]   (default: the whole team)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "kernels/backend.h"
#include "kernels/cpu/quant_gemm.h"

namespace {

using kbseek::kernels::PreparedWeights;
using kbseek::kernels::WeightFormat;
using kbseek::kernels::quant::QuantType;
namespace quant = kbseek::kernels::quant;
namespace cpu = kbseek::kernels::cpu;

// Best of 5 batches of ~0.1 s each, in seconds per call.
double time_call(const std::function<void()>& fn) {
  fn();
  int reps = 1;
  for (;;) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < reps; ++i) fn();
    const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (s > 0.1) break;
    reps *= 2;
  }
  double best = 1e30;
  for (int b = 0; b < 5; ++b) {
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < reps; ++i) fn();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / reps);
  }
  return best;
}

// Timing needs valid blocks, not meaningful ones: random bytes with a sane
// fp16 scale in every block.
std::vector<uint8_t> random_blocks(QuantType t, int out, int in) {
  std::mt19937 rng(1);
  std::vector<uint8_t> data(quant::row_bytes(t, in) * out);
  for (auto& b : data) b = static_cast<uint8_t>(rng());
  const uint16_t d = quant::fp32_to_fp16(0.01f);
  const size_t bb = quant::block_bytes(t);
  for (size_t off = 0; off < data.size(); off += bb) {
    const size_t at = t == QuantType::kQ6_K ? offsetof(quant::BlockQ6K, d) : 0;
    std::memcpy(&data[off + at], &d, 2);
    if (t == QuantType::kQ4_K) std::memcpy(&data[off + 2], &d, 2);
  }
  return data;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1) kbseek::kernels::set_cpu_threads(std::atoi(argv[1]));
  auto* be = kbseek::kernels::cpu_backend();
  struct Shape {
    int in, out;
  };
  const Shape shapes[] = {{896, 4864}, {4864, 896}, {768, 2304}, {1152, 768}};
  const int row_counts[] = {1, 128, 1024};
  std::printf("best quantized ISA: %s\n\n", cpu::quant_isa_name(cpu::best_quant_isa()));
  std::printf("| in -> out | rows | weights | GFLOP/s | ms |\n|---|---|---|---|---|\n");
  for (const Shape s : shapes) {
    std::vector<float> w(static_cast<size_t>(s.out) * s.in);
    std::mt19937 rng(2);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    for (float& v : w) v = u(rng) * 0.05f;
    struct Candidate {
      std::string name;
      std::unique_ptr<PreparedWeights> w;
      cpu::QuantIsa isa;
    };
    std::vector<Candidate> cands;
    cands.push_back({"fp32 (OpenBLAS)", be->prepare_weights(w.data(), s.out, s.in, WeightFormat::kF32).value(),
                     cpu::QuantIsa::kScalar});
    if (be->supports_weights(WeightFormat::kBF16)) {
      cands.push_back(
          {"bf16", be->prepare_weights(w.data(), s.out, s.in, WeightFormat::kBF16).value(), cpu::QuantIsa::kScalar});
    }
    if (be->supports_weights(WeightFormat::kInt8)) {
      cands.push_back({"int8 (VNNI)", be->prepare_weights(w.data(), s.out, s.in, WeightFormat::kInt8).value(),
                       cpu::QuantIsa::kScalar});
    }
    for (const QuantType t : {QuantType::kQ4_K, QuantType::kQ6_K, QuantType::kQ5_0, QuantType::kQ8_0}) {
      if (s.in % quant::block_elements(t) != 0) continue;
      const auto blocks = random_blocks(t, s.out, s.in);
      for (int isa = static_cast<int>(cpu::QuantIsa::kAvx2); isa <= static_cast<int>(cpu::best_quant_isa()); ++isa) {
        auto pw = be->prepare_quantized(blocks.data(), t, s.out, s.in);
        cands.push_back({std::string(quant::name(t)) + " " + cpu::quant_isa_name(static_cast<cpu::QuantIsa>(isa)),
                         std::move(pw).value(), static_cast<cpu::QuantIsa>(isa)});
      }
    }
    for (const int rows : row_counts) {
      std::vector<float> x(static_cast<size_t>(rows) * s.in), y(static_cast<size_t>(rows) * s.out);
      for (float& v : x) v = u(rng);
      for (const Candidate& c : cands) {
        const double sec = time_call([&] {
          if (c.w->format() == WeightFormat::kQuantized) {
            (void)cpu::quant_linear_isa(x.data(), rows, *c.w, y.data(), c.isa);
          } else {
            (void)be->linear_prepared(x.data(), rows, *c.w, y.data());
          }
        });
        std::printf("| %d -> %d | %d | %s | %.1f | %.3f |\n", s.in, s.out, rows, c.name.c_str(),
                    2.0 * rows * s.in * s.out / sec * 1e-9, sec * 1e3);
      }
    }
  }
  return 0;
}
