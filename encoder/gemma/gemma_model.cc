// Gemma 3 encoder forward. Each projection is one sgemm over all packed
// tokens; norms, rotary embedding, attention and GeGLU are backend ops.
#include "encoder/gemma/gemma_model.h"

#include <cmath>
#include <string>

#include "encoder/precision.h"
#include "kernels/quant/quant_types.h"

namespace kbseek::encoder {
namespace {

using kernels::Buffer;

struct Loader {
  const SafetensorsFile& file;
  kernels::Backend* backend;
  kernels::WeightFormat format;

  core::Result<Buffer> upload(const std::vector<float>& data) const {
    KB_ASSIGN_OR_RETURN(Buffer buf, backend->allocate(data.size()));
    KB_RETURN_IF_ERROR(backend->copy_to_device(buf.data(), data.data(), data.size()));
    return buf;
  }
  core::Result<std::unique_ptr<kernels::PreparedWeights>> matrix(const std::string& name,
                                                                 std::vector<int64_t> shape) const {
    KB_ASSIGN_OR_RETURN(std::vector<float> data, file.read_f32(name, shape));
    return prepare(data, shape);
  }
  core::Result<std::unique_ptr<kernels::PreparedWeights>> prepare(const std::vector<float>& data,
                                                                  const std::vector<int64_t>& shape) const {
    const int out = static_cast<int>(shape[0]), in = static_cast<int>(shape[1]);
    auto w = prepare_matrix(backend, data, out, in, format);
    if (!w.is_ok()) return w.status().with_context(file.path());
    return w;
  }
  // Gemma's RMSNorm multiplies by (1 + w), computed in fp32 as transformers does.
  core::Result<Buffer> norm(const std::string& name, int64_t width) const {
    KB_ASSIGN_OR_RETURN(std::vector<float> w, file.read_f32(name, {width}));
    for (float& x : w) x = 1.0f + x;
    return upload(w);
  }
  core::Result<std::unique_ptr<kernels::PreparedWeights>> stacked(const std::string& a, const std::string& b,
                                                                  std::vector<int64_t> shape) const {
    KB_ASSIGN_OR_RETURN(std::vector<float> all, file.read_f32(a, shape));
    KB_ASSIGN_OR_RETURN(std::vector<float> second, file.read_f32(b, shape));
    all.insert(all.end(), second.begin(), second.end());
    return prepare(all, {2 * shape[0], shape[1]});
  }
};

}  // namespace

// Activations for one forward, sized for `tokens`.
struct GemmaModel::Scratch {
  Buffer h, x, q, k, v, ctx, gu, act;
};

core::Result<std::unique_ptr<GemmaModel>> GemmaModel::load(std::unique_ptr<SafetensorsFile> weights,
                                                           const GemmaConfig& c, kernels::Backend* backend,
                                                           kernels::WeightFormat format) {
  for (kernels::Op op : {kernels::Op::kLinear, kernels::Op::kRmsNorm, kernels::Op::kRope, kernels::Op::kGqaAttention,
                         kernels::Op::kGeglu}) {
    if (!backend->supports(op)) {
      return core::Status::invalid_argument(backend->device_name() + " lacks op " + kernels::op_name(op) +
                                            ", which Gemma needs");
    }
  }
  const bool q8_0 = format == kernels::WeightFormat::kQuantized;
  if (q8_0 ? !backend->supports_quantized(kernels::quant::QuantType::kQ8_0) : !backend->supports_weights(format)) {
    return core::Status::invalid_argument(backend->device_name() + " cannot hold " +
                                          kernels::weight_format_name(format) + " weights");
  }
  std::unique_ptr<GemmaModel> m(new GemmaModel());
  m->config_ = c;
  m->backend_ = backend;
  m->format_ = format;
  const Loader ld{*weights, backend, format};
  const int64_t h = c.hidden_size, hd = c.head_dim, inter = c.intermediate_size;
  const int64_t qw = static_cast<int64_t>(c.num_heads) * hd, kvw = static_cast<int64_t>(c.num_kv_heads) * hd;
  KB_ASSIGN_OR_RETURN(m->embed_, weights->view_f32("embed_tokens.weight", {c.vocab_size, h}));
  m->embed_scale_ = static_cast<float>(std::sqrt(static_cast<double>(c.hidden_size)));
  for (int i = 0; i < c.num_layers; ++i) {
    const std::string p = "layers." + std::to_string(i) + ".";
    Layer l;
    l.sliding = c.sliding[i];
    KB_ASSIGN_OR_RETURN(l.w_q, ld.matrix(p + "self_attn.q_proj.weight", {qw, h}));
    KB_ASSIGN_OR_RETURN(l.w_k, ld.matrix(p + "self_attn.k_proj.weight", {kvw, h}));
    KB_ASSIGN_OR_RETURN(l.w_v, ld.matrix(p + "self_attn.v_proj.weight", {kvw, h}));
    KB_ASSIGN_OR_RETURN(l.w_o, ld.matrix(p + "self_attn.o_proj.weight", {h, qw}));
    KB_ASSIGN_OR_RETURN(l.q_norm, ld.norm(p + "self_attn.q_norm.weight", hd));
    KB_ASSIGN_OR_RETURN(l.k_norm, ld.norm(p + "self_attn.k_norm.weight", hd));
    KB_ASSIGN_OR_RETURN(l.w_gate_up, ld.stacked(p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight", {inter, h}));
    KB_ASSIGN_OR_RETURN(l.w_down, ld.matrix(p + "mlp.down_proj.weight", {h, inter}));
    KB_ASSIGN_OR_RETURN(l.input_norm, ld.norm(p + "input_layernorm.weight", h));
    KB_ASSIGN_OR_RETURN(l.post_attn_norm, ld.norm(p + "post_attention_layernorm.weight", h));
    KB_ASSIGN_OR_RETURN(l.pre_ff_norm, ld.norm(p + "pre_feedforward_layernorm.weight", h));
    KB_ASSIGN_OR_RETURN(l.post_ff_norm, ld.norm(p + "post_feedforward_layernorm.weight", h));
    m->layers_.push_back(std::move(l));
  }
  KB_ASSIGN_OR_RETURN(m->final_norm_, ld.norm("norm.weight", h));
  m->weights_ = std::move(weights);
  return core::Result<std::unique_ptr<GemmaModel>>(std::move(m));
}

core::Status GemmaModel::run_layer(const Layer& l, Scratch& s, int tokens, const int* offsets, int num_seqs) const {
  kernels::Backend* be = backend_;
  const GemmaConfig& c = config_;
  const int h = c.hidden_size, hd = c.head_dim, inter = c.intermediate_size;
  const int qw = c.num_heads * hd, kvw = c.num_kv_heads * hd;
  const float eps = c.rms_norm_eps;
  KB_RETURN_IF_ERROR(be->rms_norm(s.h.data(), s.x.data(), tokens, h, l.input_norm.data(), eps, false));
  KB_RETURN_IF_ERROR(be->linear_prepared(s.x.data(), tokens, *l.w_q, s.q.data()));
  KB_RETURN_IF_ERROR(be->linear_prepared(s.x.data(), tokens, *l.w_k, s.k.data()));
  KB_RETURN_IF_ERROR(be->linear_prepared(s.x.data(), tokens, *l.w_v, s.v.data()));
  KB_RETURN_IF_ERROR(be->rms_norm(s.q.data(), s.q.data(), tokens * c.num_heads, hd, l.q_norm.data(), eps, false));
  KB_RETURN_IF_ERROR(be->rms_norm(s.k.data(), s.k.data(), tokens * c.num_kv_heads, hd, l.k_norm.data(), eps, false));
  const float base = l.sliding ? c.rope_local_base_freq : c.rope_theta;
  KB_RETURN_IF_ERROR(be->rope(s.q.data(), qw, num_seqs, offsets, c.num_heads, hd, base, 0));
  KB_RETURN_IF_ERROR(be->rope(s.k.data(), kvw, num_seqs, offsets, c.num_kv_heads, hd, base, 0));
  const float scale = 1.0f / std::sqrt(c.query_pre_attn_scalar);
  KB_RETURN_IF_ERROR(be->gqa_attention(s.q.data(), s.k.data(), s.v.data(), s.ctx.data(), num_seqs, offsets, c.num_heads,
                                       c.num_kv_heads, hd, scale, l.sliding ? c.sliding_window : 0));
  KB_RETURN_IF_ERROR(be->linear_prepared(s.ctx.data(), tokens, *l.w_o, s.x.data()));
  KB_RETURN_IF_ERROR(be->rms_norm(s.x.data(), s.h.data(), tokens, h, l.post_attn_norm.data(), eps, true));
  KB_RETURN_IF_ERROR(be->rms_norm(s.h.data(), s.x.data(), tokens, h, l.pre_ff_norm.data(), eps, false));
  KB_RETURN_IF_ERROR(be->linear_prepared(s.x.data(), tokens, *l.w_gate_up, s.gu.data()));
  KB_RETURN_IF_ERROR(be->geglu(s.gu.data(), s.act.data(), tokens, inter));
  KB_RETURN_IF_ERROR(be->linear_prepared(s.act.data(), tokens, *l.w_down, s.x.data()));
  return be->rms_norm(s.x.data(), s.h.data(), tokens, h, l.post_ff_norm.data(), eps, true);
}

core::Status GemmaModel::forward(const int32_t* ids, const int* offsets, int num_seqs, float* hidden_out) const {
  const GemmaConfig& c = config_;
  const int tokens = offsets[num_seqs];
  if (tokens == 0) return core::Status::ok();
  for (int b = 0; b < num_seqs; ++b) {
    const int len = offsets[b + 1] - offsets[b];
    if (len < 1 || len > c.max_position_embeddings) {
      return core::Status::invalid_argument("sequence " + std::to_string(b) + " has " + std::to_string(len) +
                                            " tokens; the model takes 1 to " +
                                            std::to_string(c.max_position_embeddings));
    }
  }
  const size_t n = static_cast<size_t>(tokens), h = c.hidden_size;
  // Host backend: embed straight into the residual stream; device: embed
  // into hidden_out (as staging) and upload.
  Scratch s;
  KB_ASSIGN_OR_RETURN(s.h, backend_->allocate(n * h));
  float* staging = backend_->is_host_memory() ? s.h.data() : hidden_out;
  for (size_t t = 0; t < n; ++t) {
    const int32_t id = ids[t];
    if (id < 0 || id >= c.vocab_size) {
      return core::Status::invalid_argument("token id " + std::to_string(id) + " is outside the vocabulary (" +
                                            std::to_string(c.vocab_size) + ")");
    }
    const float* e = embed_ + static_cast<size_t>(id) * h;
    float* o = staging + t * h;
    for (size_t j = 0; j < h; ++j) o[j] = e[j] * embed_scale_;
  }
  if (!backend_->is_host_memory()) KB_RETURN_IF_ERROR(backend_->copy_to_device(s.h.data(), staging, n * h));
  const size_t qw = static_cast<size_t>(c.num_heads) * c.head_dim,
               kvw = static_cast<size_t>(c.num_kv_heads) * c.head_dim;
  KB_ASSIGN_OR_RETURN(s.x, backend_->allocate(n * h));
  KB_ASSIGN_OR_RETURN(s.q, backend_->allocate(n * qw));
  KB_ASSIGN_OR_RETURN(s.k, backend_->allocate(n * kvw));
  KB_ASSIGN_OR_RETURN(s.v, backend_->allocate(n * kvw));
  KB_ASSIGN_OR_RETURN(s.ctx, backend_->allocate(n * qw));
  KB_ASSIGN_OR_RETURN(s.gu, backend_->allocate(n * 2 * c.intermediate_size));
  KB_ASSIGN_OR_RETURN(s.act, backend_->allocate(n * c.intermediate_size));
  for (const Layer& l : layers_) KB_RETURN_IF_ERROR(run_layer(l, s, tokens, offsets, num_seqs));
  KB_RETURN_IF_ERROR(backend_->rms_norm(s.h.data(), s.x.data(), tokens, static_cast<int>(h), final_norm_.data(),
                                        c.rms_norm_eps, false));
  return backend_->copy_to_host(hidden_out, s.x.data(), n * h);
}

}  // namespace kbseek::encoder
