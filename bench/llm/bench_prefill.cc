// Prefill speed of our Qwen 2 decoder on the golden prompts (the token ids
// llama.cpp was given), one prompt at a time, as the golden driver runs them
// in llama.cpp; then the re-ranking shape: one query's prompts scored with
// the shared prefix and packed batches. Prints tokens/s; run the peer with
// tests/encoder/llm/gen_llama_golden.sh's driver on the same prompts in the
// same session (bench/llm/run_prefill.sh does both).
//   bench_prefill MODEL.gguf GOLDEN.jsonl [fp32|bf16|quantized]
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "encoder/llm/decoder_model.h"
#include "kernels/backend.h"

using namespace kbseek;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_prefill MODEL.gguf GOLDEN.jsonl [fp32|bf16|int8|quantized]\n");
    return 2;
  }
  const std::string fmt = argc > 3 ? argv[3] : "quantized";
  const kernels::WeightFormat format = fmt == "fp32"   ? kernels::WeightFormat::kF32
                                       : fmt == "bf16" ? kernels::WeightFormat::kBF16
                                       : fmt == "int8" ? kernels::WeightFormat::kInt8
                                                       : kernels::WeightFormat::kQuantized;
  std::vector<std::vector<int32_t>> prompts;
  std::ifstream in(argv[2]);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line);
    if (j.contains("tokens")) prompts.push_back(j["tokens"].get<std::vector<int32_t>>());
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto file = encoder::gguf::GgufFile::open(argv[1]);
  if (!file.is_ok()) return std::fprintf(stderr, "%s\n", file.status().to_string().c_str()), 1;
  auto model = encoder::llm::DecoderModel::load(std::move(file).value(), kernels::cpu_backend(), format);
  if (!model.is_ok()) return std::fprintf(stderr, "%s\n", model.status().to_string().c_str()), 1;
  const double load_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const auto& m = *model.value();
  std::vector<float> hidden(m.config().hidden_size);
  size_t tokens = 0;
  const auto t1 = std::chrono::steady_clock::now();
  for (const auto& p : prompts) {
    const int offsets[2] = {0, static_cast<int>(p.size())};
    if (!m.run_continuations({}, p.data(), offsets, 1, hidden.data()).is_ok()) return 1;
    tokens += p.size();
  }
  const double one_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  // Re-ranking shape: the prompts in groups of 10 sharing their common start.
  size_t run_tokens = 0;
  const auto t2 = std::chrono::steady_clock::now();
  for (size_t g = 0; g + 10 <= prompts.size(); g += 10) {
    size_t shared = prompts[g].size();
    for (size_t i = g; i < g + 10; ++i) {
      size_t n = 0;
      while (n < shared && n < prompts[i].size() && prompts[i][n] == prompts[g][n]) ++n;
      shared = std::min(n, prompts[i].size() - 1);
    }
    auto prefix = m.run_prefix(std::vector<int32_t>(prompts[g].begin(), prompts[g].begin() + shared));
    if (!prefix.is_ok()) return 1;
    std::vector<int32_t> packed;
    std::vector<int> offsets = {0};
    for (size_t i = g; i < g + 10; ++i) {
      packed.insert(packed.end(), prompts[i].begin() + shared, prompts[i].end());
      offsets.push_back(static_cast<int>(packed.size()));
    }
    std::vector<float> last(10 * m.config().hidden_size);
    if (!m.run_continuations(prefix.value(), packed.data(), offsets.data(), 10, last.data()).is_ok()) return 1;
    run_tokens += shared + packed.size();
  }
  const double batch_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t2).count();
  const size_t grouped = prompts.size() / 10 * 10;
  size_t grouped_tokens = 0;
  for (size_t i = 0; i < grouped; ++i) grouped_tokens += prompts[i].size();
  std::printf("kbseek decoder (%s weights): load %.1f s\n", kernels::weight_format_name(format), load_s);
  std::printf("| run | prompts | prompt tokens | seconds | prompt tokens/s |\n|---|---:|---:|---:|---:|\n");
  std::printf("| one prompt per prefill | %zu | %zu | %.2f | %.0f |\n", prompts.size(), tokens, one_s, tokens / one_s);
  std::printf("| 10 per query, shared prefix, packed (%zu tokens run) | %zu | %zu | %.2f | %.0f |\n", run_tokens,
              grouped, grouped_tokens, batch_s, grouped_tokens / batch_s);
  return 0;
}
