// HTTP handlers over cpp-httplib. Every error body is JSON; one function maps
// Status to HTTP; an exception handler keeps the server up.
#include "web/server.h"

#include <httplib.h>

#include <nlohmann/json.hpp>
#include <optional>

#include "core/logging.h"
#include "web/rerank_api.h"
#include "web/search_page.h"

namespace kbseek::web {

using core::Status;
using core::StatusCode;
using nlohmann::json;

int http_status_for(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk: return 200;
    case StatusCode::kInvalidArgument: return 400;
    case StatusCode::kNotFound: return 404;
    case StatusCode::kResourceExhausted: return 429;
    case StatusCode::kUnavailable: return 503;
    case StatusCode::kFailedPrecondition:
    case StatusCode::kCorruption:
    case StatusCode::kIOError:
    case StatusCode::kInternal: return 500;
  }
  return 500;
}

namespace {

void send_error(httplib::Response& res, int http_status, const std::string& message) {
  res.status = http_status;
  // Messages can quote the client's bytes (a JSON parse error does), which
  // may not be UTF-8: replace them rather than fail to answer.
  res.set_content(json{{"error", message}}.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

// Parses and validates the request body into a SearchRequest.
core::Result<std::pair<ranker::SearchRequest, bool>> parse_search_body(const std::string& body,
                                                                      const ranker::SearchRequest& defaults) {
  KB_ASSIGN_OR_RETURN(json j, parse_json_object(body));
  ranker::SearchRequest req = defaults;
  bool explain = false;
  auto q = j.find("query");
  if (q == j.end() || !q->is_string()) return Status::invalid_argument("field \"query\" must be a string");
  req.query = q->get<std::string>();
  if (auto k = j.find("k"); k != j.end()) {
    if (!k->is_number_integer()) return Status::invalid_argument("field \"k\" must be an integer");
    req.k = k->get<int>();
  }
  if (auto m = j.find("mode"); m != j.end()) {
    if (!m->is_string()) return Status::invalid_argument("field \"mode\" must be a string");
    KB_ASSIGN_OR_RETURN(req.mode, ranker::parse_search_mode(m->get<std::string>()));
  }
  if (auto m = j.find("models"); m != j.end()) {
    bool ok = m->is_array();
    for (const auto& x : ok ? *m : json::array()) ok = ok && x.is_string();
    if (!ok) return Status::invalid_argument("field \"models\" must be an array of model names");
    for (const auto& x : *m) req.models.push_back(x.get<std::string>());
  }
  // The LLM stage: "rerank": "MODEL" (or false to turn off a server
  // default), "rerank_k", "rerank_budget_ms", "rerank_weight".
  if (auto r = j.find("rerank"); r != j.end()) {
    if (r->is_boolean() && !r->get<bool>()) {
      req.rerank_model.clear();
    } else if (r->is_string() && is_model_name(r->get<std::string>())) {
      req.rerank_model = r->get<std::string>();
    } else {
      return Status::invalid_argument("field \"rerank\" must be an installed model's name (not a path) or false");
    }
  }
  if (auto r = j.find("rerank_k"); r != j.end()) {
    if (!r->is_number_integer()) return Status::invalid_argument("field \"rerank_k\" must be an integer");
    req.rerank.k = r->get<int>();
  }
  if (auto r = j.find("rerank_budget_ms"); r != j.end()) {
    if (!r->is_number() || r->get<double>() < 0)
      return Status::invalid_argument("field \"rerank_budget_ms\" must be a non-negative number");
    req.rerank.budget_ms = r->get<double>();
  }
  if (auto r = j.find("rerank_weight"); r != j.end()) {
    if (!r->is_number() || r->get<double>() < 0 || r->get<double>() > 1)
      return Status::invalid_argument("field \"rerank_weight\" must be a number in [0, 1]");
    req.rerank.llm_weight = r->get<double>();
  }
  if (auto e = j.find("explain"); e != j.end()) {
    if (!e->is_boolean()) return Status::invalid_argument("field \"explain\" must be a boolean");
    explain = e->get<bool>();
  }
  return std::make_pair(std::move(req), explain);
}

// The key a request presents: "Authorization: Bearer KEY" or "X-API-Key: KEY".
std::string presented_key(const httplib::Request& req) {
  const std::string auth = req.get_header_value("Authorization");
  if (auth.size() > 7 && (auth.compare(0, 7, "Bearer ") == 0 || auth.compare(0, 7, "bearer ") == 0)) {
    return auth.substr(7);
  }
  return req.get_header_value("X-API-Key");
}

// Who asks, or nullopt after answering 401/403/500 in `res`. With keys: the
// key's principals, if its role is at least `needed`. Without: the
// principals header's value when configured and sent, else the anonymous
// principals. Never everyone_allowed().
std::optional<storage::Principals> caller(const httplib::Request& req, httplib::Response& res,
                                          const ServerOptions& options, storage::Role needed) {
  if (options.keys == nullptr) {
    if (!options.principals_header.empty() && req.has_header(options.principals_header)) {
      return storage::Principals::parse(req.get_header_value(options.principals_header));
    }
    return options.anonymous;
  }
  const std::string presented = presented_key(req);
  auto key = presented.empty() ? core::Result<std::optional<storage::ApiKey>>(std::optional<storage::ApiKey>())
                               : options.keys->authenticate(presented);
  if (!key.is_ok()) {
    core::log_error("web", "API keys cannot be read: " + key.status().to_string());
    send_error(res, 500, "API keys cannot be read");
    return std::nullopt;
  }
  if (!key->has_value()) {
    res.set_header("WWW-Authenticate", "Bearer realm=\"kbseek\"");
    send_error(res, 401, presented.empty() ? "an API key is required (Authorization: Bearer KEY or X-API-Key)"
                                           : "the API key is not valid (unknown, revoked or mistyped)");
    return std::nullopt;
  }
  const storage::ApiKey& k = key->value();
  if (static_cast<int>(k.role) < static_cast<int>(needed)) {
    send_error(res, 403, std::string("key ") + k.id + " is a " + storage::role_name(k.role) + " key; this needs " +
                             storage::role_name(needed));
    return std::nullopt;
  }
  return storage::Principals{false, k.principals};
}

}  // namespace

struct Server::Impl {
  httplib::Server http;
};

Server::Server(const ranker::SearchService* service, ServerOptions options)
    : impl_(std::make_unique<Impl>()), service_(service), options_(std::move(options)) {
  auto& http = impl_->http;
  http.set_payload_max_length(options_.max_body_bytes);

  http.Get("/", [](const httplib::Request&, httplib::Response& res) {
    res.set_content(search_page_html(), "text/html; charset=utf-8");
  });

  http.Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    json j = {{"status", "ok"},
              {"documents", service_->index().document_count()},
              {"chunks", service_->index().chunk_count()}};
    res.set_content(j.dump(), "application/json");
  });

  http.Post("/v1/search", [this](const httplib::Request& req, httplib::Response& res) {
    auto who = caller(req, res, options_, storage::Role::kReader);
    if (!who) return;
    auto parsed = parse_search_body(req.body, options_.defaults);
    if (!parsed.is_ok()) return send_error(res, 400, parsed.status().message());
    auto& [search_req, explain] = parsed.value();
    search_req.principals = std::move(who).value();
    auto resp = service_->search(search_req);
    if (!resp.is_ok()) {
      int code = http_status_for(resp.status());
      if (code >= 500) core::log_error("web", "search failed: " + resp.status().to_string());
      return send_error(res, code, resp.status().message());
    }
    res.set_content(ranker::to_json(resp.value(), explain).dump(), "application/json");
  });

  http.Post("/v1/rerank", [this](const httplib::Request& req, httplib::Response& res) {
    if (!caller(req, res, options_, storage::Role::kReader)) return;
    auto call = parse_rerank_body(req.body, options_.defaults.rerank_model);
    if (!call.is_ok()) return send_error(res, 400, call.status().message());
    auto scores = service_->rerank_texts(call->model, call->query, call->texts, call->budget_ms);
    if (!scores.is_ok()) {
      int code = http_status_for(scores.status());
      if (code >= 500) core::log_error("web", "rerank failed: " + scores.status().to_string());
      return send_error(res, code, scores.status().message());
    }
    res.set_content(rerank_response(call.value(), scores.value()).dump(), "application/json");
  });

  // httplib calls this for every status >= 400, including its own 404 and
  // 413: give those a JSON body too, but keep bodies our handlers wrote.
  http.set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return;
    const char* msg = res.status == 413   ? "request body too large"
                      : res.status == 404 ? "no such route"
                      : res.status == 405 ? "method not allowed"
                                          : "bad request";
    res.set_content(json{{"error", msg}}.dump(), "application/json");
  });

  http.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    core::log_error("web", req.method + " " + req.path + ": " + what);
    send_error(res, 500, "internal error");
  });
}

Server::~Server() { stop(); }

Status Server::bind() {
  auto& http = impl_->http;
  if (options_.port == 0) {
    bound_port_ = http.bind_to_any_port(options_.host);
  } else {
    bound_port_ = http.bind_to_port(options_.host, options_.port) ? options_.port : -1;
  }
  if (bound_port_ < 0)
    return Status::unavailable("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                               " (address in use or not available)");
  return Status::ok();
}

Status Server::listen() {
  if (bound_port_ < 0) KB_RETURN_IF_ERROR(bind());
  if (!impl_->http.listen_after_bind()) return Status::io_error("HTTP server stopped with an error");
  return Status::ok();
}

void Server::stop() {
  if (impl_ && impl_->http.is_running()) impl_->http.stop();
}

}  // namespace kbseek::web
