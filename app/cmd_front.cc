// `kbseek front --nats URL`: one HTTP front for an index split into shards
// that follow the change feed (`serve --writable --feed URL --shard I/N`):
// GET/POST /v1/search asks every shard at once over NATS and merges
// (web/shard_search.h); /health and /ready. Who asks is decided here, as
// serve does (keys from --keys DIR's keys.sqlite, required beyond loopback;
// else --anonymous-principals or a trusted --principals-header), and the
// shards trust the front's principals.
#include <csignal>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "app/args.h"
#include "app/commands.h"
#include "app/service_flags.h"
#include "storage/key_store.h"
#include "web/http_core.h"
#include "web/request_common.h"
#include "web/shard_search.h"

namespace kbseek::app {

using core::Status;
using nlohmann::json;

namespace {
web::HttpServer* g_front = nullptr;
void on_front_signal(int) {
  if (g_front) g_front->stop();
}
}  // namespace

int cmd_front(int argc, char** argv) {
  auto args = Args::parse(argc, argv,
                          {"--nats", "--stream", "--host", "--port", "--timeout-ms", "--keys", "--anonymous-principals",
                           "--principals-header"},
                          {});
  if (!args.is_ok()) return fail("front", args.status());
  auto url = args->require("--nats");
  if (!url.is_ok())
    return fail("front",
                Status::invalid_argument(
                    "usage: kbseek front --nats nats://HOST:PORT [--stream kbseek] [--host H] [--port P] "
                    "[--timeout-ms 1000] [--keys DIR | --anonymous-principals a,b | --principals-header NAME]"));
  auto port = args->get_int("--port", 8080);
  auto timeout = args->get_int("--timeout-ms", 1000);
  if (!port.is_ok()) return fail("front", port.status());
  if (!timeout.is_ok() || timeout.value() <= 0)
    return fail("front", Status::invalid_argument("--timeout-ms expects a positive number of milliseconds"));
  web::ServerOptions who;
  who.host = args->get("--host", "127.0.0.1");
  who.anonymous = storage::Principals::parse(args->get("--anonymous-principals"));
  who.principals_header = args->get("--principals-header");
  std::unique_ptr<storage::KeyStore> keys;
  const bool loopback = is_loopback(who.host);
  if (args->has("--keys")) {
    auto store = storage::KeyStore::open(args->get("--keys"), /*create=*/false);
    if (!store.is_ok()) return fail("front", store.status());
    keys = std::move(store).value();
    who.keys = keys.get();
  } else if (!loopback) {
    return fail("front", Status::invalid_argument("a front listening beyond loopback needs keys: --keys DIR "
                                                  "(a folder with keys.sqlite: kbseek keys create --index DIR ...)"));
  }
  auto sharded = web::ShardedSearch::connect(url.value(), args->get("--stream", "kbseek"));
  if (!sharded.is_ok()) return fail("front", sharded.status());
  const int timeout_ms = static_cast<int>(timeout.value());

  web::HttpServer http;
  http.route("GET", "/health", [](const web::HttpRequest&, web::HttpResponse& res) {
    res.set_content(R"({"status":"ok"})", "application/json");
  });
  http.route("GET", "/ready", [](const web::HttpRequest&, web::HttpResponse& res) {
    res.set_content(R"({"status":"ready"})", "application/json");
  });
  auto search = [&](const web::HttpRequest& req, web::HttpResponse& res, const std::string& body) {
    auto principals = web::caller(req, res, who, storage::Role::kReader);
    if (!principals) return;
    const json j = json::parse(body, nullptr, false);
    if (!j.is_object() || !j.contains("query") || !j["query"].is_string())
      return web::set_http_error(res, 400, "the body must be a JSON object with a string \"query\"");
    auto [status, out] = sharded.value()->search(j, principals.value(), timeout_ms);
    res.status = status;
    res.set_content(out.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
  };
  http.route("POST", "/v1/search",
             [&](const web::HttpRequest& req, web::HttpResponse& res) { search(req, res, req.body); });
  http.route("GET", "/v1/search", [&](const web::HttpRequest& req, web::HttpResponse& res) {
    auto body = web::search_params_to_body(req);
    if (!body.is_ok()) return web::set_http_error(res, 400, body.status().message());
    search(req, res, body.value());
  });
  if (Status st = http.bind(who.host, static_cast<int>(port.value())); !st.is_ok()) return fail("front", st);
  g_front = &http;
  std::signal(SIGINT, on_front_signal);
  std::signal(SIGTERM, on_front_signal);
  std::fprintf(stderr, "kbseek front serving %d shards of %s on http://%s:%d/ (%s)\n", sharded.value()->shards(),
               url.value().c_str(), who.host.c_str(), http.port(),
               keys ? "API keys required" : ("callers without a key read as: " + who.anonymous.describe()).c_str());
  Status st = http.listen();
  g_front = nullptr;
  if (!st.is_ok()) return fail("front", st);
  return 0;
}

}  // namespace kbseek::app
