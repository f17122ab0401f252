// The HTTP API and the search page, served from one process.
//
// Routes:
//   GET  /            the search page (HTML, no external assets)
//   GET  /health      {"status":"ok","documents":N,"chunks":M}  (alive)
//   GET  /ready       {"status":"ready"}: the index and every model are loaded
//                     (serve opens them, and warms a default re-ranker,
//                     before it listens)
//   GET  /metrics     Prometheus text format (web/metrics.h)
//   GET  /openapi.json  the OpenAPI 3 description (web/openapi.h)
//   GET  /v1/search?q=..&k=..&offset=..&facets=a,b&mode=..&explain=true   the same as POST
//   GET  /v1/stats    sizes, models, the fields filters and facets can use
//   POST /v1/embeddings  OpenAI's embeddings shape (web/embeddings_api.h)
//   POST /v1/rerank      Cohere/Jina and TEI shapes (web/rerank_api.h)
//   POST /v1/admin/reload   re-open the index and models (admin keys only)
//   GET/POST /v1/admin/keys, DELETE /v1/admin/keys/{id}   keys (admin keys only)
//   GET  /v1/documents/{id}  a stored document the caller may read (404 otherwise)
//   PUT  /v1/documents/{id}  write one (JSON document), DELETE removes one,
//   POST /v1/documents       NDJSON, one result per record (serve --writable)
//   DELETE /v1/documents?ids=&filter=&reason=   erasure, audited (admin keys; serve --writable)
// With tenants (serve --tenants ROOT) each tenant's routes are these under
// /t/NAME (the page at /t/NAME/); /health, /ready, /metrics, /openapi.json stay.
// With ServerOptions::tls_cert/tls_key the same over HTTPS.
// With ServerOptions::keys, /v1/* needs an API key (reader or above).
//   POST /v1/search   {"query": str, "k"?: int (10), "offset"?: int, "facets"?: [str],
//                      "mode"?: "bm25"|"dense"|"hybrid", "explain"?: bool, "rerank"...}
//                     -> the same JSON as `kbseek search --json`, holding only
//                     documents the caller may read (ServerOptions::anonymous)
// Errors are {"error": {"code": HTTP status, "message": "..."}} with 400
// (invalid JSON, empty query, bad field types), 401/403 (keys), 404, 405,
// 408/411/413/414/431 and 503 (web/http_core.h), 500 (anything unexpected;
// the server stays up). Requests are answered on the core's worker
// threads; the SearchService is thread-safe.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "indexer/live_writer.h"
#include "ranker/search_service.h"
#include "storage/key_store.h"
#include "web/http_core.h"
#include "web/metrics.h"

namespace kbseek::web {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: pick a free port (see Server::port())
  size_t max_body_bytes = 1 << 20;
  // Connection limits, timeouts, workers and queue (web/http_core.h);
  // max_body_bytes above wins over limits.max_body_bytes.
  HttpLimits limits = {};
  // Request fields a body leaves out take these values (serve --rerank
  // MODEL sets the LLM stage for every request that does not say
  // "rerank": false).
  ranker::SearchRequest defaults = {};
  // Who a request is, for documents' acls (storage/access.h): with
  // principals_header set (serve --principals-header NAME), a request that
  // carries that header is the comma-separated principals in it, as a
  // trusted gateway in front of kbseek vouches; set it only when the
  // gateway removes the header from its clients' requests. Any other
  // request is `anonymous` (serve --anonymous-principals LIST; by default
  // none: public documents only).
  std::string principals_header = {};
  storage::Principals anonymous = {};
  // API keys (serve --auth, and always when listening beyond loopback):
  // when set, every route but GET / and /health needs a key of a role
  // high enough ("Authorization: Bearer KEY" or "X-API-Key: KEY"; 401
  // without one, 403 for a role too low), and a request's principals are
  // the key's (principals_header and anonymous are not used). Must outlive
  // the server.
  storage::KeyStore* keys = nullptr;
  // POST /v1/admin/reload (admin keys only; refused without keys) calls
  // this: serve re-opens its index folder and models and set_service()s
  // the result. Unset: the route answers 501.
  std::function<core::Status()> reload = {};
  // serve --writable: PUT/DELETE /v1/documents/{id} and POST /v1/documents
  // (writer keys, or any loopback caller without keys) write through it;
  // null: those routes answer 403. Must outlive the server.
  indexer::LiveWriter* writer = nullptr;
  // One log record per answered request (core/logging.h: JSON lines when
  // stderr is not a terminal) with method, route, status, ms, bytes_in;
  // a search's also has results, cached, mode and its query as
  // query_log says: kMasked (the default: e-mail addresses and long
  // numbers masked, core/personal_data.h), kPlain, or kOff (no query text).
  bool access_log = true;
  // HTTPS (web/http_core.h's use_tls): PEM files of the certificate chain
  // and its key; both empty: plain HTTP.
  std::string tls_cert = {}, tls_key = {};
  enum class QueryLog { kOff, kMasked, kPlain };
  QueryLog query_log = QueryLog::kMasked;
};

class ShardResponder;  // web/shard_search.h

// Maps a Status code to an HTTP status (the one place this mapping lives).
int http_status_for(const core::Status& status);

// One tenant's index under a server of several (serve --tenants ROOT).
struct TenantSite {
  std::string name;  // [a-z0-9_-]+; its routes are under /t/NAME ("" = at the root, one index)
  const ranker::SearchService* service = nullptr;  // must outlive the server (or set_service())
  storage::KeyStore* keys = nullptr;               // the tenant's own keys (its index's keys.sqlite)
  indexer::LiveWriter* writer = nullptr;           // --writable: the tenant's writer
  std::function<core::Status()> reload = {};       // POST /t/NAME/v1/admin/reload
};

class Server {
 public:
  // One index at the root. `service` must outlive the server (or until
  // set_service() replaces it).
  Server(const ranker::SearchService* service, ServerOptions options);
  // Tenants: each site's routes (the page at /t/NAME/, /t/NAME/v1/search,
  // documents, stats, keys, reload, embeddings, rerank) run on that
  // tenant's service, cache, key store and writer alone, so a key is known
  // to its own tenant only (401 elsewhere), and no query, answer, cache
  // entry or document crosses tenants. /health, /ready, /metrics and
  // /openapi.json are the server's (sizes summed; metrics' route label
  // carries the prefix). options.keys/writer/reload are ignored: each
  // site's own are used.
  Server(std::vector<TenantSite> sites, ServerOptions options);
  // Requests that start after this run on `service`; those in flight finish
  // on the one they started with (it lives while they hold it). Thread-safe.
  void set_service(std::shared_ptr<const ranker::SearchService> service);
  void set_service(const std::string& tenant, std::shared_ptr<const ranker::SearchService> service);
  ~Server();
  // Binds; Unavailable naming host:port if the address is taken.
  core::Status bind();
  int port() const { return bound_port_; }
  // (method, path) of every route (the OpenAPI test compares them).
  std::vector<std::pair<std::string, std::string>> routes() const { return http_->routes(); }
  // Serves until stop() (blocking). Call bind() first.
  core::Status listen();
  void stop();
  // Also answers searches of shard `shard` over NATS (web/shard_search.h),
  // on the first site. Unavailable when NATS cannot be reached.
  core::Status answer_shard_searches(const std::string& url, const std::string& stream, int shard);

 private:
  // One index and what serves it, at a path prefix.
  struct Site {
    std::string name, prefix;  // "" and "", or NAME and "/t/NAME"
    ServerOptions options;     // the server's, with this site's keys, writer and reload
    // The service of new requests; each takes a reference for its duration.
    std::shared_ptr<const ranker::SearchService> current() const;
    mutable std::mutex mu;
    std::shared_ptr<const ranker::SearchService> service;
  };
  void add_site_routes(Site* site);
  // A search of `site`: (200, the answer's JSON) or (status, message);
  // fills *request and *response on success (for logs and metrics).
  std::pair<int, std::string> run_search(Site* site, const std::string& body, storage::Principals who,
                                         ranker::SearchRequest* request, ranker::SearchResponse* response);
  std::unique_ptr<HttpServer> http_;
  Metrics metrics_;
  std::vector<std::unique_ptr<Site>> sites_;
  ServerOptions options_;
  int bound_port_ = -1;
  std::unique_ptr<ShardResponder> responder_;  // last: gone first
};

}  // namespace kbseek::web
