// `kbseek serve`: the HTTP API and the page over one index (--index DIR) or
// over one index per tenant (--tenants ROOT: every folder of ROOT holding
// an index is a tenant named after it, served under /t/NAME/ with its own
// keys, cache and writer; web/server.h says what is shared).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <regex>
#include <thread>

#include "app/args.h"
#include "app/commands.h"
#include "app/service_flags.h"
#include "core/file_util.h"
#include "core/logging.h"
#include "core/sha256.h"
#include "encoder/model_folder.h"
#include "indexer/change_feed.h"
#include "indexer/jsonl_reader.h"
#include "indexer/live_writer.h"
#include "ranker/search_service.h"
#include "storage/key_store.h"
#include "web/server.h"

namespace kbseek::app {

using core::Status;

namespace {

web::Server* g_server = nullptr;

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
core::Result<std::shared_ptr<ranker::SearchService>> open_warm_service(const Args& args, const std::string& dir,
                                                                       size_t cache_entries, int64_t persistent_entries,
                                                                       const std::string& rerank_model) {
  KB_ASSIGN_OR_RETURN(auto service, open_search_service(args, dir, cache_entries, persistent_entries));
  if (!rerank_model.empty()) {
    auto warm = service->rerank_texts(rerank_model, "warm-up", {"warm-up"}, 0);
    if (!warm.is_ok()) {
      std::fprintf(stderr, "kbseek serve: warning: re-ranker %s: %s\n", rerank_model.c_str(),
                   warm.status().message().c_str());
    }
  }
  return std::shared_ptr<ranker::SearchService>(std::move(service));
}

// One index served: the root one, or a tenant's.
struct Site {
  std::string name;  // "" for --index
  std::string dir;
  std::string started_at;  // the canonical folder at start (a --writable server stays on it)
  std::shared_ptr<ranker::SearchService> service;
  std::unique_ptr<storage::KeyStore> keys;
  std::unique_ptr<indexer::LiveWriter> writer;
};

// The tenants under `root`: its folders holding a MANIFEST, sorted. A
// tenant's name is its folder's, [a-z0-9_-]{1,64} (it is a path segment of
// every URL and a metrics label); another name is refused, naming it.
core::Result<std::vector<std::pair<std::string, std::string>>> tenants_under(const std::string& root) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_directory(root, ec)) return Status::not_found("--tenants " + root + ": not a folder");
  static const std::regex kName("[a-z0-9_-]{1,64}");
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : fs::directory_iterator(root, ec)) {
    if (!e.is_directory(ec) || !core::path_exists(e.path().string() + "/MANIFEST")) continue;
    const std::string name = e.path().filename().string();
    if (!std::regex_match(name, kName))
      return Status::invalid_argument("--tenants: folder \"" + name +
                                      "\" holds an index but is not a tenant name "
                                      "([a-z0-9_-], at most 64): rename it");
    out.emplace_back(name, e.path().string());
  }
  std::sort(out.begin(), out.end());
  if (out.empty())
    return Status::not_found("--tenants " + root + ": no index folder in it (kbseek index --index " + root +
                             "/NAME ...)");
  return out;
}

// One fetched batch of the change feed, applied in order through the
// writer: a run of puts is one commit, a removal its own; each message is
// acknowledged after its commit. On a failed commit the rest is left
// unacknowledged (the stream redelivers it) and false is returned.
bool apply_feed(indexer::FeedConsumer& feed, indexer::LiveWriter& writer, std::vector<indexer::FeedMessage>& msgs) {
  size_t i = 0;
  auto release_rest = [&] {
    for (; i < msgs.size(); ++i) feed.release(msgs[i]);
  };
  while (i < msgs.size()) {
    if (msgs[i].id.empty()) {  // not ours to index: redelivery cannot help
      core::log_warn("feed", msgs[i].record);
      (void)feed.ack(msgs[i]);
      ++i;
      continue;
    }
    if (msgs[i].deleted) {
      Status st = writer.remove(msgs[i].id);
      if (!st.is_ok() && st.code() != core::StatusCode::kNotFound) {
        core::log_error("feed", "removing " + msgs[i].id + ": " + st.to_string());
        release_rest();
        return false;
      }
      (void)feed.ack(msgs[i]);
      ++i;
      continue;
    }
    size_t end = i;
    std::vector<core::Result<storage::Document>> docs;
    while (end < msgs.size() && !msgs[end].deleted && !msgs[end].id.empty())
      docs.push_back(indexer::parse_document_line(msgs[end++].record));
    auto outcomes = writer.put(std::move(docs));
    if (!outcomes.is_ok()) {
      core::log_error("feed", "commit failed, the stream will redeliver: " + outcomes.status().to_string());
      release_rest();
      return false;
    }
    for (const auto& o : outcomes.value())
      if (o.status == "rejected") core::log_warn("feed", "record " + o.id + " rejected: " + o.error);
    for (; i < end; ++i) (void)feed.ack(msgs[i]);
  }
  return true;
}

}  // namespace

int cmd_serve(int argc, char** argv) {
  auto args = Args::parse(
      argc, argv,
      with_service_flags({"--index", "--tenants", "--host", "--port", "--anonymous-principals", "--principals-header",
                          "--cache-entries", "--persistent-cache-entries", "--log-queries", "--tls-cert", "--tls-key",
                          "--feed", "--shard", "--stream", "--feed-durable", "--workers"}),
      {"--auth", "--no-access-log", "--writable", "--fixed-weights"});
  if (!args.is_ok()) return fail("serve", args.status());
  const bool tenants = args->has("--tenants");
  if (tenants == args->has("--index"))
    return fail("serve", Status::invalid_argument("give --index DIR (one index) or --tenants ROOT (one per tenant)"));
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
  // Who a request is (storage/access.h): the trusted gateway's header when
  // one is configured and sent, else the anonymous principals (none: public
  // documents only).
  opts.anonymous = storage::Principals::parse(args->get("--anonymous-principals"));
  opts.principals_header = args->get("--principals-header");
  opts.host = args->get("--host", "127.0.0.1");
  opts.port = port.value();
  opts.access_log = !args->has("--no-access-log");
  auto workers = args->get_int("--workers", 0);
  if (!workers.is_ok()) return fail("serve", workers.status());
  if (workers.value() < 0 || workers.value() > 256)
    return fail("serve",
                Status::invalid_argument("--workers expects a number in 0..256 (0: one per core, at least 2)"));
  opts.limits.workers = workers.value();
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
    return fail("serve",
                Status::invalid_argument("--log-queries expects masked, plain or off, not \"" + query_log + "\""));
  }
  // API keys: asked for, implied by listening beyond this machine, and
  // always with tenants (a tenant is known by its keys). Then principals
  // come from keys alone.
  const bool auth = args->has("--auth") || !is_loopback(opts.host) || tenants;
  if (auth && (args->has("--anonymous-principals") || args->has("--principals-header"))) {
    return fail("serve", Status::invalid_argument(
                             "with API keys (--auth, --tenants, or a --host beyond loopback) principals come from "
                             "each key; drop --anonymous-principals and --principals-header"));
  }

  std::vector<std::unique_ptr<Site>> sites;
  if (tenants) {
    auto found = tenants_under(args->get("--tenants"));
    if (!found.is_ok()) return fail("serve", found.status());
    for (auto& [name, dir] : found.value()) {
      sites.push_back(std::make_unique<Site>());
      sites.back()->name = name;
      sites.back()->dir = dir;
    }
  } else {
    sites.push_back(std::make_unique<Site>());
    sites.back()->dir = args->get("--index");
  }
  for (auto& site : sites) {
    const std::string who = site->name.empty() ? site->dir : "tenant " + site->name + " (" + site->dir + ")";
    auto service = open_warm_service(args.value(), site->dir, static_cast<size_t>(cache.value()), persistent.value(),
                                     opts.defaults.rerank_model);
    if (!service.is_ok())
      return fail("serve", site->name.empty() ? service.status() : service.status().with_context(who));
    site->service = std::move(service).value();
    std::error_code ec;
    site->started_at = std::filesystem::canonical(site->dir, ec).string();
    if (auth) {
      auto store = storage::KeyStore::open(site->dir, /*create=*/false);
      if (!store.is_ok()) return fail("serve", store.status().with_context("API keys are required for " + who));
      auto active = store.value()->active_count();
      if (!active.is_ok()) return fail("serve", active.status());
      if (active.value() == 0) {
        return fail("serve", Status::failed_precondition("API keys are required but " + who +
                                                         " has none that is not revoked; create one with "
                                                         "`kbseek keys create --index " +
                                                         site->dir + " ...`"));
      }
      site->keys = std::move(store).value();
    }
    // --writable: this process becomes each folder's one writer.
    if (args->has("--writable")) {
      auto w = indexer::LiveWriter::open(site->dir, args->get("--models-dir", encoder::default_models_dir()));
      if (!w.is_ok()) return fail("serve", w.status().with_context("--writable, " + who));
      site->writer = std::move(w).value();
    }
  }

  // --feed: this server is shard I of N and indexes its partition of the
  // change feed (indexer/change_feed.h) through its writer.
  std::unique_ptr<indexer::FeedConsumer> feed;
  int feed_shard = 0;
  if (args->has("--feed")) {
    if (tenants || !args->has("--writable"))
      return fail("serve", Status::invalid_argument("--feed needs --writable and one --index"));
    const std::string shard_arg = args->get("--shard", "0");
    const int shard = std::atoi(shard_arg.c_str());
    const size_t slash = shard_arg.find('/');
    const int of = slash == std::string::npos ? 0 : std::atoi(shard_arg.c_str() + slash + 1);
    if (shard_arg.empty() || shard_arg.find_first_not_of("0123456789/") != std::string::npos || shard < 0 ||
        (slash != std::string::npos && of <= shard))
      return fail("serve", Status::invalid_argument("--shard I or I/N (0 <= I < N), not \"" + shard_arg + "\""));
    indexer::FeedOptions fo;
    fo.url = args->get("--feed");
    fo.stream = args->get("--stream", "kbseek");
    // Each replica its own durable position: named after its folder.
    const std::string durable =
        args->get("--feed-durable",
                  "kbseek-" + core::sha256_hex(sites[0]->started_at).substr(0, 12) + "-shard" + std::to_string(shard));
    auto consumer = indexer::FeedConsumer::open(fo, shard, durable);
    if (!consumer.is_ok()) return fail("serve", consumer.status());
    if (of > 0 && of != consumer.value()->shards())
      return fail("serve",
                  Status::failed_precondition("--shard " + shard_arg + ": the stream \"" + fo.stream + "\" has " +
                                              std::to_string(consumer.value()->shards()) + " shards"));
    feed = std::move(consumer).value();
    feed_shard = shard;
    std::fprintf(stderr, "kbseek serve: following %s stream %s, shard %d of %d, as %s\n", fo.url.c_str(),
                 fo.stream.c_str(), shard, feed->shards(), durable.c_str());
  }

  // Reload (SIGHUP reloads every site; POST [/t/NAME]/v1/admin/reload one):
  // open the folder again (a symlink an operator has switched to a newly
  // built folder, say) with its models, and switch new requests to it;
  // requests in flight finish on the old one. A failure keeps the old one.
  web::Server* server_ptr = nullptr;
  std::mutex reload_mu;
  auto reload_site = [&](Site* site) -> Status {
    std::lock_guard<std::mutex> lock(reload_mu);
    // A --writable server writes to the folder it started with: reading
    // another one would hide its own writes.
    std::error_code now_ec;
    if (site->writer != nullptr && std::filesystem::canonical(site->dir, now_ec).string() != site->started_at) {
      return Status::failed_precondition("a --writable server writes to " + site->started_at +
                                         "; it cannot switch to another folder (restart it instead)");
    }
    auto fresh = open_warm_service(args.value(), site->dir, static_cast<size_t>(cache.value()), persistent.value(),
                                   opts.defaults.rerank_model);
    if (!fresh.is_ok()) return fresh.status();
    std::fprintf(stderr, "kbseek serve: reloaded %s: %lld documents\n", site->dir.c_str(),
                 static_cast<long long>(fresh.value()->index().document_count()));
    server_ptr->set_service(site->name, std::move(fresh).value());
    return Status::ok();
  };
  std::vector<web::TenantSite> web_sites;
  int64_t documents = 0;
  for (auto& site : sites) {
    Site* s = site.get();
    web_sites.push_back(
        {s->name, s->service.get(), s->keys.get(), s->writer.get(), [&reload_site, s]() { return reload_site(s); }});
    documents += s->service->index().document_count();
  }
  web::Server server(std::move(web_sites), opts);
  server_ptr = &server;
  for (auto& site : sites) server.set_service(site->name, site->service);
  Status st = server.bind();
  if (!st.is_ok()) return fail("serve", st);
  // A shard also answers the front's searches (kbseek front; web/shard_search.h).
  if (feed) {
    st = server.answer_shard_searches(args->get("--feed"), args->get("--stream", "kbseek"), feed_shard);
    if (!st.is_ok()) return fail("serve", st);
  }
  g_server = &server;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
  std::signal(SIGHUP, on_hangup);
  std::atomic<bool> serving{true};
  std::thread reloader([&] {
    while (serving.load()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (!g_reload_asked.exchange(false)) continue;
      for (auto& site : sites) {
        if (Status rs = reload_site(site.get()); !rs.is_ok()) {
          std::fprintf(stderr, "kbseek serve: reload of %s failed, still serving the previous index: %s\n",
                       site->dir.c_str(), rs.message().c_str());
        }
      }
    }
  });
  std::thread follower;
  if (feed) {
    follower = std::thread([&] {
      while (serving.load()) {
        auto msgs = feed->fetch(64, 500);
        if (!msgs.is_ok()) {
          core::log_warn("feed", msgs.status().to_string());
          std::this_thread::sleep_for(std::chrono::seconds(1));
          continue;
        }
        if (!msgs->empty() && !apply_feed(*feed, *sites[0]->writer, msgs.value()))
          std::this_thread::sleep_for(std::chrono::seconds(1));
      }
    });
  }
  std::string serving_what = std::to_string(documents) + " documents";
  if (tenants) serving_what += " of " + std::to_string(sites.size()) + " tenants under /t/NAME/";
  std::fprintf(stderr, "kbseek serving %s on %s://%s:%d/ (%s)\n", serving_what.c_str(),
               opts.tls_cert.empty() ? "http" : "https", opts.host.c_str(), server.port(),
               auth ? "API keys required" : ("callers without a key read as: " + opts.anonymous.describe()).c_str());
  st = server.listen();
  g_server = nullptr;
  serving = false;
  reloader.join();
  if (follower.joinable()) follower.join();
  if (!st.is_ok()) return fail("serve", st);
  return 0;
}

}  // namespace kbseek::app
