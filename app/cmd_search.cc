// `kbseek search`, `kbseek stats` and `kbseek serve`: read-only uses of an index.
#include <atomic>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <mutex>
#include <thread>
#include <cstdio>

#include <nlohmann/json.hpp>

#include "app/args.h"
#include "app/commands.h"
#include "app/service_flags.h"
#include "ranker/search_service.h"
#include "encoder/model_folder.h"
#include "indexer/live_writer.h"
#include "storage/key_store.h"
#include "web/server.h"

namespace kbseek::app {

using core::Status;

int fail(const char* cmd, const Status& status) {
  std::fprintf(stderr, "kbseek %s: %s\n", cmd, status.message().c_str());
  return 2;
}

namespace {

core::Result<std::unique_ptr<ranker::SearchService>> open_service(const Args& args, size_t cache_entries = 0,
                                                                   int64_t persistent_entries = 0) {
  KB_ASSIGN_OR_RETURN(std::string dir, args.require("--index"));
  KB_ASSIGN_OR_RETURN(auto opts, service_options_from_args(args));
  opts.result_cache_entries = cache_entries;
  opts.persistent_cache_entries = persistent_entries;
  return ranker::SearchService::open(dir, opts);
}

}  // namespace

int cmd_search(int argc, char** argv) {
  auto args = Args::parse(argc, argv, with_service_flags({"--index", "-k", "--mode", "--principals", "--offset", "--facets"}),
                          {"--json", "--explain", "--fixed-weights"});
  if (!args.is_ok()) return fail("search", args.status());
  if (args->positional().empty()) return fail("search", Status::invalid_argument("no query given"));
  std::string query;
  for (const auto& p : args->positional()) query += (query.empty() ? "" : " ") + p;
  ranker::SearchRequest req;
  req.query = query;
  auto k = args->get_int("-k", 10);
  if (!k.is_ok()) return fail("search", k.status());
  req.k = k.value();
  auto offset = args->get_int("--offset", 0);
  if (!offset.is_ok()) return fail("search", offset.status());
  req.offset = offset.value();
  req.facets = args->get_list("--facets");
  auto mode = ranker::parse_search_mode(args->get("--mode", "hybrid"));
  if (!mode.is_ok()) return fail("search", mode.status());
  req.mode = mode.value();
  if (Status st = rerank_from_args(args.value(), &req); !st.is_ok()) return fail("search", st);
  principals_from_args(args.value(), &req);
  auto service = open_service(args.value());
  if (!service.is_ok()) return fail("search", service.status());
  auto resp = service.value()->search(req);
  if (!resp.is_ok()) return fail("search", resp.status());
  if (args->has("--json")) {
    std::printf("%s\n", ranker::to_json(resp.value(), args->has("--explain")).dump().c_str());
    return 0;
  }
  for (const auto& w : resp->query.warnings) std::fprintf(stderr, "kbseek search: warning: %s\n", w.c_str());
  if (args->has("--explain")) {
    const auto& q = resp->query;
    std::string conditions, languages;
    for (const auto& c : q.described) conditions += (conditions.empty() ? "" : ", ") + c;
    for (const auto& l : q.languages) languages += (languages.empty() ? "" : ",") + l;
    std::printf("query: \"%s\"%s%s; languages %s; question %s%s\n", q.text.c_str(),
                conditions.empty() ? "" : "; conditions ", conditions.c_str(), languages.empty() ? "-" : languages.c_str(),
                query::question_form_name(q.question), q.time.recent ? "; asks for recent" : "");
  }
  int i = req.offset;  // ranks, not positions on the page
  for (const auto& r : resp->results) {
    std::printf("%2d. [%.4f] %s  %s\n    %s\n", ++i, r.score, r.id.c_str(), r.title.c_str(), r.snippet.c_str());
    if (args->has("--explain"))
      for (const auto& s : r.explanation)
        std::printf("      %s rank %d score %.4f weight %.3f\n", s.source.c_str(), s.rank, s.score, s.weight);
  }
  if (resp->reranked) {
    const auto& r = resp->rerank;
    std::printf("(LLM %s re-ranked %d of %d in %.0f ms%s%s)\n", r.model.c_str(), r.reranked, r.candidates, r.took_ms,
                r.warning.empty() ? "" : "; ", r.warning.c_str());
  }
  for (const auto& [field, counts] : resp->facets) {
    std::printf("%s:", field.c_str());
    for (const auto& c : counts) std::printf(" %s (%d)", c.value.c_str(), c.count);
    std::printf("\n");
  }
  std::printf("(%zu results%s, %.1f ms)\n", resp->results.size(), resp->more ? ", more with --offset" : "",
              resp->took_ms);
  return 0;
}

int cmd_stats(int argc, char** argv) {
  auto args = Args::parse(argc, argv, {"--index"}, {"--json"});
  if (!args.is_ok()) return fail("stats", args.status());
  auto dir = args->require("--index");
  if (!dir.is_ok()) return fail("stats", dir.status());
  auto index = storage::IndexFolder::open_read_only(dir.value());
  if (!index.is_ok()) return fail("stats", index.status());
  const auto& m = index.value()->manifest();
  nlohmann::json models = nlohmann::json::array();
  for (const auto& mm : m.models)
    models.push_back({{"name", mm.name}, {"fingerprint", mm.fingerprint}, {"dimension", mm.dimension}});
  nlohmann::json j = {{"documents", index.value()->document_count()},
                      {"chunks", index.value()->chunk_count()},
                      {"format_version", m.format_version},
                      {"generation", m.generation},
                      {"models", models}};
  if (args->has("--json")) {
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("%s\n", j.dump(2).c_str());
  }
  return 0;
}

namespace {
web::Server* g_server = nullptr;

// 127.0.0.0/8, ::1 and localhost: reachable from this machine only.
bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}
void on_signal(int) {
  if (g_server) g_server->stop();
}
// SIGHUP asks for a reload; a thread of cmd_serve does it (a handler may not).
std::atomic<bool> g_reload_asked{false};
void on_hangup(int) { g_reload_asked = true; }

// Opens the service and warms the default LLM re-ranker (verifying and
// loading a 1 GB model takes seconds: not in the first user's request). A
// re-ranker that fails here is the warning every re-ranked answer would
// carry, not a reason to stop.
core::Result<std::shared_ptr<ranker::SearchService>> open_warm_service(const Args& args, size_t cache_entries,
                                                                      int64_t persistent_entries,
                                                                      const std::string& rerank_model) {
  KB_ASSIGN_OR_RETURN(auto service, open_service(args, cache_entries, persistent_entries));
  if (!rerank_model.empty()) {
    auto warm = service->rerank_texts(rerank_model, "warm-up", {"warm-up"}, 0);
    if (!warm.is_ok()) {
      std::fprintf(stderr, "kbseek serve: warning: re-ranker %s: %s\n", rerank_model.c_str(),
                   warm.status().message().c_str());
    }
  }
  return std::shared_ptr<ranker::SearchService>(std::move(service));
}
}  // namespace

int cmd_serve(int argc, char** argv) {
  auto args = Args::parse(
      argc, argv,
      with_service_flags({"--index", "--host", "--port", "--anonymous-principals", "--principals-header", "--cache-entries",
                          "--persistent-cache-entries", "--log-queries",
                          "--tls-cert", "--tls-key"}),
      {"--auth", "--no-access-log", "--writable", "--fixed-weights"});
  if (!args.is_ok()) return fail("serve", args.status());
  auto port = args->get_int("--port", 8080);
  if (!port.is_ok()) return fail("serve", port.status());
  // A server is asked the same things again: keep answers (1024 by default).
  auto cache = args->get_int("--cache-entries", 1024);
  if (!cache.is_ok()) return fail("serve", cache.status());
  if (cache.value() < 0) return fail("serve", Status::invalid_argument("--cache-entries expects a number >= 0"));
  // And behind it, in the index folder, answers that outlive a restart and
  // are shared by replicas of the folder (100,000 by default).
  auto persistent = args->get_int("--persistent-cache-entries", 100000);
  if (!persistent.is_ok()) return fail("serve", persistent.status());
  if (persistent.value() < 0)
    return fail("serve", Status::invalid_argument("--persistent-cache-entries expects a number >= 0"));
  web::ServerOptions opts;
  if (Status st = rerank_from_args(args.value(), &opts.defaults); !st.is_ok()) return fail("serve", st);
  auto service = open_warm_service(args.value(), static_cast<size_t>(cache.value()), persistent.value(),
                                   opts.defaults.rerank_model);
  if (!service.is_ok()) return fail("serve", service.status());
  // Who a request is (storage/access.h): the trusted gateway's header when
  // one is configured and sent, else the anonymous principals (none: public
  // documents only).
  opts.anonymous = storage::Principals::parse(args->get("--anonymous-principals"));
  opts.principals_header = args->get("--principals-header");
  opts.host = args->get("--host", "127.0.0.1");
  opts.port = port.value();
  opts.access_log = !args->has("--no-access-log");
  opts.tls_cert = args->get("--tls-cert");
  opts.tls_key = args->get("--tls-key");
  // A search's access record carries its query: masked (e-mail addresses,
  // phone and ID numbers; core/personal_data.h) unless told otherwise.
  const std::string query_log = args->get("--log-queries", "masked");
  if (query_log == "masked") {
    opts.query_log = web::ServerOptions::QueryLog::kMasked;
  } else if (query_log == "plain") {
    opts.query_log = web::ServerOptions::QueryLog::kPlain;
  } else if (query_log == "off") {
    opts.query_log = web::ServerOptions::QueryLog::kOff;
  } else {
    return fail("serve", Status::invalid_argument("--log-queries expects masked, plain or off, not \"" + query_log +
                                                  "\""));
  }
  // API keys: asked for, or implied by listening beyond this machine. Then
  // principals come from keys alone.
  std::unique_ptr<storage::KeyStore> keys;
  if (args->has("--auth") || !is_loopback(opts.host)) {
    if (args->has("--anonymous-principals") || args->has("--principals-header")) {
      return fail("serve", Status::invalid_argument(
                               "with API keys (--auth, or a --host beyond loopback) principals come from each "
                               "key; drop --anonymous-principals and --principals-header"));
    }
    auto store = storage::KeyStore::open(args->get("--index"), /*create=*/false);
    if (!store.is_ok()) return fail("serve", store.status().with_context("API keys are required"));
    auto active = store.value()->active_count();
    if (!active.is_ok()) return fail("serve", active.status());
    if (active.value() == 0) {
      return fail("serve", Status::failed_precondition("API keys are required but every key of " +
                                                       args->get("--index") + " is revoked; create one with "
                                                       "`kbseek keys create`"));
    }
    keys = std::move(store).value();
    opts.keys = keys.get();
  }
  // Reload (SIGHUP, POST /v1/admin/reload): open --index again (a symlink
  // an operator has switched to a newly built folder, say) with its models,
  // and switch new requests to it; requests in flight finish on the old
  // one. A failure keeps the old one serving.
  web::Server* server_ptr = nullptr;
  std::mutex reload_mu;
  std::error_code ec;
  const std::string started_at = std::filesystem::canonical(args->get("--index"), ec).string();
  opts.reload = [&]() -> Status {
    std::lock_guard<std::mutex> lock(reload_mu);
    // A --writable server writes to the folder it started with: reading
    // another one would hide its own writes.
    std::error_code now_ec;
    if (opts.writer != nullptr && std::filesystem::canonical(args->get("--index"), now_ec).string() != started_at) {
      return Status::failed_precondition("a --writable server writes to " + started_at +
                                         "; it cannot switch to another folder (restart it instead)");
    }
    auto fresh = open_warm_service(args.value(), static_cast<size_t>(cache.value()), persistent.value(),
                                   opts.defaults.rerank_model);
    if (!fresh.is_ok()) return fresh.status();
    std::fprintf(stderr, "kbseek serve: reloaded %s: %lld documents\n", args->get("--index").c_str(),
                 static_cast<long long>(fresh.value()->index().document_count()));
    server_ptr->set_service(std::move(fresh).value());
    return Status::ok();
  };
  // --writable: this process becomes the folder's one writer.
  std::unique_ptr<indexer::LiveWriter> writer;
  if (args->has("--writable")) {
    auto w = indexer::LiveWriter::open(args->get("--index"), args->get("--models-dir", encoder::default_models_dir()));
    if (!w.is_ok()) return fail("serve", w.status().with_context("--writable"));
    writer = std::move(w).value();
    opts.writer = writer.get();
  }
  web::Server server(service.value().get(), opts);
  server_ptr = &server;
  server.set_service(service.value());
  Status st = server.bind();
  if (!st.is_ok()) return fail("serve", st);
  g_server = &server;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGHUP, on_hangup);
  std::atomic<bool> serving{true};
  std::thread reloader([&] {
    while (serving.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (!g_reload_asked.exchange(false)) continue;
      if (Status rs = opts.reload(); !rs.is_ok()) {
        std::fprintf(stderr, "kbseek serve: reload failed, still serving the previous index: %s\n",
                     rs.message().c_str());
      }
    }
  });
  std::fprintf(stderr, "kbseek serving %lld documents on %s://%s:%d/ (%s)\n",
               static_cast<long long>(service.value()->index().document_count()),
               opts.tls_cert.empty() ? "http" : "https", opts.host.c_str(), server.port(),
               keys ? "API keys required" : ("callers without a key read as: " + opts.anonymous.describe()).c_str());
  st = server.listen();
  g_server = nullptr;
  serving = false;
  reloader.join();
  if (!st.is_ok()) return fail("serve", st);
  return 0;
}

}  // namespace kbseek::app
