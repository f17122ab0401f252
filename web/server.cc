// HTTP handlers over the HTTP core (web/http_core.h). Every error body is
// {"error": {"code", "message"}}; one function maps Status to HTTP; the
// core turns anything a handler throws into a 500 and stays up.
#include "web/server.h"

#include <cctype>
#include <chrono>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "core/ascii.h"
#include "core/json_escape.h"
#include "core/logging.h"
#include "core/personal_data.h"
#include "indexer/jsonl_reader.h"
#include "query/selection.h"
#include "storage/audit_log.h"
#include "storage/manifest.h"
#include "web/embeddings_api.h"
#include "web/openapi.h"
#include "web/request_common.h"
#include "web/rerank_api.h"
#include "web/search_page.h"
#include "web/shard_search.h"

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

void send_error(HttpResponse& res, int http_status, const std::string& message) {
  set_http_error(res, http_status, message);
}

// Parses and validates the request body into a SearchRequest.
core::Result<std::pair<ranker::SearchRequest, bool>> parse_search_body(const std::string& body,
                                                                       const ranker::SearchRequest& defaults,
                                                                       const ranker::RankingOptions& ranking_defaults) {
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
  if (auto o = j.find("offset"); o != j.end()) {
    if (!o->is_number_integer()) return Status::invalid_argument("field \"offset\" must be an integer");
    req.offset = o->get<int>();
  }
  if (auto f = j.find("facets"); f != j.end()) {
    bool ok = f->is_array();
    for (const auto& x : ok ? *f : json::array()) ok = ok && x.is_string();
    if (!ok) return Status::invalid_argument("field \"facets\" must be an array of field names");
    for (const auto& x : *f) req.facets.push_back(x.get<std::string>());
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
  // Ranking beyond relevance (ranker/objectives.h), over the index's own.
  if (auto r = j.find("ranking"); r != j.end()) {
    ranker::RankingOptions o = ranking_defaults;
    KB_RETURN_IF_ERROR(ranker::ranking_from_json(*r, &o));
    req.ranking = std::move(o);
  }
  if (auto e = j.find("explain"); e != j.end()) {
    if (!e->is_boolean()) return Status::invalid_argument("field \"explain\" must be a boolean");
    explain = e->get<bool>();
  }
  return std::make_pair(std::move(req), explain);
}

}  // namespace

Server::Server(const ranker::SearchService* initial, ServerOptions options)
    : Server(std::vector<TenantSite>{{"", initial, options.keys, options.writer, options.reload}}, options) {}

Server::Server(std::vector<TenantSite> sites, ServerOptions options) : options_(std::move(options)) {
  HttpLimits limits = options_.limits;
  limits.max_body_bytes = options_.max_body_bytes;
  http_ = std::make_unique<HttpServer>(limits);
  auto& http = *http_;
  for (auto& t : sites) {
    auto site = std::make_unique<Site>();
    site->name = t.name;
    site->prefix = t.name.empty() ? "" : "/t/" + t.name;
    site->options = options_;
    site->options.keys = t.keys;
    site->options.writer = t.writer;
    site->options.reload = std::move(t.reload);
    // Not owned: the caller keeps it alive (set_service() owns).
    site->service = std::shared_ptr<const ranker::SearchService>(t.service, [](const ranker::SearchService*) {});
    add_site_routes(site.get());
    sites_.push_back(std::move(site));
  }

  // Alive; the sizes are summed over the sites (tenants).
  http.route("GET", "/health", [this](const HttpRequest&, HttpResponse& res) {
    int64_t documents = 0, chunks = 0;
    for (const auto& site : sites_) {
      const auto svc = site->current();
      documents += svc->index().document_count();
      chunks += svc->index().chunk_count();
    }
    json j = {{"status", "ok"}, {"documents", documents}, {"chunks", chunks}};
    res.set_content(j.dump(), "application/json");
  });

  http.route("GET", "/openapi.json", [](const HttpRequest&, HttpResponse& res) {
    res.set_content(openapi_document().dump(), "application/json");
  });

  http.route("GET", "/ready", [](const HttpRequest&, HttpResponse& res) {
    res.set_content(R"({"status":"ready"})", "application/json");
  });

  http.route("GET", "/metrics", [this](const HttpRequest&, HttpResponse& res) {
    const auto& st = http_->stats();
    Metrics::Gauges g;
    for (const auto& site : sites_) {  // summed over the sites (tenants)
      const auto svc = site->current();
      g.documents += svc->index().document_count();
      g.chunks += svc->index().chunk_count();
      g.cache_hits += svc->cache_hits();
      g.cache_misses += svc->cache_misses();
      g.disk_cache_hits += svc->disk_cache_hits();
      g.disk_cache_misses += svc->disk_cache_misses();
      g.embedding_hits += svc->embedding_cache_hits();
      g.embedding_misses += svc->embedding_cache_misses();
      for (const auto& [model, c] : svc->encoder_token_caches()) {
        g.encoder_token_caches[model].hits += c.hits;
        g.encoder_token_caches[model].misses += c.misses;
      }
      for (const auto& [model, c] : svc->encoder_batch_sizes()) {
        auto& sum = g.encoder_batches[model];
        for (size_t b = 0; b < c.buckets.size(); ++b) sum.buckets[b] += c.buckets[b];
        sum.passes += c.passes;
        sum.texts += c.texts;
      }
    }
    g.refused_busy = st.rejected_busy.load();
    g.refused_timeout = st.timed_out.load();
    g.refused_too_large = st.too_large.load();
    g.queued = st.queued.load();
    g.answering = st.answering.load();
    res.set_content(metrics_.render(g), "text/plain; version=0.0.4; charset=utf-8");
  });
  http.on_answered([this](const HttpRequest& req, const std::string& route, const HttpResponse& res, double seconds) {
    const int status = res.status;
    metrics_.observe(route, req.method, status, seconds);
    // The access log: what a log pipeline (ELK) filters on. The route, not
    // the path or query string (they hold what users search for and
    // document ids), and never a key.
    if (options_.access_log) {
      char ms[32];
      std::snprintf(ms, sizeof ms, "%.3f", seconds * 1000);
      core::LogFields fields = {{"method", "\"" + core::json_escape(req.method) + "\""},
                                {"route", "\"" + core::json_escape(route) + "\""},
                                {"status", std::to_string(status)},
                                {"ms", ms},
                                {"bytes_in", std::to_string(req.body.size())}};
      fields.insert(fields.end(), res.log_fields.begin(), res.log_fields.end());
      core::log(core::LogLevel::kInfo, "access", req.method + " " + route + " " + std::to_string(status), fields);
    }
  });

  http.on_exception([](const HttpRequest& req, const std::string& what) {
    core::log_error("web", req.method + " " + req.path + ": " + what);
  });
}

std::pair<int, std::string> Server::run_search(Site* site, const std::string& body, storage::Principals who,
                                               ranker::SearchRequest* request, ranker::SearchResponse* response) {
  const auto svc = site->current();  // one generation for the whole request
  auto parsed = parse_search_body(body, site->options.defaults, svc->ranking_defaults());
  if (!parsed.is_ok()) return {400, parsed.status().message()};
  auto& [search_req, explain] = parsed.value();
  search_req.principals = std::move(who);
  auto resp = svc->search(search_req);
  if (!resp.is_ok()) {
    const int code = http_status_for(resp.status());
    if (code >= 500) core::log_error("web", "search failed: " + resp.status().to_string());
    return {code, resp.status().message()};
  }
  std::string out = ranker::to_json(resp.value(), explain).dump();
  *request = std::move(search_req);
  *response = std::move(resp).value();
  return {200, std::move(out)};
}

Status Server::answer_shard_searches(const std::string& url, const std::string& stream, int shard) {
  Site* site = sites_.front().get();
  KB_ASSIGN_OR_RETURN(
      responder_,
      ShardResponder::start(url, stream, shard, [this, site](const std::string& body, const storage::Principals& who) {
        ranker::SearchRequest req;
        ranker::SearchResponse resp;
        auto answer = run_search(site, body, who, &req, &resp);
        if (answer.first == 200) metrics_.observe_stages(resp.stages);
        return answer;
      }));
  return Status::ok();
}

void Server::add_site_routes(Site* site) {
  auto& http = *http_;
  const std::string& P = site->prefix;

  http.route("GET", P + "/", [](const HttpRequest&, HttpResponse& res) {
    res.set_content(search_page_html(), "text/html; charset=utf-8");
  });

  // What the index holds and can filter and count on: the page builds its
  // filters from it. A reader's route (field names describe the data).
  http.route("GET", P + "/v1/stats", [site](const HttpRequest& req, HttpResponse& res) {
    if (!caller(req, res, site->options, storage::Role::kReader)) return;
    const auto svc = site->current();
    const storage::IndexFolder& index = svc->index();
    auto fields = index.indexed_fields();
    if (!fields.is_ok()) {
      core::log_error("web", "stats failed: " + fields.status().to_string());
      return send_error(res, 500, "the index's fields cannot be read");
    }
    json models = json::array();
    for (const auto& m : index.manifest().models) models.push_back({{"name", m.name}, {"dimension", m.dimension}});
    json field_types = json::object();
    json facets = {"lang", "year"};
    for (const auto& [name, numeric] : fields->fields) {
      field_types[name] = numeric ? "number" : "text";
      if (!numeric) facets.push_back(name);
    }
    json j = {{"documents", index.document_count()},
              {"chunks", index.chunk_count()},
              {"models", models},
              {"fields", field_types},
              {"facets", facets}};
    res.set_content(j.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
  });

  // One stored document, if the caller may read it; 404 alike for one that
  // does not exist and one the caller may not read, so that ids cannot be
  // probed.
  http.route_prefix("GET", P + "/v1/documents/", [site](const HttpRequest& req, HttpResponse& res) {
    auto who = caller(req, res, site->options, storage::Role::kReader);
    if (!who) return;
    const std::string& id = req.path_rest;
    auto doc = site->current()->index().get_document(id);
    if (!doc.is_ok() && doc.status().code() != core::StatusCode::kNotFound) {
      core::log_error("web", "document read failed: " + doc.status().to_string());
      return send_error(res, 500, "the document cannot be read");
    }
    if (!doc.is_ok() || !storage::may_read(doc->acl, who.value())) {
      return send_error(res, 404, "no document \"" + id + "\"");
    }
    json j = {{"id", doc->id},
              {"title", doc->title},
              {"text", doc->text},
              {"metadata", json::parse(doc->metadata_json, nullptr, false)}};
    if (doc->timestamp) j["timestamp"] = *doc->timestamp;
    if (!doc->duplicate_of.empty()) j["duplicate_of"] = doc->duplicate_of;
    res.set_content(j.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
  });

  // Admin: keys required (an admin's), whatever else the server allows.
  http.route("POST", P + "/v1/admin/reload", [site](const HttpRequest& req, HttpResponse& res) {
    if (site->options.keys == nullptr) {
      return send_error(res, 403, "admin routes need API keys (serve --auth); send SIGHUP to reload instead");
    }
    if (!caller(req, res, site->options, storage::Role::kAdmin)) return;
    if (!site->options.reload) return send_error(res, 501, "this server cannot reload");
    const auto t0 = std::chrono::steady_clock::now();
    if (Status st = site->options.reload(); !st.is_ok()) {
      core::log_error("web", "reload failed, still serving the previous index: " + st.to_string());
      return send_error(res, 500, "reload failed, still serving the previous index: " + st.message());
    }
    json j = {{"status", "reloaded"},
              {"documents", site->current()->index().document_count()},
              {"took_ms", std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count()}};
    res.set_content(j.dump(), "application/json");
  });

  // Keys over HTTP, an admin's: list (no secrets), create (the key is in
  // this answer only), revoke (at once). The store is the one the server
  // authenticates with.
  auto admin = [site](const HttpRequest& req, HttpResponse& res) -> bool {
    if (site->options.keys == nullptr) {
      send_error(res, 403, "admin routes need API keys (serve --auth)");
      return false;
    }
    return caller(req, res, site->options, storage::Role::kAdmin).has_value();
  };
  http.route("GET", P + "/v1/admin/keys", [site, admin](const HttpRequest& req, HttpResponse& res) {
    if (!admin(req, res)) return;
    auto keys = site->options.keys->list();
    if (!keys.is_ok()) return send_error(res, 500, "API keys cannot be read: " + keys.status().message());
    json all = json::array();
    for (const auto& k : keys.value()) all.push_back(json::parse(storage::api_key_json(k)));
    res.set_content(json{{"keys", all}}.dump(), "application/json");
  });
  http.route("POST", P + "/v1/admin/keys", [site, admin](const HttpRequest& req, HttpResponse& res) {
    if (!admin(req, res)) return;
    auto body = parse_json_object(req.body);
    if (!body.is_ok()) return send_error(res, 400, body.status().message());
    const json& j = body.value();
    if (!j.contains("role") || !j["role"].is_string()) return send_error(res, 400, "field \"role\" must be a string");
    auto role = storage::parse_role(j["role"].get<std::string>());
    if (!role.is_ok()) return send_error(res, 400, role.status().message());
    std::vector<std::string> principals;
    if (auto p = j.find("principals"); p != j.end()) {
      bool ok = p->is_array();
      for (const auto& x : ok ? *p : json::array()) ok = ok && x.is_string();
      if (!ok) return send_error(res, 400, "field \"principals\" must be an array of strings");
      for (const auto& x : *p) principals.push_back(x.get<std::string>());
    }
    auto made = site->options.keys->create(role.value(), principals);
    if (!made.is_ok()) {
      const int code = http_status_for(made.status());
      return send_error(res, code, made.status().message());
    }
    json out = json::parse(storage::api_key_json(made->first));
    out["key"] = made->second;  // shown this once; stored hashed
    res.status = 201;
    res.set_content(out.dump(), "application/json");
  });
  http.route_prefix("DELETE", P + "/v1/admin/keys/", [site, admin](const HttpRequest& req, HttpResponse& res) {
    if (!admin(req, res)) return;
    if (Status st = site->options.keys->revoke(req.path_rest); !st.is_ok()) {
      return send_error(res, http_status_for(st), st.message());
    }
    res.set_content(json{{"id", req.path_rest}, {"revoked", true}}.dump(), "application/json");
  });

  // Writes (serve --writable), a writer's: one document, a removal, NDJSON.
  auto writable = [site](const HttpRequest& req, HttpResponse& res) -> bool {
    if (site->options.writer == nullptr) {
      send_error(res, 403, "this server is read-only (serve --writable to accept documents)");
      return false;
    }
    return caller(req, res, site->options, storage::Role::kWriter).has_value();
  };
  auto write = [site](HttpResponse& res, std::vector<core::Result<storage::Document>> docs) {
    auto outcomes = site->options.writer->put(std::move(docs));
    if (!outcomes.is_ok()) {
      core::log_error("web", "document write failed: " + outcomes.status().to_string());
      send_error(res, 500, "the write failed and nothing of it was kept: " + outcomes.status().message());
      return std::vector<indexer::LiveWriter::Outcome>();
    }
    return std::move(outcomes).value();
  };
  http.route_prefix("PUT", P + "/v1/documents/", [site, writable, write](const HttpRequest& req, HttpResponse& res) {
    if (!writable(req, res)) return;
    auto doc = indexer::parse_document_line(req.body);
    if (doc.is_ok() && doc->id != req.path_rest) {
      return send_error(res, 400, "the body's id \"" + doc->id + "\" is not the path's \"" + req.path_rest + "\"");
    }
    std::vector<core::Result<storage::Document>> one;
    one.push_back(std::move(doc));
    const auto outcomes = write(res, std::move(one));
    if (outcomes.empty()) return;
    const auto& o = outcomes[0];
    if (o.status == "rejected") return send_error(res, 400, o.error);
    json j = {{"id", o.id}, {"status", o.status}};
    if (!o.error.empty()) j["note"] = o.error;
    res.set_content(j.dump(), "application/json");
  });
  http.route_prefix("DELETE", P + "/v1/documents/", [site, writable](const HttpRequest& req, HttpResponse& res) {
    if (!writable(req, res)) return;
    Status st = site->options.writer->remove(req.path_rest);
    if (!st.is_ok()) return send_error(res, http_status_for(st), st.message());
    res.set_content(json{{"id", req.path_rest}, {"status", "deleted"}}.dump(), "application/json");
  });
  // Erasure (GDPR), an admin's when keys are on: ids=a,b and/or
  // filter=CONDITIONS (query/selection.h), reason=...; the content goes from
  // the folder's files (LiveWriter::erase), the result cache is emptied
  // (both levels), and audit.jsonl records who, why and which ids.
  http.route("DELETE", P + "/v1/documents", [site](const HttpRequest& req, HttpResponse& res) {
    if (site->options.writer == nullptr)
      return send_error(res, 403, "this server is read-only (serve --writable to erase documents)");
    if (!caller(req, res, site->options, storage::Role::kAdmin)) return;
    const std::string filter = req.query_param("filter"), reason = req.query_param("reason");
    const std::vector<std::string> listed = comma_items(req.query_param("ids"));
    std::set<std::string> ids(listed.begin(), listed.end());
    if (ids.empty() && filter.empty()) return send_error(res, 400, "give ids=a,b and/or filter=CONDITIONS");
    const auto svc = site->current();
    if (!filter.empty()) {
      if (Status st = svc->index().refresh_vectors(); !st.is_ok()) core::log_warn("web", st.to_string());
      auto selected = query::select_documents(svc->index(), filter);
      if (!selected.is_ok()) return send_error(res, http_status_for(selected.status()), selected.status().message());
      ids.insert(selected->begin(), selected->end());
    }
    const std::vector<std::string> wanted(ids.begin(), ids.end());
    auto missing = site->options.writer->erase(wanted);
    if (!missing.is_ok()) {
      core::log_error("web", "erasure failed: " + missing.status().to_string());
      return send_error(res, 500, "the erasure failed: " + missing.status().message());
    }
    std::vector<std::string> erased;
    for (const auto& id : wanted)
      if (std::find(missing->begin(), missing->end(), id) == missing->end()) erased.push_back(id);
    // Cached answers may quote what was erased.
    Status cleared = svc->clear_result_cache();
    const std::string actor = site->options.keys == nullptr ? "no keys (loopback)" : "key " + presented_key_id(req);
    const json record = {{"ts", storage::utc_now_iso8601()},
                         {"action", "erase"},
                         {"actor", actor},
                         {"reason", reason},
                         {"filter", filter},
                         {"erased", erased},
                         {"not_found", missing.value()},
                         {"via", "http"}};
    Status audited =
        storage::append_audit_record(svc->index().dir(), record.dump(-1, ' ', false, json::error_handler_t::replace));
    if (!audited.is_ok() || !cleared.is_ok()) {
      const Status& bad = audited.is_ok() ? cleared : audited;
      core::log_error("web", "erasure done, but: " + bad.to_string());
      return send_error(res, 500, "the documents are erased, but " + bad.message());
    }
    res.set_content(
        json{{"erased", erased}, {"not_found", missing.value()}}.dump(-1, ' ', false, json::error_handler_t::replace),
        "application/json");
  });

  http.route("POST", P + "/v1/documents", [writable, write](const HttpRequest& req, HttpResponse& res) {
    if (!writable(req, res)) return;
    std::vector<core::Result<storage::Document>> docs;
    std::vector<int> lines;
    int line_no = 0;
    size_t start = 0;
    while (start < req.body.size()) {
      size_t nl = req.body.find('\n', start);
      if (nl == std::string::npos) nl = req.body.size();
      std::string line = req.body.substr(start, nl - start);
      start = nl + 1;
      ++line_no;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
      docs.push_back(indexer::parse_document_line(line));
      lines.push_back(line_no);
    }
    if (docs.empty()) return send_error(res, 400, "the body holds no document (NDJSON: one JSON document a line)");
    const auto outcomes = write(res, std::move(docs));
    if (outcomes.empty()) return;
    json results = json::array();
    int rejected = 0;
    for (size_t i = 0; i < outcomes.size(); ++i) {
      json r = {{"line", lines[i]}, {"id", outcomes[i].id}, {"status", outcomes[i].status}};
      if (!outcomes[i].error.empty()) r[outcomes[i].status == "rejected" ? "error" : "note"] = outcomes[i].error;
      rejected += outcomes[i].status == "rejected";
      results.push_back(std::move(r));
    }
    res.set_content(
        json{{"results", results}, {"rejected", rejected}}.dump(-1, ' ', false, json::error_handler_t::replace),
        "application/json");
  });

  // GET takes the POST body's fields as parameters (q for query).
  auto search = [this, site](const HttpRequest& req, HttpResponse& res, const std::string& body) {
    auto who = caller(req, res, site->options, storage::Role::kReader);
    if (!who) return;
    ranker::SearchRequest search_req;
    ranker::SearchResponse found;
    auto [code, out] = run_search(site, body, std::move(who).value(), &search_req, &found);
    if (code != 200) return send_error(res, code, out);
    res.set_content(std::move(out), "application/json");
    const auto* resp = &found;
    metrics_.observe_stages(resp->stages);
    if (site->options.access_log) {
      res.log_fields = {{"results", std::to_string(resp->results.size())},
                        {"cached", resp->cached ? "true" : "false"},
                        {"mode", std::string("\"") + ranker::search_mode_name(search_req.mode) + "\""}};
      if (site->options.query_log != ServerOptions::QueryLog::kOff) {
        const std::string text = site->options.query_log == ServerOptions::QueryLog::kPlain
                                     ? search_req.query
                                     : core::mask_personal_data(search_req.query);
        res.log_fields.emplace_back("query", "\"" + core::json_escape(text) + "\"");
      }
    }
  };
  http.route("POST", P + "/v1/search",
             [search](const HttpRequest& req, HttpResponse& res) { search(req, res, req.body); });
  http.route("GET", P + "/v1/search", [search](const HttpRequest& req, HttpResponse& res) {
    auto body = search_params_to_body(req);
    if (!body.is_ok()) return send_error(res, 400, body.status().message());
    search(req, res, body.value());
  });

  http.route("POST", P + "/v1/embeddings", [site](const HttpRequest& req, HttpResponse& res) {
    if (!caller(req, res, site->options, storage::Role::kReader)) return;
    auto call = parse_embeddings_body(req.body);
    if (!call.is_ok()) return send_error(res, 400, call.status().message());
    int dim = 0;
    long long tokens = 0;
    auto vectors =
        site->current()->embed_texts(call->model, call->dimensions, call->inputs, call->query, &dim, &tokens);
    if (!vectors.is_ok()) {
      int code = http_status_for(vectors.status());
      if (code >= 500) core::log_error("web", "embeddings failed: " + vectors.status().to_string());
      return send_error(res, code, vectors.status().message());
    }
    res.set_content(embeddings_response(call.value(), vectors.value(), dim, tokens).dump(), "application/json");
  });

  http.route("POST", P + "/v1/rerank", [site](const HttpRequest& req, HttpResponse& res) {
    if (!caller(req, res, site->options, storage::Role::kReader)) return;
    auto call = parse_rerank_body(req.body, site->options.defaults.rerank_model);
    if (!call.is_ok()) return send_error(res, 400, call.status().message());
    auto scores = site->current()->rerank_texts(call->model, call->query, call->texts, call->budget_ms);
    if (!scores.is_ok()) {
      int code = http_status_for(scores.status());
      if (code >= 500) core::log_error("web", "rerank failed: " + scores.status().to_string());
      return send_error(res, code, scores.status().message());
    }
    res.set_content(rerank_response(call.value(), scores.value()).dump(), "application/json");
  });
}

Server::~Server() {
  stop();
  responder_.reset();  // no shard request may reach a site being destroyed
}

std::shared_ptr<const ranker::SearchService> Server::Site::current() const {
  std::lock_guard<std::mutex> lock(mu);
  return service;
}

void Server::set_service(std::shared_ptr<const ranker::SearchService> service) { set_service("", std::move(service)); }

void Server::set_service(const std::string& tenant, std::shared_ptr<const ranker::SearchService> service) {
  for (auto& site : sites_) {
    if (site->name != tenant) continue;
    std::lock_guard<std::mutex> lock(site->mu);
    site->service = std::move(service);
    return;
  }
}

Status Server::bind() {
  if (options_.tls_cert.empty() != options_.tls_key.empty())
    return Status::invalid_argument("TLS needs both a certificate (--tls-cert) and its key (--tls-key)");
  if (!options_.tls_cert.empty()) KB_RETURN_IF_ERROR(http_->use_tls(options_.tls_cert, options_.tls_key));
  KB_RETURN_IF_ERROR(http_->bind(options_.host, options_.port));
  bound_port_ = http_->port();
  return Status::ok();
}

Status Server::listen() {
  if (bound_port_ < 0) KB_RETURN_IF_ERROR(bind());
  return http_->listen();
}

void Server::stop() {
  if (http_) http_->stop();
}

}  // namespace kbseek::web
