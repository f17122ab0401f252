// nlohmann is used without exceptions (parse with allow_exceptions=false and
// type checks before every get), so nothing throws past this file.
#include "encoder/use/use_config.h"

#include <nlohmann/json.hpp>

namespace kbseek::encoder {
namespace {

using nlohmann::json;

core::Status read_int(const json& j, const char* field, const std::string& path, int lo, int hi, int* out) {
  auto it = j.find(field);
  if (it == j.end() || !it->is_number_integer()) {
    return core::Status::invalid_argument(path + ": field \"" + field + "\" must be an integer");
  }
  const int64_t v = it->get<int64_t>();
  if (v < lo || v > hi) {
    return core::Status::invalid_argument(path + ": field \"" + field + "\" = " + std::to_string(v) +
                                          " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
  }
  *out = static_cast<int>(v);
  return core::Status::ok();
}

core::Status check_architecture(const json& j, const std::string& path) {
  auto arch = j.find("architectures");
  const bool arch_ok = arch != j.end() && arch->is_array() && !arch->empty() && (*arch)[0].is_string() &&
                       (*arch)[0].get<std::string>() == kUseM3Architecture;
  auto type = j.find("model_type");
  const bool type_ok = type != j.end() && type->is_string() && type->get<std::string>() == kUseM3ModelType;
  if (!arch_ok && !type_ok) {
    return core::Status::invalid_argument(path + ": not a use-m3 model (expected architectures [\"" +
                                          kUseM3Architecture + "\"] or model_type \"" + kUseM3ModelType + "\")");
  }
  return core::Status::ok();
}

}  // namespace

core::Result<UseConfig> parse_use_config(const std::string& json_text, const std::string& path) {
  json j = json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return core::Status::invalid_argument(path + ": not a JSON object");
  KB_RETURN_IF_ERROR(check_architecture(j, path));
  constexpr int kMaxDim = 1 << 16;
  UseConfig c;
  KB_RETURN_IF_ERROR(read_int(j, "embedding_rows", path, 3, 1 << 24, &c.embedding_rows));
  KB_RETURN_IF_ERROR(read_int(j, "embedding_dim", path, 1, kMaxDim, &c.embedding_dim));
  KB_RETURN_IF_ERROR(read_int(j, "ngram_dim", path, 1, kMaxDim, &c.ngram_dim));
  KB_RETURN_IF_ERROR(read_int(j, "dnn_dim", path, 1, kMaxDim, &c.dnn_dim));
  KB_RETURN_IF_ERROR(read_int(j, "hidden_size", path, 1, kMaxDim, &c.hidden_size));
  KB_RETURN_IF_ERROR(read_int(j, "max_seq_length", path, 3, 1 << 20, &c.max_seq_length));
  KB_RETURN_IF_ERROR(read_int(j, "bos_id", path, 0, c.embedding_rows - 1, &c.bos_id));
  KB_RETURN_IF_ERROR(read_int(j, "eos_id", path, 0, c.embedding_rows - 1, &c.eos_id));

  auto orders = j.find("ngram_orders");
  if (orders == j.end() || !orders->is_array() || orders->empty()) {
    return core::Status::invalid_argument(path + ": field \"ngram_orders\" must be a non-empty array of [n, left]");
  }
  for (const json& o : *orders) {
    if (!o.is_array() || o.size() != 2 || !o[0].is_number_integer() || !o[1].is_number_integer()) {
      return core::Status::invalid_argument(path + ": field \"ngram_orders\": each entry must be [n, left]");
    }
    NgramOrder g{o[0].get<int>(), o[1].get<int>()};
    if (g.width < 1 || g.width > 16 || g.left < 0 || g.left >= g.width) {
      return core::Status::invalid_argument(path + ": field \"ngram_orders\": [" + std::to_string(g.width) + ", " +
                                            std::to_string(g.left) + "] needs 1 <= n <= 16 and 0 <= left < n");
    }
    c.ngram_orders.push_back(g);
  }

  auto eps = j.find("layer_norm_eps");
  if (eps == j.end() || !eps->is_number() || eps->get<double>() <= 0 || eps->get<double>() > 1e-2) {
    return core::Status::invalid_argument(path + ": field \"layer_norm_eps\" must be a number in (0, 0.01]");
  }
  c.layer_norm_eps = static_cast<float>(eps->get<double>());

  auto tok = j.find("tokenizer_file");
  if (tok == j.end() || !tok->is_string() || tok->get<std::string>().empty() ||
      tok->get<std::string>().find('/') != std::string::npos) {
    return core::Status::invalid_argument(path + ": field \"tokenizer_file\" must name a file in the model folder");
  }
  c.tokenizer_file = tok->get<std::string>();
  return c;
}

}  // namespace kbseek::encoder
