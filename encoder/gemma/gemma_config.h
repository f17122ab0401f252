// Gemma 3 text-model hyper-parameters (config.json of a Gemma3TextModel
// folder, e.g. EmbeddingGemma-300M) and the sentence-transformers modules an
// embedding model stacks on it (modules.json: pooling, Dense layers,
// Normalize).
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace kbseek::encoder {

struct GemmaConfig {
  int vocab_size = 0;
  int hidden_size = 0;
  int num_layers = 0;
  int num_heads = 0;     // query heads
  int num_kv_heads = 0;  // key/value heads (grouped-query attention)
  int head_dim = 0;
  int intermediate_size = 0;
  int max_position_embeddings = 0;
  // A sliding layer's query sees keys at distance < sliding_window: config.json's
  // value W becomes W/2 + 1 for a bidirectional model, as transformers does
  // (EmbeddingGemma: 512 → 257, i.e. 256 tokens on each side).
  int sliding_window = 0;
  float rms_norm_eps = 1e-6f;
  float rope_theta = 1e6f;            // full-attention layers
  float rope_local_base_freq = 1e4f;  // sliding layers
  float query_pre_attn_scalar = 0;    // attention scale = query_pre_attn_scalar^-1/2
  std::vector<bool> sliding;          // per layer: true for "sliding_attention"
};

// Parses config.json text. InvalidArgument naming `path` and the field for a
// missing or out-of-range value, and for what this implementation does not
// run: causal attention (use_bidirectional_attention must be true: this is
// the encoder, not the decoder), rope_scaling, logit soft-capping, attention
// bias, an activation other than gelu_pytorch_tanh, heads not dividing evenly.
core::Result<GemmaConfig> parse_gemma_config(const std::string& json_text, const std::string& path);

// One sentence-transformers Dense module: y = x Wᵀ (+ b), identity activation.
struct DenseModule {
  std::string dir;  // e.g. "2_Dense", relative to the model folder
  int in_features = 0, out_features = 0;
  bool bias = false;
};

// The modules after the transformer, from modules.json: mean pooling (the
// only pooling this family runs), then Dense modules in order, then
// Normalize. InvalidArgument naming the file for anything else (a module
// type we do not run, a non-identity activation, dimensions that do not
// chain from `hidden_size`).
core::Result<std::vector<DenseModule>> load_dense_modules(const std::string& model_dir, int hidden_size);

}  // namespace kbseek::encoder
