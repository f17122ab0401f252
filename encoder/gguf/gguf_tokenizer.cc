// GGUF tokenizer metadata → BpeVocab.
#include "encoder/gguf/gguf_tokenizer.h"

namespace kbseek::encoder::gguf {
namespace {

core::Status read_optional_int(const GgufFile& f, const std::string& key, int64_t* out) {
  if (!f.has(key)) return core::Status::ok();
  KB_ASSIGN_OR_RETURN(*out, f.get_int(key));
  return core::Status::ok();
}

}  // namespace

core::Result<BpeVocab> read_bpe_vocab(const GgufFile& file) {
  BpeVocab v;
  KB_ASSIGN_OR_RETURN(v.model, file.get_string("tokenizer.ggml.model"));
  KB_ASSIGN_OR_RETURN(v.tokens, file.get_string_array("tokenizer.ggml.tokens"));
  if (file.has("tokenizer.ggml.pre")) {
    KB_ASSIGN_OR_RETURN(v.pre, file.get_string("tokenizer.ggml.pre"));
  }
  if (file.has("tokenizer.ggml.token_type")) {
    KB_ASSIGN_OR_RETURN(v.token_types, file.get_int_array("tokenizer.ggml.token_type"));
  }
  if (file.has("tokenizer.ggml.merges")) {
    KB_ASSIGN_OR_RETURN(v.merges, file.get_string_array("tokenizer.ggml.merges"));
  }
  KB_RETURN_IF_ERROR(read_optional_int(file, "tokenizer.ggml.bos_token_id", &v.bos_id));
  KB_RETURN_IF_ERROR(read_optional_int(file, "tokenizer.ggml.eos_token_id", &v.eos_id));
  KB_RETURN_IF_ERROR(read_optional_int(file, "tokenizer.ggml.padding_token_id", &v.pad_id));
  if (file.has("tokenizer.ggml.add_bos_token")) {
    KB_ASSIGN_OR_RETURN(v.add_bos, file.get_bool("tokenizer.ggml.add_bos_token"));
  }
  return v;
}

}  // namespace kbseek::encoder::gguf
