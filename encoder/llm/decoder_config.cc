// Decoder hyper-parameters from GGUF metadata, checked before any weight is
// touched so that a file we cannot run fails at open with its reason.
#include "encoder/llm/decoder_config.h"

namespace kbseek::encoder::llm {
namespace {

core::Status bad(const gguf::GgufFile& f, const std::string& what) {
  return core::Status::invalid_argument(f.path() + ": " + what);
}

core::Result<int> positive_int(const gguf::GgufFile& f, const std::string& key) {
  KB_ASSIGN_OR_RETURN(int64_t v, f.get_int(key));
  if (v <= 0 || v > (1 << 30)) return bad(f, key + " = " + std::to_string(v) + ", expected a positive size");
  return static_cast<int>(v);
}

}  // namespace

core::Result<DecoderConfig> read_decoder_config(const gguf::GgufFile& f) {
  DecoderConfig c;
  KB_ASSIGN_OR_RETURN(c.architecture, f.get_string("general.architecture"));
  if (c.architecture != "qwen2") {
    return bad(f, "general.architecture is \"" + c.architecture + "\"; this build runs qwen2 decoders");
  }
  if (f.has("general.name")) {
    KB_ASSIGN_OR_RETURN(c.name, f.get_string("general.name"));
  }
  const std::string a = c.architecture + ".";
  KB_ASSIGN_OR_RETURN(c.num_layers, positive_int(f, a + "block_count"));
  KB_ASSIGN_OR_RETURN(c.hidden_size, positive_int(f, a + "embedding_length"));
  KB_ASSIGN_OR_RETURN(c.intermediate_size, positive_int(f, a + "feed_forward_length"));
  KB_ASSIGN_OR_RETURN(c.num_heads, positive_int(f, a + "attention.head_count"));
  KB_ASSIGN_OR_RETURN(c.num_kv_heads, positive_int(f, a + "attention.head_count_kv"));
  KB_ASSIGN_OR_RETURN(c.context_length, positive_int(f, a + "context_length"));
  KB_ASSIGN_OR_RETURN(double eps, f.get_float(a + "attention.layer_norm_rms_epsilon"));
  c.rms_norm_eps = static_cast<float>(eps);
  if (f.has(a + "rope.freq_base")) {
    KB_ASSIGN_OR_RETURN(double theta, f.get_float(a + "rope.freq_base"));
    c.rope_theta = static_cast<float>(theta);
  }
  if (f.has(a + "rope.scaling.type")) {
    KB_ASSIGN_OR_RETURN(std::string scaling, f.get_string(a + "rope.scaling.type"));
    if (scaling != "none") return bad(f, a + "rope.scaling.type is \"" + scaling + "\"; rope scaling is not run");
  }
  if (c.hidden_size % c.num_heads != 0) {
    return bad(f, "embedding_length " + std::to_string(c.hidden_size) + " is not a multiple of head_count " +
                      std::to_string(c.num_heads));
  }
  c.head_dim = c.hidden_size / c.num_heads;
  if (c.head_dim % 2 != 0) return bad(f, "head size " + std::to_string(c.head_dim) + " is odd");
  if (c.num_heads % c.num_kv_heads != 0) {
    return bad(f, "head_count " + std::to_string(c.num_heads) + " is not a multiple of head_count_kv " +
                      std::to_string(c.num_kv_heads));
  }
  KB_ASSIGN_OR_RETURN(const gguf::GgufFile::TensorView* embd, f.tensor("token_embd.weight"));
  if (embd->dims.size() != 2 || embd->dims[0] != c.hidden_size) {
    return bad(f, "token_embd.weight is not [" + std::to_string(c.hidden_size) + " x vocab]");
  }
  c.vocab_size = static_cast<int>(embd->dims[1]);
  c.qkv_bias = f.tensor("blk.0.attn_q.bias").is_ok();
  return c;
}

}  // namespace kbseek::encoder::llm
