// BpeTokenizer::from_vocab: the tokenizer that a GGUF file's metadata
// describes, built as transformers' GGUF loader builds it
// (integrations/gguf/gguf_tokenizer_mapping.py: byte_level_tokenizer,
// add_gguf_special_tokens, set_split_regex), which is what the parity
// fixture tests/data/encoder/qwen2_tokenizer_cases.jsonl was written with.
//
// No normalizer: that loader builds a GPT2Tokenizer (none) and replaces only
// its pre-tokenizer, and llama.cpp normalises nothing either, while the
// model's own tokenizer.json has NFC. They differ only on text that is not
// already NFC (decomposed accents, CJK compatibility ideographs), which the
// fixture pins down.
#include <unordered_set>

#include "core/utf8.h"
#include "encoder/bpe_tokenizer.h"
#include "encoder/bpe_tokenizer_impl.h"
#include "encoder/byte_level.h"

namespace kbseek::encoder {
namespace {

constexpr int64_t kControl = 3, kUserDefined = 4;

// Whether every character of `token` is one of the 256 byte stand-ins: a
// byte-level vocabulary's real tokens are, so transformers re-spells any
// other token as the stand-ins of its UTF-8 bytes, and skips a control token
// that is not as a llama.cpp mislabel.
bool spelled_in_byte_alphabet(std::string_view token) {
  for (size_t pos = 0; pos < token.size();) {
    if (!unicode_to_byte(core::decode_utf8(token, &pos))) return false;
  }
  return true;
}

}  // namespace

core::Result<std::unique_ptr<BpeTokenizer>> BpeTokenizer::from_vocab(const BpeVocab& v, const std::string& origin) {
  auto impl = std::make_unique<Impl>();
  Impl& t = *impl;
  t.origin = origin;
  if (v.model != "gpt2") return t.bad("tokenizer.ggml.model", "\"" + v.model + "\" is not supported (want \"gpt2\")");
  if (v.pre != "qwen2") return t.bad("tokenizer.ggml.pre", "\"" + v.pre + "\" is not supported (want \"qwen2\")");
  if (v.tokens.empty()) return t.bad("tokenizer.ggml.tokens", "is empty");
  if (v.tokens.size() > (1u << 24)) return t.bad("tokenizer.ggml.tokens", std::to_string(v.tokens.size()) + " tokens");
  if (!v.token_types.empty() && v.token_types.size() != v.tokens.size()) {
    return t.bad("tokenizer.ggml.token_type",
                 std::to_string(v.token_types.size()) + " types for " + std::to_string(v.tokens.size()) + " tokens");
  }
  const int32_t n = static_cast<int32_t>(v.tokens.size());
  t.id_to_token.resize(n);
  for (int32_t id = 0; id < n; ++id) {
    const std::string& token = v.tokens[id];
    std::string spelled = spelled_in_byte_alphabet(token) ? token : byte_level_encode(token);
    t.vocab.insert_or_assign(spelled, id);  // a repeated token keeps its last id, as a Python dict does
    t.id_to_token[id] = std::move(spelled);
  }
  t.index_byte_pieces();
  for (size_t rank = 0; rank < v.merges.size(); ++rank) {
    const std::string& m = v.merges[rank];
    const size_t sp = m.find(' ');
    if (sp == std::string::npos || m.find(' ', sp + 1) != std::string::npos) {
      return t.bad("tokenizer.ggml.merges", "entry " + std::to_string(rank) + " \"" + m + "\" is not \"a b\"");
    }
    KB_RETURN_IF_ERROR(
        t.add_merge(m.substr(0, sp), m.substr(sp + 1), static_cast<int32_t>(rank), "tokenizer.ggml.merges"));
  }

  auto special_id = [&](int64_t id, const char* key, int32_t* out) -> core::Status {
    if (id < 0) return core::Status::ok();
    if (id >= n) return t.bad(key, std::to_string(id) + " is not below the vocabulary size " + std::to_string(n));
    *out = static_cast<int32_t>(id);
    t.add_token(v.tokens[id], *out);
    return core::Status::ok();
  };
  KB_RETURN_IF_ERROR(special_id(v.bos_id, "tokenizer.ggml.bos_token_id", &t.bos));
  KB_RETURN_IF_ERROR(special_id(v.eos_id, "tokenizer.ggml.eos_token_id", &t.eos));
  KB_RETURN_IF_ERROR(special_id(v.pad_id, "tokenizer.ggml.padding_token_id", &t.pad));
  for (int32_t id = 0; id < n && !v.token_types.empty(); ++id) {
    const std::string& token = v.tokens[id];
    const bool add = (v.token_types[id] == kControl && spelled_in_byte_alphabet(token)) ||
                     (v.token_types[id] == kUserDefined && t.vocab.count(token) > 0);
    // An added token takes the id its content has in the vocabulary, as
    // tokenizers' AddedVocabulary does.
    if (add) t.add_token(token, t.vocab.at(token));
  }
  if (v.add_bos && t.bos >= 0) t.prefix.push_back(t.bos);

  t.split = true;
  t.split_regex = SplitRegex::kQwen2;
  t.split_behavior = SplitBehavior::kIsolated;
  t.byte_level = true;
  return std::unique_ptr<BpeTokenizer>(new BpeTokenizer(std::move(impl)));
}

}  // namespace kbseek::encoder
