// The BERT transformer forward pass on a kernels::Backend: embeddings,
// N encoder layers (fused QKV projection, multi-head attention, output
// projection + residual + LayerNorm, GELU FFN + residual + LayerNorm).
//
// Inputs are packed, not padded: sequence b's tokens occupy rows
// [offsets[b], offsets[b+1]) of every activation, so dense layers run as one
// large sgemm over all tokens of the batch and no work is spent on padding.
// Token type ids are all 0 (single-segment input).
//
// Weights are read from model.safetensors (names with or without a "bert."
// prefix; F32, F16 or BF16) and copied to the backend once at load; word,
// position and type embeddings stay on the host, where the lookup happens.
// The four projections of each layer are kept in the weight format load()
// is given (encoder/precision.h): fp32 as read, or prepared by the backend
// (int8 on CPUs with AVX512-VNNI by default: a query's few rows are bound by
// reading the weights, and int8 reads a quarter of the bytes).
//
// Thread-safety: forward() is const. On a host-memory backend concurrent
// calls run in parallel, each with its own activations; on a device backend
// they are serialised by an internal mutex.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"
#include "encoder/bert_config.h"
#include "kernels/backend.h"

namespace kbseek::encoder {

class SafetensorsFile;

class BertModel {
 public:
  // Loads and checks every tensor's shape against `config`. Errors name the
  // file and tensor (NotFound, InvalidArgument for a shape mismatch).
  static core::Result<std::unique_ptr<BertModel>> load(const SafetensorsFile& weights, const BertConfig& config,
                                                       kernels::Backend* backend,
                                                       kernels::WeightFormat format = kernels::WeightFormat::kF32);

  const BertConfig& config() const { return config_; }

  // A projection's weights: fp32 on the backend, or prepared (one of the two).
  struct Projection {
    kernels::Buffer fp32;
    std::unique_ptr<kernels::PreparedWeights> prepared;
  };
  kernels::Backend* backend() const { return backend_; }

  // ids: offsets[num_seqs] token ids (each in [0, vocab_size)); offsets:
  // num_seqs+1 entries, each sequence at most max_position_embeddings long.
  // hidden_out: host array of offsets[num_seqs] * hidden_size floats, the
  // last layer's hidden states. InvalidArgument for an id or length out of range.
  core::Status forward(const int32_t* ids, const int* offsets, int num_seqs, float* hidden_out) const;

 private:
  struct Layer {
    Projection w_qkv;  // [3H, H]: query | key | value rows
    kernels::Buffer b_qkv;
    Projection w_out;  // [H, H]
    kernels::Buffer b_out;
    kernels::Buffer ln1_gamma, ln1_beta;
    Projection w_up;  // [I, H]
    kernels::Buffer b_up;
    Projection w_down;  // [H, I]
    kernels::Buffer b_down;
    kernels::Buffer ln2_gamma, ln2_beta;
  };

  BertModel() = default;
  core::Status embed(const int32_t* ids, const int* offsets, int num_seqs, float* out) const;
  // y = x Wᵀ (+ bias when not null).
  core::Status project(const float* x, int rows, int in, const Projection& w, const float* bias, float* y,
                       int out) const;
  core::Status run_layer(const Layer& layer, int tokens, const int* offsets, int num_seqs, float* x, float* qkv,
                         float* ctx, float* tmp, float* up) const;

  BertConfig config_;
  kernels::Backend* backend_ = nullptr;
  std::vector<float> word_emb_, pos_emb_, type_emb_;  // host
  kernels::Buffer emb_ln_gamma_, emb_ln_beta_;
  std::vector<Layer> layers_;
  mutable std::mutex device_mu_;  // held during a forward on a device backend
};

}  // namespace kbseek::encoder
