#include "web/request_common.h"

#include <nlohmann/json.hpp>

#include "core/ascii.h"
#include "core/logging.h"

namespace kbseek::web {

using core::Status;
using nlohmann::json;

// A comma-separated parameter's non-empty items ("a,,b" -> a, b).
std::vector<std::string> comma_items(const std::string& list) {
  std::vector<std::string> items;
  std::string item;
  for (char ch : list + ",") {
    if (ch != ',') {
      item += ch;
    } else if (!item.empty()) {
      items.push_back(item);
      item.clear();
    }
  }
  return items;
}

// The key a request presents: "Authorization: Bearer KEY" or "X-API-Key: KEY".
std::string presented_key(const HttpRequest& req) {
  const std::string auth = req.header("authorization");
  if (auth.size() > 7 && (auth.compare(0, 7, "Bearer ") == 0 || auth.compare(0, 7, "bearer ") == 0)) {
    return auth.substr(7);
  }
  return req.header("x-api-key");
}

// The id part of the key a request presents ("kbs_<id>_<secret>"), for
// audit records; "" for none.
std::string presented_key_id(const HttpRequest& req) {
  const std::string key = presented_key(req);
  if (key.rfind("kbs_", 0) != 0 || key.size() < 12) return "";
  return key.substr(4, 8);
}

// Who asks, or nullopt after answering 401/403/500 in `res`. With keys: the
// key's principals, if its role is at least `needed`. Without: the
// principals header's value when configured and sent, else the anonymous
// principals. Never everyone_allowed().
std::optional<storage::Principals> caller(const HttpRequest& req, HttpResponse& res, const ServerOptions& options,
                                          storage::Role needed) {
  if (options.keys == nullptr) {
    const std::string header = core::ascii_lower(options.principals_header);
    if (!header.empty() && req.has_header(header)) return storage::Principals::parse(req.header(header));
    return options.anonymous;
  }
  const std::string presented = presented_key(req);
  auto key = presented.empty() ? core::Result<std::optional<storage::ApiKey>>(std::optional<storage::ApiKey>())
                               : options.keys->authenticate(presented);
  if (!key.is_ok()) {
    core::log_error("web", "API keys cannot be read: " + key.status().to_string());
    set_http_error(res, 500, "API keys cannot be read");
    return std::nullopt;
  }
  if (!key->has_value()) {
    res.set_header("WWW-Authenticate", "Bearer realm=\"kbseek\"");
    set_http_error(res, 401,
                   presented.empty() ? "an API key is required (Authorization: Bearer KEY or X-API-Key)"
                                     : "the API key is not valid (unknown, revoked or mistyped)");
    return std::nullopt;
  }
  const storage::ApiKey& k = key->value();
  if (static_cast<int>(k.role) < static_cast<int>(needed)) {
    set_http_error(res, 403,
                   std::string("key ") + k.id + " is a " + storage::role_name(k.role) + " key; this needs " +
                       storage::role_name(needed));
    return std::nullopt;
  }
  return storage::Principals{false, k.principals};
}

// GET /v1/search's parameters as the POST body: q (or query), k, offset,
// mode, models and facets (comma-separated), explain, rerank, rerank_k, rerank_budget_ms,
// rerank_weight, and the ranking options (freshness_weight, recent_weight,
// half_life_days, mmr_lambda, group_field, max_per_group,
// other_chunks_weight; boosts need the
// POST body). Numbers and booleans are checked by the body's parser.
core::Result<std::string> search_params_to_body(const HttpRequest& req) {
  json j = json::object();
  j["query"] = req.has_query_param("q") ? req.query_param("q") : req.query_param("query");
  auto number = [&](const char* name) -> Status {
    if (!req.has_query_param(name)) return Status::ok();
    const std::string v = req.query_param(name);
    json parsed = json::parse(v, nullptr, false);
    if (!parsed.is_number())
      return Status::invalid_argument(std::string("parameter \"") + name + "\" must be a number");
    j[name] = parsed;
    return Status::ok();
  };
  for (const char* n : {"k", "offset", "rerank_k", "rerank_budget_ms", "rerank_weight"}) KB_RETURN_IF_ERROR(number(n));
  // Ranking options as parameters of their own: freshness_weight=0.3&mmr_lambda=0.7&group_field=dept&max_per_group=2.
  json ranking = json::object();
  for (const char* n :
       {"freshness_weight", "recent_weight", "half_life_days", "mmr_lambda", "max_per_group", "other_chunks_weight"}) {
    KB_RETURN_IF_ERROR(number(n));
    if (j.contains(n)) {
      ranking[n] = j[n];
      j.erase(n);
    }
  }
  if (req.has_query_param("group_field")) ranking["group_field"] = req.query_param("group_field");
  if (!ranking.empty()) j["ranking"] = ranking;
  if (req.has_query_param("mode")) j["mode"] = req.query_param("mode");
  for (const char* list : {"models", "facets"})
    if (req.has_query_param(list)) j[list] = comma_items(req.query_param(list));
  if (req.has_query_param("explain")) {
    const std::string e = req.query_param("explain");
    if (e != "true" && e != "false" && e != "1" && e != "0")
      return Status::invalid_argument("parameter \"explain\" must be true or false");
    j["explain"] = e == "true" || e == "1";
  }
  if (req.has_query_param("rerank")) {
    const std::string r = req.query_param("rerank");
    if (r == "false")
      j["rerank"] = false;
    else
      j["rerank"] = r;
  }
  try {
    return j.dump();
  } catch (const json::exception&) {
    return Status::invalid_argument("a parameter is not valid UTF-8 (percent-encode UTF-8 bytes)");
  }
}

}  // namespace kbseek::web
