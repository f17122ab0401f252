// Gemma 3 config.json and the sentence-transformers module chain.
#include "encoder/gemma/gemma_config.h"

#include "core/file_util.h"
#include "encoder/config_json.h"

namespace kbseek::encoder {

using nlohmann::json;

core::Result<GemmaConfig> parse_gemma_config(const std::string& json_text, const std::string& path) {
  json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return core::Status::invalid_argument(path + ": not a JSON object");
  GemmaConfig c;
  KB_RETURN_IF_ERROR(read_int(j, "vocab_size", path, 1, &c.vocab_size));
  KB_RETURN_IF_ERROR(read_int(j, "hidden_size", path, 1, &c.hidden_size));
  KB_RETURN_IF_ERROR(read_int(j, "num_hidden_layers", path, 1, &c.num_layers));
  KB_RETURN_IF_ERROR(read_int(j, "num_attention_heads", path, 1, &c.num_heads));
  KB_RETURN_IF_ERROR(read_int(j, "num_key_value_heads", path, 1, &c.num_kv_heads));
  KB_RETURN_IF_ERROR(read_int(j, "head_dim", path, 2, &c.head_dim));
  KB_RETURN_IF_ERROR(read_int(j, "intermediate_size", path, 1, &c.intermediate_size));
  KB_RETURN_IF_ERROR(read_int(j, "max_position_embeddings", path, 2, &c.max_position_embeddings));
  KB_RETURN_IF_ERROR(read_int(j, "sliding_window", path, 1, &c.sliding_window));
  KB_RETURN_IF_ERROR(read_float(j, "rms_norm_eps", path, &c.rms_norm_eps));
  KB_RETURN_IF_ERROR(read_float(j, "rope_theta", path, &c.rope_theta));
  KB_RETURN_IF_ERROR(read_float(j, "rope_local_base_freq", path, &c.rope_local_base_freq));
  KB_RETURN_IF_ERROR(read_float(j, "query_pre_attn_scalar", path, &c.query_pre_attn_scalar));
  auto bad = [&](const std::string& what) { return core::Status::invalid_argument(path + ": " + what); };
  if (c.num_heads % c.num_kv_heads != 0) {
    return bad("num_attention_heads " + std::to_string(c.num_heads) + " is not a multiple of num_key_value_heads " +
               std::to_string(c.num_kv_heads));
  }
  if (c.head_dim % 2 != 0) return bad("head_dim must be even for rotary embeddings");
  if (c.query_pre_attn_scalar <= 0) return bad("query_pre_attn_scalar must be positive");
  if (!j.value("use_bidirectional_attention", false)) {
    return bad("use_bidirectional_attention is not true: kbseek runs Gemma 3 as a bidirectional encoder only");
  }
  const std::string act = j.value("hidden_activation", std::string());
  if (act != "gelu_pytorch_tanh")
    return bad("hidden_activation \"" + act + "\" is not supported (only gelu_pytorch_tanh)");
  for (const char* field : {"rope_scaling", "attn_logit_softcapping", "final_logit_softcapping"}) {
    if (j.contains(field) && !j[field].is_null()) return bad(std::string("field \"") + field + "\" must be null");
  }
  if (j.value("attention_bias", false)) return bad("attention_bias is not supported");
  // transformers' Gemma3TextConfig turns a bidirectional model's window of W
  // into W/2 + 1 (exclusive bound on |i - j|): 512 means 256 tokens each way.
  c.sliding_window = c.sliding_window / 2 + 1;
  auto types = j.find("layer_types");
  if (types == j.end() || !types->is_array() || static_cast<int>(types->size()) != c.num_layers) {
    return bad("field \"layer_types\" must list num_hidden_layers entries");
  }
  for (const json& t : *types) {
    const std::string s = t.is_string() ? t.get<std::string>() : "";
    if (s != "sliding_attention" && s != "full_attention") return bad("layer type \"" + s + "\" is not supported");
    c.sliding.push_back(s == "sliding_attention");
  }
  return c;
}

core::Result<std::vector<DenseModule>> load_dense_modules(const std::string& model_dir, int hidden_size) {
  const std::string path = model_dir + "/modules.json";
  KB_ASSIGN_OR_RETURN(std::string text, core::read_file(path));
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_array()) return core::Status::invalid_argument(path + ": not a JSON array");
  std::vector<DenseModule> dense;
  int width = hidden_size;
  bool normalized = false;
  for (const json& m : j) {
    const std::string type = m.is_object() ? m.value("type", std::string()) : "";
    const std::string dir = m.is_object() ? m.value("path", std::string()) : "";
    if (type == "sentence_transformers.models.Transformer" || type == "sentence_transformers.models.Pooling") continue;
    if (type == "sentence_transformers.models.Normalize") {
      normalized = true;
      continue;
    }
    if (type != "sentence_transformers.models.Dense" || normalized) {
      return core::Status::invalid_argument(path + ": module \"" + type + "\" (" + dir + ") is not supported here");
    }
    const std::string cfg_path = model_dir + "/" + dir + "/config.json";
    KB_ASSIGN_OR_RETURN(json cfg, read_json_file(cfg_path));
    DenseModule d;
    d.dir = dir;
    KB_RETURN_IF_ERROR(read_int(cfg, "in_features", cfg_path, 1, &d.in_features));
    KB_RETURN_IF_ERROR(read_int(cfg, "out_features", cfg_path, 1, &d.out_features));
    d.bias = cfg.value("bias", true);
    const std::string act = cfg.value("activation_function", std::string());
    if (act != "torch.nn.modules.linear.Identity") {
      return core::Status::invalid_argument(cfg_path + ": activation \"" + act + "\" is not supported (only Identity)");
    }
    if (d.in_features != width) {
      return core::Status::invalid_argument(cfg_path + ": in_features " + std::to_string(d.in_features) +
                                            " does not follow the previous width " + std::to_string(width));
    }
    width = d.out_features;
    dense.push_back(d);
  }
  // kbseek's Encoder contract is L2-normalised output; a model whose chain
  // ends unnormalised would be normalised anyway, so say so rather than
  // silently change its scores.
  if (!normalized)
    return core::Status::invalid_argument(path + ": no Normalize module (kbseek needs L2-normalised output)");
  return dense;
}

}  // namespace kbseek::encoder
