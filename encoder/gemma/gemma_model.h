// The Gemma 3 transformer as a bidirectional encoder (EmbeddingGemma), on a
// kernels::Backend, built from the decoder blocks the LLM re-ranking stage
// will share: scaled token embedding, then per layer
//   x = RMSNorm(h); q, k, v = x Wq, x Wk, x Wv; q, k = RMSNorm per head, RoPE
//   (base 10,000 on sliding layers, 1,000,000 on full ones);
//   a = grouped-query attention (bidirectional; window on sliding layers);
//   h += RMSNorm(a Wo); h += RMSNorm(GeGLU(RMSNorm(h) [Wgate|Wup]) Wdown)
// and a final RMSNorm. Every RMSNorm weight w is applied as (1 + w), folded
// at load. Matches transformers' Gemma3TextModel with
// use_bidirectional_attention (tests/encoder/gemma: golden vectors).
//
// Inputs are packed, not padded, like BertModel: sequence b owns rows
// [offsets[b], offsets[b+1]) of every activation, so each projection is one
// sgemm over all tokens and attention never crosses sequences.
//
// Weights: layer matrices are copied to the backend at load (fp32, ~400 MB
// for EmbeddingGemma-300M); the 262k × 768 token embedding is read in place
// from the mapped safetensors file (805 MB that a copy would double), so the
// model keeps the SafetensorsFile open.
//
// Thread-safety: forward() is const; concurrent calls run in parallel on a
// host backend, each with its own activations.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/status.h"
#include "encoder/gemma/gemma_config.h"
#include "encoder/safetensors.h"
#include "kernels/backend.h"

namespace kbseek::encoder {

class GemmaModel {
 public:
  // Takes the opened model.safetensors (kept for the embedding table) and
  // checks every tensor's shape against `config`. Errors name the file and
  // tensor. The backend must support the decoder-block ops (rms_norm, rope,
  // gqa_attention, geglu): InvalidArgument naming the op otherwise. The
  // projection matrices are prepared in `format` (the backend must support
  // it): bf16 halves their 400 MB and the bytes each forward streams;
  // kInt8 (the backend's own int8 products) and kQuantized (each row
  // quantized at load to Q8_0 blocks and run by the quantized kernels; the
  // backend must support Q8_0) both keep about a quarter.
  static core::Result<std::unique_ptr<GemmaModel>> load(std::unique_ptr<SafetensorsFile> weights,
                                                        const GemmaConfig& config, kernels::Backend* backend,
                                                        kernels::WeightFormat format);

  const GemmaConfig& config() const { return config_; }
  kernels::Backend* backend() const { return backend_; }
  kernels::WeightFormat weight_format() const { return format_; }

  // ids: offsets[num_seqs] token ids; offsets: num_seqs+1 entries (host),
  // each sequence 1 to max_position_embeddings long. hidden_out: host array
  // of offsets[num_seqs] * hidden_size floats, the final-normed hidden
  // states. InvalidArgument for an id or length out of range.
  core::Status forward(const int32_t* ids, const int* offsets, int num_seqs, float* hidden_out) const;

 private:
  struct Layer {
    using Weights = std::unique_ptr<kernels::PreparedWeights>;
    Weights w_q, w_k, w_v, w_o;  // [heads*hd, H], [kv*hd, H] ×2, [H, heads*hd]
    Weights w_gate_up;           // [2I, H]: gate rows then up rows
    Weights w_down;              // [H, I]
    kernels::Buffer input_norm, post_attn_norm, pre_ff_norm, post_ff_norm;  // (1 + w), [H]
    kernels::Buffer q_norm, k_norm;                                         // (1 + w), [hd]
    bool sliding = false;
  };
  struct Scratch;

  GemmaModel() = default;
  core::Status run_layer(const Layer& l, Scratch& s, int tokens, const int* offsets, int num_seqs) const;

  GemmaConfig config_;
  kernels::Backend* backend_ = nullptr;
  kernels::WeightFormat format_ = kernels::WeightFormat::kF32;
  std::unique_ptr<SafetensorsFile> weights_;
  const float* embed_ = nullptr;  // [vocab, H] inside weights_
  float embed_scale_ = 1.0f;      // sqrt(hidden), rounded to fp32 as transformers does
  std::vector<Layer> layers_;
  kernels::Buffer final_norm_;
};

}  // namespace kbseek::encoder
