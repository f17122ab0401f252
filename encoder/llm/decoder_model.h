// A decoder-only transformer (Qwen 2 / 2.5 today) run from a GGUF file on a
// kernels::Backend, for scoring prompts: prefill only, no sampling.
//
// Blocks, as llama.cpp's qwen2 graph and transformers' Qwen2Model:
//   h = embed(ids)
//   per layer: x = rms_norm(h) · attn_norm
//              q, k, v = x Wqᵀ + bq, x Wkᵀ + bk, x Wvᵀ + bv
//              q, k = rope(q), rope(k)       (NeoX rotate-half, rope_theta)
//              h += causal_gqa_attention(q, k, v) Woᵀ
//              x = rms_norm(h) · ffn_norm
//              h += (silu(x Wgᵀ) ⊙ x Wuᵀ) Wdᵀ
//   out = rms_norm(h) · output_norm; logits = out · Eᵀ (E: output.weight,
//   or token_embd.weight when the model ties them, as Qwen 2.5 0.5B/1.5B do).
//
// Scoring many continuations of one prompt: run_prefix() runs the shared
// start of the prompt (system text and query) once and keeps its keys and
// values at every layer; run_continuations() runs any number of different
// endings (the passages) in one packed batch, each attending to the whole
// prefix and causally to itself, and returns each ending's last hidden state.
// logits_for() then reads only the output rows asked for (the re-ranker's
// "yes" and "no"), full_logits() all of them (tests, greedy checks).
//
// Weights: with WeightFormat::kQuantized the projection matrices stay in the
// file's block types (Q4_K, Q6_K, Q5_0, Q8_0) and the backend multiplies them
// with 8-bit activations as llama.cpp does (kernels/cpu/quant_gemm.h): a
// quarter of fp32's bytes, and the reference's arithmetic. With kF32 or
// kBF16 they are dequantized (kernels/quant) and prepared in that format.
// The embedding and output matrices stay in the file's quantized form and
// are dequantized a row at a time (an embedding lookup, or the few output
// rows a score needs).
//
// Thread-safety: const methods may run concurrently (each call allocates its
// own scratch); the backend's own rules apply.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "core/status.h"
#include "encoder/gguf/gguf_file.h"
#include "encoder/llm/decoder_config.h"
#include "kernels/backend.h"

namespace kbseek::encoder::llm {

class DecoderModel {
 public:
  // Keys and values of a run prefix at every layer ([length × kv_width]
  // each, in the backend's memory, after rope).
  struct Prefix {
    int length = 0;
    std::vector<kernels::Buffer> k, v;
  };

  // Reads the configuration and every tensor, checking names, types and
  // shapes (errors name the file and tensor). The backend must support
  // rms_norm, rope, causal_attention, swiglu, add_bias and add, and the
  // weight format: InvalidArgument naming what is missing otherwise.
  static core::Result<std::unique_ptr<DecoderModel>> load(std::unique_ptr<gguf::GgufFile> file,
                                                          kernels::Backend* backend, kernels::WeightFormat format);
  ~DecoderModel();

  const DecoderConfig& config() const { return config_; }
  const gguf::GgufFile& file() const { return *file_; }
  kernels::Backend* backend() const { return backend_; }
  kernels::WeightFormat weight_format() const { return format_; }

  // Runs `ids` (1 or more tokens) from position 0 and keeps their keys and
  // values. InvalidArgument for an id outside the vocabulary or a prompt
  // longer than context_length.
  core::Result<Prefix> run_prefix(const std::vector<int32_t>& ids) const;

  // Runs num_seqs continuations of `prefix` packed back to back in `ids`
  // (sequence b is ids[offsets[b] .. offsets[b+1]), each at least one token;
  // offsets is a host array of num_seqs + 1 entries, offsets[0] = 0), each
  // from position prefix.length. `prefix` may be empty (length 0): then each
  // sequence is a whole prompt. Writes the output-normed hidden state of each
  // sequence's last token to last_hidden [num_seqs × hidden_size] (host).
  core::Status run_continuations(const Prefix& prefix, const int32_t* ids, const int* offsets, int num_seqs,
                                 float* last_hidden) const;

  // out[i × count + j] = hidden[i] · E[vocab_ids[j]] for n hidden rows
  // (host). InvalidArgument for an id outside the vocabulary.
  core::Status logits_for(const float* hidden, int n, const int32_t* vocab_ids, int count, float* out) const;
  // Every logit of one hidden row: out[vocab_size] (host).
  core::Status full_logits(const float* hidden, float* out) const;

 private:
  struct Layer;
  struct Scratch;

  DecoderModel() = default;
  core::Status run(const Prefix* past, Prefix* keep, const int32_t* ids, const int* offsets, int num_seqs,
                   float* last_hidden) const;
  core::Status run_layer(size_t index, Scratch& s, int tokens, const int* offsets, int num_seqs, const Prefix* past,
                         Prefix* keep) const;
  core::Status embed(const int32_t* ids, int tokens, float* host_out) const;

  DecoderConfig config_;
  std::unique_ptr<gguf::GgufFile> file_;
  kernels::Backend* backend_ = nullptr;
  kernels::WeightFormat format_ = kernels::WeightFormat::kF32;
  std::vector<Layer> layers_;
  kernels::Buffer output_norm_;
  const gguf::GgufFile::TensorView* embed_ = nullptr;   // token_embd.weight, quantized
  const gguf::GgufFile::TensorView* output_ = nullptr;  // output.weight, or embed_ when tied
};

}  // namespace kbseek::encoder::llm
