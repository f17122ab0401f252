// Hyper-parameters of a decoder-only LLM read from a GGUF file's metadata
// (llama.cpp's keys, "<arch>.block_count" and so on), for the re-ranking
// stage. Qwen 2 / Qwen 2.5 ("qwen2") is the family run today.
#pragma once

#include <string>

#include "core/status.h"
#include "encoder/gguf/gguf_file.h"

namespace kbseek::encoder::llm {

struct DecoderConfig {
  std::string architecture;    // general.architecture, e.g. "qwen2"
  std::string name;            // general.name, for logs ("" when absent)
  int num_layers = 0;          // <arch>.block_count
  int hidden_size = 0;         // <arch>.embedding_length
  int intermediate_size = 0;   // <arch>.feed_forward_length
  int num_heads = 0;           // <arch>.attention.head_count
  int num_kv_heads = 0;        // <arch>.attention.head_count_kv (grouped-query)
  int head_dim = 0;            // hidden_size / num_heads
  int vocab_size = 0;          // rows of token_embd.weight
  int context_length = 0;      // <arch>.context_length: the longest prompt run
  float rms_norm_eps = 1e-6f;  // <arch>.attention.layer_norm_rms_epsilon
  float rope_theta = 1e4f;     // <arch>.rope.freq_base (NeoX rotate-half rotation)
  bool qkv_bias = false;       // Qwen 2 has biases on q, k and v
};

// Reads the configuration. InvalidArgument naming the file and key for an
// architecture other than qwen2, a missing or out-of-range value, heads that
// do not divide evenly, or what this implementation does not run (rope
// scaling of any kind, an odd head size).
core::Result<DecoderConfig> read_decoder_config(const gguf::GgufFile& file);

}  // namespace kbseek::encoder::llm
