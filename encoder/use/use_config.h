// The hyper-parameters of a use-m3 model folder (config.json, written by
// scripts/convert_use_m3.py). Every field is required, so a folder written
// for another family never half-loads:
//   architectures ["UniversalSentenceEncoderM3"], model_type "use-m3",
//   embedding_rows 128010, embedding_dim 512, ngram_dim 256,
//   ngram_orders [[2,0],[3,1],[5,2]] (n-gram width, tokens of left context),
//   dnn_dim 320, hidden_size 512 (the pooled width and the output dimension),
//   layer_norm_eps, max_seq_length (tokens incl. BOS/EOS), tokenizer_file,
//   bos_id, eos_id.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace kbseek::encoder {

inline constexpr const char* kUseM3Architecture = "UniversalSentenceEncoderM3";
inline constexpr const char* kUseM3ModelType = "use-m3";

struct NgramOrder {
  int width = 0;  // n: tokens in the window
  int left = 0;   // tokens of left context; the window is [t - left, t - left + width)
};

struct UseConfig {
  int embedding_rows = 0;
  int embedding_dim = 0;
  int ngram_dim = 0;
  std::vector<NgramOrder> ngram_orders;
  int dnn_dim = 0;
  int hidden_size = 0;
  float layer_norm_eps = 1e-12f;
  int max_seq_length = 0;
  std::string tokenizer_file;
  int bos_id = 0;
  int eos_id = 0;

  // Columns of the per-token feature row: embedding then each n-gram branch.
  int feature_dim() const { return embedding_dim + static_cast<int>(ngram_orders.size()) * ngram_dim; }
};

// Parses config.json text. InvalidArgument naming `path` and the field when
// one is missing, of the wrong type or out of range (e.g. left >= width,
// max_seq_length < 3), or when the architecture is not use-m3.
core::Result<UseConfig> parse_use_config(const std::string& json_text, const std::string& path);

}  // namespace kbseek::encoder
