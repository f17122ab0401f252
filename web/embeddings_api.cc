// Parsing and rendering of the OpenAI embeddings shape.
#include "web/embeddings_api.h"

#include <cstring>

#include "web/rerank_api.h"

namespace kbseek::web {
namespace {

std::string base64_of(const void* data, size_t n) {
  static const char* kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const auto* p = static_cast<const unsigned char*>(data);
  std::string out;
  out.reserve((n + 2) / 3 * 4);
  for (size_t i = 0; i < n; i += 3) {
    const unsigned v = p[i] << 16 | (i + 1 < n ? p[i + 1] << 8 : 0) | (i + 2 < n ? p[i + 2] : 0);
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += i + 1 < n ? kAlphabet[v >> 6 & 63] : '=';
    out += i + 2 < n ? kAlphabet[v & 63] : '=';
  }
  return out;
}

}  // namespace

core::Result<EmbeddingsCall> parse_embeddings_body(const std::string& body) {
  KB_ASSIGN_OR_RETURN(nlohmann::json j, parse_json_object(body));
  EmbeddingsCall call;
  auto model = j.find("model");
  if (model == j.end() || !model->is_string() || !is_model_name(model->get<std::string>())) {
    return core::Status::invalid_argument("field \"model\" must be an installed model's name (not a path)");
  }
  call.model = model->get<std::string>();
  auto input = j.find("input");
  if (input == j.end()) return core::Status::invalid_argument("field \"input\" is required");
  if (input->is_string()) {
    call.inputs.push_back(input->get<std::string>());
  } else if (input->is_array() && !input->empty()) {
    for (const auto& x : *input) {
      if (!x.is_string()) {
        return core::Status::invalid_argument(
            "field \"input\" must be a string or an array of strings "
            "(token ids are not accepted)");
      }
      call.inputs.push_back(x.get<std::string>());
    }
  } else {
    return core::Status::invalid_argument("field \"input\" must be a string or a non-empty array of strings");
  }
  if (call.inputs.size() > EmbeddingsCall::kMaxInputs) {
    return core::Status::invalid_argument("field \"input\" has " + std::to_string(call.inputs.size()) +
                                          " texts; at most " + std::to_string(EmbeddingsCall::kMaxInputs));
  }
  if (auto f = j.find("encoding_format"); f != j.end()) {
    if (!f->is_string() || (*f != "float" && *f != "base64"))
      return core::Status::invalid_argument("field \"encoding_format\" must be \"float\" or \"base64\"");
    call.base64 = *f == "base64";
  }
  if (auto d = j.find("dimensions"); d != j.end()) {
    if (!d->is_number_integer() || d->get<int>() <= 0)
      return core::Status::invalid_argument("field \"dimensions\" must be a positive integer");
    call.dimensions = d->get<int>();
  }
  if (auto t = j.find("input_type"); t != j.end()) {
    if (!t->is_string() || (*t != "query" && *t != "passage"))
      return core::Status::invalid_argument("field \"input_type\" must be \"query\" or \"passage\"");
    call.query = *t == "query";
  }
  return call;
}

nlohmann::json embeddings_response(const EmbeddingsCall& call, const std::vector<float>& vectors, int dim,
                                   long long tokens) {
  nlohmann::json data = nlohmann::json::array();
  for (size_t i = 0; i < call.inputs.size(); ++i) {
    const float* v = vectors.data() + i * dim;
    nlohmann::json e = {{"object", "embedding"}, {"index", i}};
    if (call.base64) {
      e["embedding"] = base64_of(v, sizeof(float) * dim);  // x86-64: little-endian already
    } else {
      e["embedding"] = std::vector<float>(v, v + dim);
    }
    data.push_back(std::move(e));
  }
  return {{"object", "list"},
          {"model", call.model},
          {"data", std::move(data)},
          {"usage", {{"prompt_tokens", tokens}, {"total_tokens", tokens}}}};
}

}  // namespace kbseek::web
