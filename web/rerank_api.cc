// The two request shapes of POST /v1/rerank, validated field by field.
#include "web/rerank_api.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace kbseek::web {

using core::Status;
using nlohmann::json;

core::Result<json> parse_json_object(const std::string& body) {
  json j;
  try {
    j = json::parse(body);
  } catch (const json::exception& e) {
    return Status::invalid_argument(std::string("invalid JSON: ") + e.what());
  }
  if (!j.is_object()) return Status::invalid_argument("request body must be a JSON object");
  return j;
}

bool is_model_name(const std::string& s) {
  if (s.empty() || s.size() > 200 || s[0] == '.') return false;
  for (char ch : s) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '.' ||
                    ch == '_' || ch == '-';
    if (!ok) return false;
  }
  return true;
}

core::Result<RerankCall> parse_rerank_body(const std::string& body, const std::string& default_model) {
  KB_ASSIGN_OR_RETURN(json j, parse_json_object(body));
  RerankCall c;
  auto q = j.find("query");
  if (q == j.end() || !q->is_string()) return Status::invalid_argument("field \"query\" must be a string");
  c.query = q->get<std::string>();
  c.model = default_model;
  if (auto m = j.find("model"); m != j.end()) {
    if (!m->is_string()) return Status::invalid_argument("field \"model\" must be a string");
    c.model = m->get<std::string>();
    if (!is_model_name(c.model))
      return Status::invalid_argument("field \"model\" must be an installed model's name, not a path");
  }
  auto docs = j.find("documents");
  auto texts = j.find("texts");
  if ((docs == j.end()) == (texts == j.end())) {
    return Status::invalid_argument("give \"documents\" (Cohere's shape) or \"texts\" (TEI's), not both or neither");
  }
  c.tei = texts != j.end();
  const json& list = c.tei ? *texts : *docs;
  if (!list.is_array())
    return Status::invalid_argument(std::string("field \"") + (c.tei ? "texts" : "documents") + "\" must be an array");
  for (size_t i = 0; i < list.size(); ++i) {
    const json& d = list[i];
    if (d.is_string()) {
      c.texts.push_back(d.get<std::string>());
    } else if (!c.tei && d.is_object() && d.contains("text") && d["text"].is_string()) {
      c.texts.push_back(d["text"].get<std::string>());
    } else {
      return Status::invalid_argument(std::string(c.tei ? "texts" : "documents") + "[" + std::to_string(i) +
                                      "] must be a string" + (c.tei ? "" : " or {\"text\": string}"));
    }
  }
  if (auto t = j.find("top_n"); t != j.end()) {
    if (!t->is_number_integer() || t->get<int>() < 1)
      return Status::invalid_argument("field \"top_n\" must be a positive integer");
    c.top_n = t->get<int>();
  }
  for (const char* flag : {"return_documents", "return_text", "raw_scores"}) {
    if (auto f = j.find(flag); f != j.end()) {
      if (!f->is_boolean()) return Status::invalid_argument(std::string("field \"") + flag + "\" must be a boolean");
      (std::string(flag) == "raw_scores" ? c.raw_scores : c.return_texts) = f->get<bool>();
    }
  }
  if (auto b = j.find("budget_ms"); b != j.end()) {
    if (!b->is_number() || b->get<double>() < 0)
      return Status::invalid_argument("field \"budget_ms\" must be a non-negative number");
    c.budget_ms = b->get<double>();
  }
  return c;
}

json rerank_response(const RerankCall& call, const encoder::llm::RelevanceScores& scores) {
  std::vector<size_t> order(call.texts.size());
  std::iota(order.begin(), order.end(), 0);
  // Scored first, best first; the rest in their given order.
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (scores.scored[a] != scores.scored[b]) return static_cast<bool>(scores.scored[a]);
    return scores.scored[a] && scores.score[a] > scores.score[b];
  });
  if (call.top_n > 0 && static_cast<size_t>(call.top_n) < order.size()) order.resize(call.top_n);
  json results = json::array();
  for (size_t i : order) {
    json score = nullptr;
    if (scores.scored[i]) {
      const double m = scores.score[i];
      score = call.raw_scores ? m : 1.0 / (1.0 + std::exp(-m));
    }
    json r = {{"index", i}, {call.tei ? "score" : "relevance_score", score}};
    if (call.return_texts) {
      if (call.tei)
        r["text"] = call.texts[i];
      else
        r["document"] = {{"text", call.texts[i]}};
    }
    results.push_back(std::move(r));
  }
  if (call.tei) return results;
  return {{"model", call.model}, {"results", std::move(results)}, {"reranked", scores.scored_count}};
}

}  // namespace kbseek::web
