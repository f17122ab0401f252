// config.json and sentence-transformers side files; nlohmann's exceptions
// are caught here and become InvalidArgument naming the file.
#include "encoder/bert_config.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/file_util.h"
#include "encoder/config_json.h"

namespace kbseek::encoder {
using nlohmann::json;

const char* pooling_name(Pooling p) {
  switch (p) {
    case Pooling::kMean: return "mean";
    case Pooling::kCls: return "cls";
    case Pooling::kMax: return "max";
  }
  return "?";
}

core::Result<BertConfig> parse_bert_config(const std::string& json_text, const std::string& path) {
  json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return core::Status::invalid_argument(path + ": not a JSON object");
  BertConfig c;
  KB_RETURN_IF_ERROR(read_int(j, "vocab_size", path, 1, &c.vocab_size));
  KB_RETURN_IF_ERROR(read_int(j, "hidden_size", path, 1, &c.hidden_size));
  KB_RETURN_IF_ERROR(read_int(j, "num_hidden_layers", path, 1, &c.num_layers));
  KB_RETURN_IF_ERROR(read_int(j, "num_attention_heads", path, 1, &c.num_heads));
  KB_RETURN_IF_ERROR(read_int(j, "intermediate_size", path, 1, &c.intermediate_size));
  KB_RETURN_IF_ERROR(read_int(j, "max_position_embeddings", path, 2, &c.max_position_embeddings));
  c.type_vocab_size = 2;
  if (j.contains("type_vocab_size")) KB_RETURN_IF_ERROR(read_int(j, "type_vocab_size", path, 1, &c.type_vocab_size));
  if (c.hidden_size % c.num_heads != 0) {
    return core::Status::invalid_argument(path + ": hidden_size " + std::to_string(c.hidden_size) +
                                          " is not a multiple of num_attention_heads " + std::to_string(c.num_heads));
  }
  if (j.contains("layer_norm_eps") && j["layer_norm_eps"].is_number()) {
    c.layer_norm_eps = j["layer_norm_eps"].get<float>();
  }
  const std::string act =
      j.contains("hidden_act") && j["hidden_act"].is_string() ? j["hidden_act"].get<std::string>() : "gelu";
  if (act != "gelu") {
    return core::Status::invalid_argument(path + ": hidden_act \"" + act + "\" is not supported (only \"gelu\")");
  }
  const std::string pos = j.value("position_embedding_type", std::string("absolute"));
  if (pos != "absolute") {
    return core::Status::invalid_argument(path + ": position_embedding_type \"" + pos + "\" is not supported");
  }
  return c;
}

core::Result<SentenceConfig> load_sentence_config(const std::string& model_dir, int max_position_embeddings) {
  SentenceConfig s;
  s.max_seq_length = max_position_embeddings;
  const std::string sbert = model_dir + "/sentence_bert_config.json";
  if (core::path_exists(sbert)) {
    KB_ASSIGN_OR_RETURN(json j, read_json_file(sbert));
    if (j.contains("max_seq_length")) KB_RETURN_IF_ERROR(read_int(j, "max_seq_length", sbert, 2, &s.max_seq_length));
  }
  s.max_seq_length = std::min(s.max_seq_length, max_position_embeddings);

  const std::string pooling = model_dir + "/1_Pooling/config.json";
  if (core::path_exists(pooling)) {
    KB_ASSIGN_OR_RETURN(json j, read_json_file(pooling));
    const bool mean = j.value("pooling_mode_mean_tokens", false);
    const bool cls = j.value("pooling_mode_cls_token", false);
    const bool max = j.value("pooling_mode_max_tokens", false);
    if (mean + cls + max != 1 || j.value("pooling_mode_mean_sqrt_len_tokens", false)) {
      return core::Status::invalid_argument(pooling + ": exactly one of mean, cls or max pooling must be on");
    }
    s.pooling = mean ? Pooling::kMean : (cls ? Pooling::kCls : Pooling::kMax);
  }

  const std::string st = model_dir + "/config_sentence_transformers.json";
  if (core::path_exists(st)) {
    KB_ASSIGN_OR_RETURN(json j, read_json_file(st));
    if (j.contains("prompts") && j["prompts"].is_object()) {
      const json& p = j["prompts"];
      if (p.contains("query") && p["query"].is_string()) s.query_prefix = p["query"].get<std::string>();
      for (const char* key : {"passage", "document"}) {
        if (p.contains(key) && p[key].is_string()) s.passage_prefix = p[key].get<std::string>();
      }
    }
  }
  return s;
}

}  // namespace kbseek::encoder
