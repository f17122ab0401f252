// Deterministic benchmark inputs: short queries and ~200-token passages,
// English with some Chinese, from a fixed seed so every run (and the Python
// reference, which reads the file bench_encoder writes) sees the same texts.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace kbseek::bench {

struct BenchInputs {
  std::vector<std::string> short_texts;  // 8–14 words
  std::vector<std::string> long_texts;   // long_sentences × 12 words each
};

// Long texts are `long_sentences` sentences of 12 words (14: ≈200 BERT word
// pieces; 34: ≈512 Gemma tokens).
BenchInputs make_bench_inputs(int num_short, int num_long, int long_sentences = 14);

}  // namespace kbseek::bench
