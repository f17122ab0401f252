// BERT hyper-parameters (config.json) and the sentence-transformers settings
// around the transformer (sentence_bert_config.json, 1_Pooling/config.json,
// config_sentence_transformers.json).
#pragma once

#include <string>

#include "core/status.h"

namespace kbseek::encoder {

struct BertConfig {
  int vocab_size = 0;
  int hidden_size = 0;
  int num_layers = 0;
  int num_heads = 0;
  int intermediate_size = 0;
  int max_position_embeddings = 0;
  int type_vocab_size = 0;
  float layer_norm_eps = 1e-12f;
  int head_dim() const { return hidden_size / num_heads; }
};

enum class Pooling { kMean, kCls, kMax };
const char* pooling_name(Pooling p);

struct SentenceConfig {
  Pooling pooling = Pooling::kMean;
  int max_seq_length = 512;    // tokens including [CLS] and [SEP]
  std::string query_prefix;    // prepended to kQuery texts (prompts["query"])
  std::string passage_prefix;  // prepended to kPassage texts (prompts["passage"|"document"])
};

// Parses config.json text. InvalidArgument naming `path` and the field for a
// missing or out-of-range value, or hidden_act other than "gelu" (erf form).
core::Result<BertConfig> parse_bert_config(const std::string& json_text, const std::string& path);

// Reads the optional sentence-transformers files of `model_dir`. Without
// them: mean pooling and max_seq_length = max_position_embeddings.
// max_seq_length is clamped to max_position_embeddings.
core::Result<SentenceConfig> load_sentence_config(const std::string& model_dir, int max_position_embeddings);

}  // namespace kbseek::encoder
