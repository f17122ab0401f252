// The Qwen 2 decoder's forward pass on a kernels::Backend. Why the pieces
// are where they are: the embedding table (136 M values for Qwen 2.5) stays
// quantized in the mapping and only the looked-up rows are dequantized; the
// output head is read a row at a time because a relevance score needs two
// rows of it, not 151,936.
#include "encoder/llm/decoder_model.h"

#include <algorithm>
#include <cmath>

#include "kernels/quant/quant_types.h"

namespace kbseek::encoder::llm {

using kernels::Buffer;
using Weights = std::unique_ptr<kernels::PreparedWeights>;
using Tensor = gguf::GgufFile::TensorView;

struct DecoderModel::Layer {
  Buffer attn_norm, ffn_norm;  // [H]
  Weights w_q, w_k, w_v, w_o;  // [qw, H], [kvw, H] ×2, [H, qw]
  Buffer b_q, b_k, b_v;        // Qwen 2's q/k/v biases (empty without)
  Weights w_gate_up;           // [2I, H]: gate rows then up rows
  Weights w_down;              // [H, I]
};

struct DecoderModel::Scratch {
  Buffer h, x, q, k, v, ctx, gu, act;
};

namespace {

struct Loader {
  const gguf::GgufFile& file;
  kernels::Backend* backend;
  kernels::WeightFormat format;

  core::Result<const Tensor*> shaped(const std::string& name, std::vector<int64_t> dims) const {
    KB_ASSIGN_OR_RETURN(const Tensor* t, file.tensor(name));
    if (t->dims != dims) {
      std::string want, got;
      for (int64_t d : dims) want += (want.empty() ? "" : " x ") + std::to_string(d);
      for (int64_t d : t->dims) got += (got.empty() ? "" : " x ") + std::to_string(d);
      return core::Status::invalid_argument(file.path() + ": tensor " + name + " is [" + got + "], expected [" + want +
                                            "] (ggml order)");
    }
    return t;
  }
  core::Result<Buffer> vector(const std::string& name, int64_t n) const {
    KB_RETURN_IF_ERROR(shaped(name, {n}).status());
    KB_ASSIGN_OR_RETURN(std::vector<float> data, file.read_f32(name));
    KB_ASSIGN_OR_RETURN(Buffer buf, backend->allocate(data.size()));
    KB_RETURN_IF_ERROR(backend->copy_to_device(buf.data(), data.data(), data.size()));
    return buf;
  }
  // W [out × in]: ggml dims {in, out}. Several tensors of one width stack
  // (gate rows then up rows). kQuantized keeps the file's blocks when every
  // stacked tensor has one type the backend multiplies; otherwise (mixed
  // types, F32/F16 tensors) they are dequantized and prepared in fp32.
  core::Result<Weights> matrix(const std::vector<std::string>& names, int64_t in,
                               const std::vector<int64_t>& outs) const {
    std::vector<const Tensor*> tensors;
    int64_t rows = 0;
    for (size_t i = 0; i < names.size(); ++i) {
      KB_ASSIGN_OR_RETURN(const Tensor* t, shaped(names[i], {in, outs[i]}));
      tensors.push_back(t);
      rows += outs[i];
    }
    if (format == kernels::WeightFormat::kQuantized) {
      bool same = backend->supports_quantized(tensors[0]->type);
      for (const Tensor* t : tensors) same = same && t->type == tensors[0]->type;
      if (same) {
        std::vector<uint8_t> blocks;
        for (const Tensor* t : tensors) {
          const auto* b = static_cast<const uint8_t*>(t->data);
          blocks.insert(blocks.end(), b, b + t->bytes);
        }
        auto w =
            backend->prepare_quantized(blocks.data(), tensors[0]->type, static_cast<int>(rows), static_cast<int>(in));
        if (!w.is_ok()) return w.status().with_context(file.path() + ": " + names[0]);
        return std::move(w).value();
      }
    }
    std::vector<float> all;
    for (const std::string& name : names) {
      KB_ASSIGN_OR_RETURN(std::vector<float> data, file.read_f32(name));
      all.insert(all.end(), data.begin(), data.end());
    }
    const kernels::WeightFormat dense =
        format == kernels::WeightFormat::kQuantized ? kernels::WeightFormat::kF32 : format;
    auto w = backend->prepare_weights(all.data(), static_cast<int>(rows), static_cast<int>(in), dense);
    if (!w.is_ok()) return w.status().with_context(file.path() + ": " + names[0]);
    return std::move(w).value();
  }
};

}  // namespace

DecoderModel::~DecoderModel() = default;

core::Result<std::unique_ptr<DecoderModel>> DecoderModel::load(std::unique_ptr<gguf::GgufFile> file,
                                                               kernels::Backend* backend,
                                                               kernels::WeightFormat format) {
  for (kernels::Op op : {kernels::Op::kLinear, kernels::Op::kRmsNorm, kernels::Op::kRope, kernels::Op::kCausalAttention,
                         kernels::Op::kSwiglu, kernels::Op::kAddBias, kernels::Op::kAdd}) {
    if (!backend->supports(op)) {
      return core::Status::invalid_argument(backend->device_name() + " does not support " + kernels::op_name(op) +
                                            ", which the decoder needs");
    }
  }
  if (format != kernels::WeightFormat::kQuantized && !backend->supports_weights(format)) {
    return core::Status::invalid_argument(backend->device_name() + " cannot hold " +
                                          kernels::weight_format_name(format) + " weights");
  }
  std::unique_ptr<DecoderModel> m(new DecoderModel());
  KB_ASSIGN_OR_RETURN(m->config_, read_decoder_config(*file));
  m->backend_ = backend;
  m->format_ = format;
  const DecoderConfig& c = m->config_;
  const Loader ld{*file, backend, format};
  const int64_t h = c.hidden_size, inter = c.intermediate_size;
  const int64_t qw = static_cast<int64_t>(c.num_heads) * c.head_dim;
  const int64_t kvw = static_cast<int64_t>(c.num_kv_heads) * c.head_dim;
  KB_ASSIGN_OR_RETURN(m->embed_, ld.shaped("token_embd.weight", {h, c.vocab_size}));
  if (file->tensor("output.weight").is_ok()) {
    KB_ASSIGN_OR_RETURN(m->output_, ld.shaped("output.weight", {h, c.vocab_size}));
  } else {
    m->output_ = m->embed_;
  }
  KB_ASSIGN_OR_RETURN(m->output_norm_, ld.vector("output_norm.weight", h));
  m->layers_.resize(c.num_layers);
  for (int i = 0; i < c.num_layers; ++i) {
    const std::string p = "blk." + std::to_string(i) + ".";
    Layer& l = m->layers_[i];
    KB_ASSIGN_OR_RETURN(l.attn_norm, ld.vector(p + "attn_norm.weight", h));
    KB_ASSIGN_OR_RETURN(l.ffn_norm, ld.vector(p + "ffn_norm.weight", h));
    KB_ASSIGN_OR_RETURN(l.w_q, ld.matrix({p + "attn_q.weight"}, h, {qw}));
    KB_ASSIGN_OR_RETURN(l.w_k, ld.matrix({p + "attn_k.weight"}, h, {kvw}));
    KB_ASSIGN_OR_RETURN(l.w_v, ld.matrix({p + "attn_v.weight"}, h, {kvw}));
    KB_ASSIGN_OR_RETURN(l.w_o, ld.matrix({p + "attn_output.weight"}, qw, {h}));
    if (c.qkv_bias) {
      KB_ASSIGN_OR_RETURN(l.b_q, ld.vector(p + "attn_q.bias", qw));
      KB_ASSIGN_OR_RETURN(l.b_k, ld.vector(p + "attn_k.bias", kvw));
      KB_ASSIGN_OR_RETURN(l.b_v, ld.vector(p + "attn_v.bias", kvw));
    }
    KB_ASSIGN_OR_RETURN(l.w_gate_up, ld.matrix({p + "ffn_gate.weight", p + "ffn_up.weight"}, h, {inter, inter}));
    KB_ASSIGN_OR_RETURN(l.w_down, ld.matrix({p + "ffn_down.weight"}, inter, {h}));
  }
  m->file_ = std::move(file);
  return m;
}

core::Status DecoderModel::embed(const int32_t* ids, int tokens, float* host_out) const {
  const int64_t h = config_.hidden_size;
  const size_t row = kernels::quant::row_bytes(embed_->type, h);
  for (int t = 0; t < tokens; ++t) {
    if (ids[t] < 0 || ids[t] >= config_.vocab_size) {
      return core::Status::invalid_argument("token id " + std::to_string(ids[t]) + " is outside the vocabulary (" +
                                            std::to_string(config_.vocab_size) + ")");
    }
    kernels::quant::dequantize_row(embed_->type, static_cast<const uint8_t*>(embed_->data) + row * ids[t],
                                   host_out + static_cast<size_t>(t) * h, h);
  }
  return core::Status::ok();
}

core::Result<DecoderModel::Prefix> DecoderModel::run_prefix(const std::vector<int32_t>& ids) const {
  if (ids.empty()) return core::Status::invalid_argument("run_prefix: no tokens");
  Prefix keep;
  const int offsets[2] = {0, static_cast<int>(ids.size())};
  KB_RETURN_IF_ERROR(run(nullptr, &keep, ids.data(), offsets, 1, nullptr));
  return keep;
}

core::Status DecoderModel::run_continuations(const Prefix& prefix, const int32_t* ids, const int* offsets, int num_seqs,
                                             float* last_hidden) const {
  return run(&prefix, nullptr, ids, offsets, num_seqs, last_hidden);
}

core::Status DecoderModel::run(const Prefix* past, Prefix* keep, const int32_t* ids, const int* offsets, int num_seqs,
                               float* last_hidden) const {
  const DecoderConfig& c = config_;
  const int past_len = past != nullptr ? past->length : 0;
  for (int b = 0; b < num_seqs; ++b) {
    const int len = offsets[b + 1] - offsets[b];
    if (len < 1 || past_len + len > c.context_length) {
      return core::Status::invalid_argument("sequence " + std::to_string(b) + " has " + std::to_string(len) +
                                            " tokens after a prefix of " + std::to_string(past_len) +
                                            "; the model takes 1 to " + std::to_string(c.context_length) + " in all");
    }
  }
  const int tokens = offsets[num_seqs];
  const size_t n = static_cast<size_t>(tokens), h = c.hidden_size;
  const size_t qw = static_cast<size_t>(c.num_heads) * c.head_dim,
               kvw = static_cast<size_t>(c.num_kv_heads) * c.head_dim;
  Scratch s;
  KB_ASSIGN_OR_RETURN(s.h, backend_->allocate(n * h));
  std::vector<float> host(n * h);
  KB_RETURN_IF_ERROR(embed(ids, tokens, host.data()));
  KB_RETURN_IF_ERROR(backend_->copy_to_device(s.h.data(), host.data(), n * h));
  KB_ASSIGN_OR_RETURN(s.x, backend_->allocate(n * h));
  KB_ASSIGN_OR_RETURN(s.q, backend_->allocate(n * qw));
  KB_ASSIGN_OR_RETURN(s.ctx, backend_->allocate(n * qw));
  KB_ASSIGN_OR_RETURN(s.gu, backend_->allocate(n * 2 * c.intermediate_size));
  KB_ASSIGN_OR_RETURN(s.act, backend_->allocate(n * c.intermediate_size));
  if (keep != nullptr) {
    keep->length = tokens;
    keep->k.clear();
    keep->v.clear();
  } else {
    KB_ASSIGN_OR_RETURN(s.k, backend_->allocate(n * kvw));
    KB_ASSIGN_OR_RETURN(s.v, backend_->allocate(n * kvw));
  }
  for (size_t i = 0; i < layers_.size(); ++i) {
    if (keep != nullptr) {
      KB_ASSIGN_OR_RETURN(Buffer k, backend_->allocate(n * kvw));
      KB_ASSIGN_OR_RETURN(Buffer v, backend_->allocate(n * kvw));
      keep->k.push_back(std::move(k));
      keep->v.push_back(std::move(v));
    }
    KB_RETURN_IF_ERROR(run_layer(i, s, tokens, offsets, num_seqs, past, keep));
  }
  if (last_hidden == nullptr) return core::Status::ok();
  // Only each sequence's last row goes through the output norm and home.
  for (int b = 0; b < num_seqs; ++b) {
    KB_RETURN_IF_ERROR(backend_->rms_norm(s.h.data() + static_cast<size_t>(offsets[b + 1] - 1) * h,
                                          s.x.data() + static_cast<size_t>(b) * h, 1, static_cast<int>(h),
                                          output_norm_.data(), c.rms_norm_eps, false));
  }
  return backend_->copy_to_host(last_hidden, s.x.data(), static_cast<size_t>(num_seqs) * h);
}

core::Status DecoderModel::run_layer(size_t index, Scratch& s, int tokens, const int* offsets, int num_seqs,
                                     const Prefix* past, Prefix* keep) const {
  const DecoderConfig& c = config_;
  const Layer& l = layers_[index];
  kernels::Backend* be = backend_;
  const int h = c.hidden_size, hd = c.head_dim, inter = c.intermediate_size;
  const int qw = c.num_heads * hd, kvw = c.num_kv_heads * hd;
  const int past_len = past != nullptr ? past->length : 0;
  float* k = keep != nullptr ? keep->k[index].data() : s.k.data();
  float* v = keep != nullptr ? keep->v[index].data() : s.v.data();
  KB_RETURN_IF_ERROR(be->rms_norm(s.h.data(), s.x.data(), tokens, h, l.attn_norm.data(), c.rms_norm_eps, false));
  KB_RETURN_IF_ERROR(be->linear_prepared(s.x.data(), tokens, *l.w_q, s.q.data()));
  KB_RETURN_IF_ERROR(be->linear_prepared(s.x.data(), tokens, *l.w_k, k));
  KB_RETURN_IF_ERROR(be->linear_prepared(s.x.data(), tokens, *l.w_v, v));
  if (c.qkv_bias) {
    KB_RETURN_IF_ERROR(be->add_bias(s.q.data(), tokens, qw, l.b_q.data()));
    KB_RETURN_IF_ERROR(be->add_bias(k, tokens, kvw, l.b_k.data()));
    KB_RETURN_IF_ERROR(be->add_bias(v, tokens, kvw, l.b_v.data()));
  }
  KB_RETURN_IF_ERROR(be->rope(s.q.data(), qw, num_seqs, offsets, c.num_heads, hd, c.rope_theta, past_len));
  KB_RETURN_IF_ERROR(be->rope(k, kvw, num_seqs, offsets, c.num_kv_heads, hd, c.rope_theta, past_len));
  const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
  const float* pk = past_len > 0 ? past->k[index].data() : nullptr;
  const float* pv = past_len > 0 ? past->v[index].data() : nullptr;
  KB_RETURN_IF_ERROR(be->causal_attention(s.q.data(), k, v, pk, pv, past_len, s.ctx.data(), num_seqs, offsets,
                                          c.num_heads, c.num_kv_heads, hd, scale));
  KB_RETURN_IF_ERROR(be->linear_prepared(s.ctx.data(), tokens, *l.w_o, s.x.data()));
  KB_RETURN_IF_ERROR(be->add(s.h.data(), s.x.data(), static_cast<size_t>(tokens) * h));
  KB_RETURN_IF_ERROR(be->rms_norm(s.h.data(), s.x.data(), tokens, h, l.ffn_norm.data(), c.rms_norm_eps, false));
  KB_RETURN_IF_ERROR(be->linear_prepared(s.x.data(), tokens, *l.w_gate_up, s.gu.data()));
  KB_RETURN_IF_ERROR(be->swiglu(s.gu.data(), s.act.data(), tokens, inter));
  KB_RETURN_IF_ERROR(be->linear_prepared(s.act.data(), tokens, *l.w_down, s.x.data()));
  return be->add(s.h.data(), s.x.data(), static_cast<size_t>(tokens) * h);
}

core::Status DecoderModel::logits_for(const float* hidden, int n, const int32_t* vocab_ids, int count,
                                      float* out) const {
  const int64_t h = config_.hidden_size;
  const size_t row = kernels::quant::row_bytes(output_->type, h);
  // With quantized weights the hidden rows go through the 8-bit activation
  // format the quantized products use (Q8_0 for 32-value blocks, Q8_K for
  // K-quants), as llama.cpp's output product does: the same logits as the
  // reference to float rounding, not merely close.
  std::vector<float> x(hidden, hidden + static_cast<size_t>(n) * h);
  if (format_ == kernels::WeightFormat::kQuantized) {
    const kernels::quant::QuantType t = output_->type;
    const bool k_quant = t == kernels::quant::QuantType::kQ4_K || t == kernels::quant::QuantType::kQ6_K;
    const bool q8_0 = t == kernels::quant::QuantType::kQ8_0 || t == kernels::quant::QuantType::kQ5_0;
    for (int i = 0; i < n && (k_quant || q8_0); ++i) {
      float* xi = x.data() + static_cast<size_t>(i) * h;
      if (k_quant && h % kernels::quant::kQK_K == 0) {
        std::vector<kernels::quant::BlockQ8K> blocks(h / kernels::quant::kQK_K);
        kernels::quant::quantize_row_q8_k(xi, blocks.data(), h);
        kernels::quant::dequantize_row_q8_k(blocks.data(), xi, h);
      } else if (q8_0 && h % 32 == 0) {
        std::vector<uint8_t> q(kernels::quant::row_bytes(kernels::quant::QuantType::kQ8_0, h));
        kernels::quant::quantize_row_q8_0(xi, q.data(), h);
        kernels::quant::dequantize_row(kernels::quant::QuantType::kQ8_0, q.data(), xi, h);
      }
    }
  }
  std::vector<float> w(h);
  for (int j = 0; j < count; ++j) {
    if (vocab_ids[j] < 0 || vocab_ids[j] >= config_.vocab_size) {
      return core::Status::invalid_argument("logits_for: token id " + std::to_string(vocab_ids[j]) +
                                            " is outside the vocabulary");
    }
    kernels::quant::dequantize_row(output_->type, static_cast<const uint8_t*>(output_->data) + row * vocab_ids[j],
                                   w.data(), h);
    for (int i = 0; i < n; ++i) {
      const float* xi = x.data() + static_cast<size_t>(i) * h;
      double dot = 0;
      for (int64_t e = 0; e < h; ++e) dot += static_cast<double>(xi[e]) * w[e];
      out[static_cast<size_t>(i) * count + j] = static_cast<float>(dot);
    }
  }
  return core::Status::ok();
}

core::Status DecoderModel::full_logits(const float* hidden, float* out) const {
  std::vector<int32_t> ids(config_.vocab_size);
  for (int i = 0; i < config_.vocab_size; ++i) ids[i] = i;
  return logits_for(hidden, 1, ids.data(), config_.vocab_size, out);
}

}  // namespace kbseek::encoder::llm
