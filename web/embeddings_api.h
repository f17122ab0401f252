// POST /v1/embeddings in OpenAI's shape, so that OpenAI clients (and
// LangChain's / LlamaIndex's OpenAI embeddings) can point at kbseek:
//   {"model": NAME, "input": "text" | ["text", ...], "encoding_format"?:
//    "float" | "base64", "dimensions"?: N, "input_type"?: "query" | "passage"}
//   → {"object": "list", "model": NAME, "data": [{"object": "embedding",
//      "index": i, "embedding": [floats] | "base64 of little-endian
//      float32"}...], "usage": {"prompt_tokens": N, "total_tokens": N}}
// NAME is an installed encoder's name (never a path). "dimensions" is a
// Matryoshka size the model was trained for (EmbeddingGemma: 512, 256,
// 128), refused for any other. "input_type" is ours (default passage):
// asymmetric models embed queries and passages differently. Token-id
// inputs are refused (400), as are more than kMaxInputs texts.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"

namespace kbseek::web {

struct EmbeddingsCall {
  static constexpr size_t kMaxInputs = 2048;  // OpenAI's own limit
  std::string model;
  std::vector<std::string> inputs;
  bool base64 = false;
  int dimensions = 0;  // 0: the model's own
  bool query = false;  // input_type "query"
};

// InvalidArgument naming the field for a malformed body.
core::Result<EmbeddingsCall> parse_embeddings_body(const std::string& body);

// `vectors` holds inputs.size() rows of `dim` floats.
nlohmann::json embeddings_response(const EmbeddingsCall& call, const std::vector<float>& vectors, int dim,
                                   long long tokens);

}  // namespace kbseek::web
