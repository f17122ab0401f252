// BERT forward. Dense layers are one sgemm each over all packed tokens (the
// shape OpenBLAS and cuBLAS run fastest); the bias, GELU, residual and
// LayerNorm passes are the backend's vectorised ops.
#include "encoder/bert_model.h"

#include <cstring>

#include "encoder/precision.h"
#include "encoder/safetensors.h"

namespace kbseek::encoder {
namespace {

using kernels::Buffer;

struct Loader {
  const SafetensorsFile& file;
  kernels::Backend* backend;
  std::string prefix;  // "" or "bert."

  core::Result<std::vector<float>> host(const std::string& name, std::vector<int64_t> shape) const {
    return file.read_f32(prefix + name, shape);
  }
  core::Result<Buffer> device(const std::vector<float>& data) const {
    KB_ASSIGN_OR_RETURN(Buffer buf, backend->allocate(data.size()));
    KB_RETURN_IF_ERROR(backend->copy_to_device(buf.data(), data.data(), data.size()));
    return buf;
  }
  core::Result<Buffer> device(const std::string& name, std::vector<int64_t> shape) const {
    KB_ASSIGN_OR_RETURN(std::vector<float> data, host(name, std::move(shape)));
    return device(data);
  }
  // Concatenates same-width tensors row-wise (query|key|value into one matrix).
  core::Result<std::vector<float>> concat_host(const std::vector<std::string>& names,
                                               std::vector<int64_t> shape) const {
    std::vector<float> all;
    for (const std::string& n : names) {
      KB_ASSIGN_OR_RETURN(std::vector<float> part, host(n, shape));
      all.insert(all.end(), part.begin(), part.end());
    }
    return all;
  }
  core::Result<Buffer> concat(const std::vector<std::string>& names, std::vector<int64_t> shape) const {
    KB_ASSIGN_OR_RETURN(std::vector<float> all, concat_host(names, std::move(shape)));
    return device(all);
  }
  // A projection [out x in] in `format`; names are concatenated row-wise.
  core::Result<BertModel::Projection> projection(const std::vector<std::string>& names, int64_t out, int64_t in,
                                                 kernels::WeightFormat format) const {
    KB_ASSIGN_OR_RETURN(std::vector<float> w, concat_host(names, {out / static_cast<int64_t>(names.size()), in}));
    BertModel::Projection p;
    if (format == kernels::WeightFormat::kF32) {
      KB_ASSIGN_OR_RETURN(p.fp32, device(w));
    } else {
      auto prepared = prepare_matrix(backend, w, static_cast<int>(out), static_cast<int>(in), format);
      if (!prepared.is_ok()) return prepared.status().with_context(file.path() + ": " + prefix + names[0]);
      p.prepared = std::move(prepared).value();
    }
    return p;
  }
};

}  // namespace

core::Result<std::unique_ptr<BertModel>> BertModel::load(const SafetensorsFile& weights, const BertConfig& config,
                                                         kernels::Backend* backend, kernels::WeightFormat format) {
  std::unique_ptr<BertModel> m(new BertModel());
  m->config_ = config;
  m->backend_ = backend;
  Loader ld{weights, backend, weights.contains("bert.embeddings.word_embeddings.weight") ? "bert." : ""};
  const int64_t h = config.hidden_size, inter = config.intermediate_size;
  KB_ASSIGN_OR_RETURN(m->word_emb_, ld.host("embeddings.word_embeddings.weight", {config.vocab_size, h}));
  KB_ASSIGN_OR_RETURN(m->pos_emb_,
                      ld.host("embeddings.position_embeddings.weight", {config.max_position_embeddings, h}));
  KB_ASSIGN_OR_RETURN(m->type_emb_, ld.host("embeddings.token_type_embeddings.weight", {config.type_vocab_size, h}));
  KB_ASSIGN_OR_RETURN(m->emb_ln_gamma_, ld.device("embeddings.LayerNorm.weight", {h}));
  KB_ASSIGN_OR_RETURN(m->emb_ln_beta_, ld.device("embeddings.LayerNorm.bias", {h}));
  for (int i = 0; i < config.num_layers; ++i) {
    const std::string p = "encoder.layer." + std::to_string(i) + ".";
    const std::string att = p + "attention.self.";
    Layer l;
    KB_ASSIGN_OR_RETURN(
        l.w_qkv, ld.projection({att + "query.weight", att + "key.weight", att + "value.weight"}, 3 * h, h, format));
    KB_ASSIGN_OR_RETURN(l.b_qkv, ld.concat({att + "query.bias", att + "key.bias", att + "value.bias"}, {h}));
    KB_ASSIGN_OR_RETURN(l.w_out, ld.projection({p + "attention.output.dense.weight"}, h, h, format));
    KB_ASSIGN_OR_RETURN(l.b_out, ld.device(p + "attention.output.dense.bias", {h}));
    KB_ASSIGN_OR_RETURN(l.ln1_gamma, ld.device(p + "attention.output.LayerNorm.weight", {h}));
    KB_ASSIGN_OR_RETURN(l.ln1_beta, ld.device(p + "attention.output.LayerNorm.bias", {h}));
    KB_ASSIGN_OR_RETURN(l.w_up, ld.projection({p + "intermediate.dense.weight"}, inter, h, format));
    KB_ASSIGN_OR_RETURN(l.b_up, ld.device(p + "intermediate.dense.bias", {inter}));
    KB_ASSIGN_OR_RETURN(l.w_down, ld.projection({p + "output.dense.weight"}, h, inter, format));
    KB_ASSIGN_OR_RETURN(l.b_down, ld.device(p + "output.dense.bias", {h}));
    KB_ASSIGN_OR_RETURN(l.ln2_gamma, ld.device(p + "output.LayerNorm.weight", {h}));
    KB_ASSIGN_OR_RETURN(l.ln2_beta, ld.device(p + "output.LayerNorm.bias", {h}));
    m->layers_.push_back(std::move(l));
  }
  return core::Result<std::unique_ptr<BertModel>>(std::move(m));
}

core::Status BertModel::embed(const int32_t* ids, const int* offsets, int num_seqs, float* out) const {
  const int h = config_.hidden_size;
  for (int b = 0; b < num_seqs; ++b) {
    const int len = offsets[b + 1] - offsets[b];
    if (len < 0 || len > config_.max_position_embeddings) {
      return core::Status::invalid_argument("sequence " + std::to_string(b) + " has " + std::to_string(len) +
                                            " tokens; the model takes 0 to " +
                                            std::to_string(config_.max_position_embeddings));
    }
    for (int t = 0; t < len; ++t) {
      const int32_t id = ids[offsets[b] + t];
      if (id < 0 || id >= config_.vocab_size) {
        return core::Status::invalid_argument("token id " + std::to_string(id) + " is outside the vocabulary (" +
                                              std::to_string(config_.vocab_size) + ")");
      }
      const float* w = word_emb_.data() + static_cast<size_t>(id) * h;
      const float* p = pos_emb_.data() + static_cast<size_t>(t) * h;
      const float* ty = type_emb_.data();  // segment 0
      float* o = out + static_cast<size_t>(offsets[b] + t) * h;
      for (int c = 0; c < h; ++c) o[c] = w[c] + p[c] + ty[c];
    }
  }
  return core::Status::ok();
}

core::Status BertModel::project(const float* x, int rows, int in, const Projection& w, const float* bias, float* y,
                                int out) const {
  if (w.prepared == nullptr) return backend_->linear(x, rows, in, w.fp32.data(), bias, y, out);
  KB_RETURN_IF_ERROR(backend_->linear_prepared(x, rows, *w.prepared, y));
  return bias != nullptr ? backend_->add_bias(y, rows, out, bias) : core::Status::ok();
}

core::Status BertModel::run_layer(const Layer& l, int tokens, const int* offsets, int num_seqs, float* x, float* qkv,
                                  float* ctx, float* tmp, float* up) const {
  kernels::Backend* be = backend_;
  const int h = config_.hidden_size, inter = config_.intermediate_size;
  const float eps = config_.layer_norm_eps;
  KB_RETURN_IF_ERROR(project(x, tokens, h, l.w_qkv, l.b_qkv.data(), qkv, 3 * h));
  KB_RETURN_IF_ERROR(be->attention(qkv, ctx, num_seqs, offsets, config_.num_heads, config_.head_dim()));
  KB_RETURN_IF_ERROR(project(ctx, tokens, h, l.w_out, l.b_out.data(), tmp, h));
  KB_RETURN_IF_ERROR(be->layernorm(tmp, x, x, tokens, h, l.ln1_gamma.data(), l.ln1_beta.data(), eps));
  KB_RETURN_IF_ERROR(project(x, tokens, h, l.w_up, nullptr, up, inter));
  KB_RETURN_IF_ERROR(be->bias_gelu(up, tokens, inter, l.b_up.data()));
  KB_RETURN_IF_ERROR(project(up, tokens, inter, l.w_down, l.b_down.data(), tmp, h));
  return be->layernorm(tmp, x, x, tokens, h, l.ln2_gamma.data(), l.ln2_beta.data(), eps);
}

core::Status BertModel::forward(const int32_t* ids, const int* offsets, int num_seqs, float* hidden_out) const {
  const int tokens = offsets[num_seqs];
  if (tokens == 0) return core::Status::ok();
  const size_t h = config_.hidden_size, inter = config_.intermediate_size;
  const size_t n = static_cast<size_t>(tokens);
  std::unique_lock<std::mutex> lock(device_mu_, std::defer_lock);
  if (!backend_->is_host_memory()) lock.lock();

  // Host backend: embed straight into the activation buffer; device: embed
  // into hidden_out (as staging) and upload.
  KB_ASSIGN_OR_RETURN(kernels::Buffer x, backend_->allocate(n * h));
  float* staging = backend_->is_host_memory() ? x.data() : hidden_out;
  KB_RETURN_IF_ERROR(embed(ids, offsets, num_seqs, staging));
  if (!backend_->is_host_memory()) KB_RETURN_IF_ERROR(backend_->copy_to_device(x.data(), staging, n * h));
  KB_RETURN_IF_ERROR(backend_->layernorm(x.data(), nullptr, x.data(), tokens, static_cast<int>(h), emb_ln_gamma_.data(),
                                         emb_ln_beta_.data(), config_.layer_norm_eps));

  KB_ASSIGN_OR_RETURN(kernels::Buffer qkv, backend_->allocate(n * 3 * h));
  KB_ASSIGN_OR_RETURN(kernels::Buffer ctx, backend_->allocate(n * h));
  KB_ASSIGN_OR_RETURN(kernels::Buffer tmp, backend_->allocate(n * h));
  KB_ASSIGN_OR_RETURN(kernels::Buffer up, backend_->allocate(n * inter));
  for (const Layer& l : layers_) {
    KB_RETURN_IF_ERROR(
        run_layer(l, tokens, offsets, num_seqs, x.data(), qkv.data(), ctx.data(), tmp.data(), up.data()));
  }
  return backend_->copy_to_host(hidden_out, x.data(), n * h);
}

}  // namespace kbseek::encoder
