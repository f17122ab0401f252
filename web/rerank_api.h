// POST /v1/rerank: the LLM stage on texts a client sends, in the two shapes
// re-ranking clients speak.
//
//   Cohere / Jina (LangChain's CohereRerank, LlamaIndex):
//     {"query", "documents": ["text" | {"text"}...], "model"?, "top_n"?,
//      "return_documents"?, "budget_ms"?}
//     → {"model", "results": [{"index", "relevance_score"[, "document":
//        {"text"}]}...], "reranked"}
//   Hugging Face TEI:
//     {"query", "texts": [...], "raw_scores"?, "return_text"?, "budget_ms"?}
//     → [{"index", "score"[, "text"]}...]
// relevance_score / score is P(yes | yes or no) = sigmoid(margin) of the
// yes/no prompt (encoder/llm/relevance_scorer.h), in [0, 1]; TEI's
// raw_scores gives the margin. Results are best first; texts the budget
// did not reach follow in their given order with a null score. "model"
// defaults to serve --rerank's.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/status.h"
#include "encoder/llm/relevance_scorer.h"

namespace kbseek::web {

struct RerankCall {
  bool tei = false;  // the request came in TEI's shape (answer in it too)
  std::string model, query;
  std::vector<std::string> texts;
  int top_n = -1;  // Cohere: results kept; -1 all
  bool return_texts = false;
  bool raw_scores = false;  // TEI
  double budget_ms = 0;
};

// A request body that must be a JSON object (every POST route's first
// check); InvalidArgument saying what is wrong otherwise.
core::Result<nlohmann::json> parse_json_object(const std::string& body);

// True for a model's name as installed in the models folder
// ([A-Za-z0-9._-], not starting with '.'): what a client may name. Paths
// are for the command line only, so no request can make the server open a
// file of its choosing or probe which files exist.
bool is_model_name(const std::string& s);

// InvalidArgument naming the field for a malformed body.
core::Result<RerankCall> parse_rerank_body(const std::string& body, const std::string& default_model);

nlohmann::json rerank_response(const RerankCall& call, const encoder::llm::RelevanceScores& scores);

}  // namespace kbseek::web
