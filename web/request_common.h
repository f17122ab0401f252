// What every HTTP front of kbseek needs from a request: who asks (a key's
// principals, a trusted gateway's header, or the anonymous principals), and
// GET /v1/search's parameters as the POST body. Used by web::Server and
// web::FrontServer.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "storage/access.h"
#include "storage/key_store.h"
#include "web/http_core.h"
#include "web/server.h"

namespace kbseek::web {

// A comma-separated parameter's non-empty items ("a,,b" -> a, b).
std::vector<std::string> comma_items(const std::string& list);

// The key a request presents: "Authorization: Bearer KEY" or "X-API-Key: KEY".
std::string presented_key(const HttpRequest& req);

// The id part of the key a request presents ("kbs_<id>_<secret>"), for
// audit records; "" for none.
std::string presented_key_id(const HttpRequest& req);

// Who asks, or nullopt after answering 401/403/500 in `res`. With keys: the
// key's principals, if its role is at least `needed`. Without: the
// principals header's value when configured and sent, else the anonymous
// principals. Never everyone_allowed().
std::optional<storage::Principals> caller(const HttpRequest& req, HttpResponse& res, const ServerOptions& options,
                                          storage::Role needed);

// GET /v1/search's parameters as the POST body: q (or query), k, offset,
// mode, models and facets (comma-separated), explain, rerank, rerank_k,
// rerank_budget_ms, rerank_weight, and the ranking options
// (freshness_weight, recent_weight, half_life_days, mmr_lambda,
// group_field, max_per_group, other_chunks_weight; boosts need the POST
// body). Numbers and booleans are checked by the body's parser.
core::Result<std::string> search_params_to_body(const HttpRequest& req);

}  // namespace kbseek::web
