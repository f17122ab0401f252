// The service's operator endpoints on the real binary: /ready, GET
// /v1/search, and /metrics in Prometheus's text format, scraped by a real
// Prometheus server (Debian's `prometheus`, which scripts/setup.sh
// installs) and queried back through its HTTP API.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/app/cli_test_util.h"
#include "tests/web/schema_check.h"
#include "web/openapi.h"

namespace kbseek::testing {
namespace {

using nlohmann::json;

std::string percent_encode(const std::string& s) {
  std::string out;
  char buf[4];
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '_' || c == '-' || c == '.') {
      out += static_cast<char>(c);
    } else {
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

class MetricsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    index_dir_ = temp_dir("metrics") + "/index";
    CommandResult r =
        run_kbseek({"index", "--index", index_dir_, KBSEEK_SOURCE_DIR "/app/sample/bilingual_sample.jsonl"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  static std::string index_dir_;
};
std::string MetricsTest::index_dir_;

TEST_F(MetricsTest, ReadyGetSearchAndPrometheusScrapesMetrics) {
  ServerProcess server({"serve", "--index", index_dir_, "--port", "0", "--anonymous-principals", "all-staff"});
  ASSERT_GT(server.port(), 0) << server.stderr_text();
  httplib::Client cli("127.0.0.1", server.port());
  cli.set_read_timeout(60, 0);
  auto ready = cli.Get("/ready");
  ASSERT_TRUE(ready);
  EXPECT_EQ(ready->status, 200);

  // GET takes the POST body's fields as parameters.
  auto get =
      cli.Get("/v1/search?q=%E5%B7%AE%E6%97%85%E8%B4%B9%E7%94%A8%E6%80%8E%E4%B9%88%E6%8A%A5%E9%94%80&k=3&explain=true");
  ASSERT_TRUE(get);
  ASSERT_EQ(get->status, 200) << get->body;
  const json g = json::parse(get->body);
  EXPECT_EQ(g["results"][0]["id"], "kb-004") << get->body;
  EXPECT_TRUE(g["results"][0].contains("explain"));
  EXPECT_LE(g["results"].size(), 3u);
  auto post = cli.Post("/v1/search", json{{"query", "差旅费用怎么报销"}, {"k", 3}}.dump(), "application/json");
  ASSERT_TRUE(post);
  EXPECT_EQ(result_ids(json::parse(post->body)), result_ids(g));
  auto bad = cli.Get("/v1/search?q=vpn&k=ten");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  // Real answers fit the served OpenAPI document's schemas.
  auto spec = cli.Get("/openapi.json");
  ASSERT_TRUE(spec);
  const json doc = json::parse(spec->body);
  EXPECT_EQ(doc, web::openapi_document());
  auto fits = [&](const std::string& schema, const std::string& body) {
    return schema_mismatch(doc, json{{"$ref", "#/components/schemas/" + schema}}, json::parse(body));
  };
  EXPECT_EQ(fits("SearchResponse", get->body), "");
  EXPECT_EQ(fits("SearchResponse", post->body), "");
  EXPECT_EQ(fits("Error", bad->body), "");
  EXPECT_EQ(fits("Health", cli.Get("/health")->body), "");
  EXPECT_EQ(fits("Ready", ready->body), "");
  EXPECT_EQ(cli.Get("/no/such/route")->status, 404);

  auto metrics = cli.Get("/metrics");
  ASSERT_TRUE(metrics);
  ASSERT_EQ(metrics->status, 200);
  const std::string& m = metrics->body;
  EXPECT_NE(m.find(R"(kbseek_http_requests_total{route="/v1/search",method="GET",code="200"} 1)"), std::string::npos)
      << m;
  EXPECT_NE(m.find(R"(kbseek_http_requests_total{route="/v1/search",method="GET",code="400"} 1)"), std::string::npos)
      << m;
  EXPECT_NE(m.find(R"(kbseek_http_requests_total{route="unmatched",method="GET",code="404"} 1)"), std::string::npos)
      << m;
  EXPECT_EQ(m.find("/no/such/route"), std::string::npos) << "client paths are not labels";
  EXPECT_NE(m.find(R"(kbseek_http_request_duration_seconds_count{route="/v1/search"} 3)"), std::string::npos) << m;
  EXPECT_NE(m.find("kbseek_index_documents 30"), std::string::npos) << m;
  // The /metrics request itself is being answered (the worker of the
  // request before it may not have counted itself out yet); none waits.
  const size_t busy_at = m.find("\nkbseek_http_requests_in_progress ");
  ASSERT_NE(busy_at, std::string::npos) << m;
  const int busy = std::stoi(m.substr(busy_at + std::strlen("\nkbseek_http_requests_in_progress ")));
  EXPECT_TRUE(busy == 1 || busy == 2) << m;
  EXPECT_NE(m.find("kbseek_http_queue_depth 0\n"), std::string::npos) << m;
  // Per stage of the query path: the three searches so far were computed
  // (GET, then POST with other fields... the POST hit the cache: two).
  for (const char* stage : {"parse", "encode", "retrieve", "fuse", "rank", "snippets"}) {
    const std::string series = std::string("kbseek_search_stage_duration_seconds_count{stage=\"") + stage + "\"} ";
    const size_t at = m.find(series);
    ASSERT_NE(at, std::string::npos) << series << "\n" << m;
    EXPECT_GE(std::stoi(m.substr(at + series.size())), 1) << series;
  }
  EXPECT_NE(m.find(R"(kbseek_search_stage_duration_seconds_count{stage="rerank"} 0)"), std::string::npos)
      << "no LLM stage ran";
  EXPECT_TRUE(g["timings_ms"].contains("encode") && g["timings_ms"]["retrieve"].get<double>() > 0) << get->body;
  // Query encoder passes by batch size, per model (requests in turn:
  // passes of one; all-MiniLM may sit out queries it cannot read).
  for (const char* model : {"all-minilm-l6-v2", "use-m3"}) {
    const std::string series = std::string("kbseek_encoder_batch_size_bucket{model=\"") + model + "\",le=\"1\"} ";
    const size_t at = m.find(series);
    ASSERT_NE(at, std::string::npos) << series << "\n" << m;
    if (std::string(model) == "use-m3") {
      EXPECT_GE(std::stoi(m.substr(at + series.size())), 1) << series;
    }
  }

  // use-m3's per-id cache: the one computed search so far looked up its
  // ids (the POST was answered from the result cache).
  const auto token_cache = [](const std::string& text, const char* outcome) {
    const std::string key =
        std::string("kbseek_encoder_token_cache_requests_total{model=\"use-m3\",outcome=\"") + outcome + "\"} ";
    const size_t at = text.find(key);
    return at == std::string::npos ? -1LL : std::stoll(text.substr(at + key.size()));
  };
  EXPECT_GE(token_cache(m, "miss"), 1) << m;
  EXPECT_GE(token_cache(m, "hit"), 0) << m;  // the series is there

  // The result cache: the same question again is answered from it, with
  // the same results; a document indexed meanwhile by a writer is seen by
  // the next request (the index version changed).
  const std::string q = json{{"query", "bicycle parking rules 自行车"}, {"k", 5}}.dump();
  auto first = cli.Post("/v1/search", q, "application/json");
  auto again = cli.Post("/v1/search", q, "application/json");
  ASSERT_TRUE(first && again);
  EXPECT_FALSE(json::parse(first->body).contains("cached")) << first->body;
  EXPECT_TRUE(json::parse(again->body).value("cached", false)) << again->body;
  EXPECT_EQ(result_ids(json::parse(first->body)), result_ids(json::parse(again->body)));
  const std::string extra = temp_dir("metrics-extra") + "/more.jsonl";
  std::ofstream(extra) << json{{"id", "bike-1"},
                               {"title", "Bicycle parking"},
                               {"text", "Bicycle parking rules: bicycles park in the basement racks. 自行车停放规则。"}}
                              .dump()
                       << "\n";
  CommandResult added = run_kbseek({"index", "--index", index_dir_, extra});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  auto after = cli.Post("/v1/search", q, "application/json");
  ASSERT_TRUE(after);
  const json a = json::parse(after->body);
  EXPECT_FALSE(a.contains("cached")) << after->body;
  ASSERT_FALSE(a["results"].empty());
  EXPECT_EQ(a["results"][0]["id"], "bike-1") << after->body;
  const std::string m2 = cli.Get("/metrics")->body;
  // Hits: the POST after the same GET (explain only changes the rendering), and `again`.
  EXPECT_NE(m2.find(R"(kbseek_cache_requests_total{cache="results",outcome="hit"} 2)"), std::string::npos) << m2;
  // A second question shares ids with the first (BOS and EOS at least).
  EXPECT_GE(token_cache(m2, "hit"), 2) << m2;
  EXPECT_GT(token_cache(m2, "miss"), token_cache(m, "miss")) << m2;
  // The same text with another k misses the result cache but not the
  // query embeddings (one per dense model of the index).
  const std::string before = cli.Get("/metrics")->body;
  auto other_k =
      cli.Post("/v1/search", json{{"query", "bicycle parking rules 自行车"}, {"k", 4}}.dump(), "application/json");
  ASSERT_TRUE(other_k);
  EXPECT_FALSE(json::parse(other_k->body).contains("cached"));
  auto embedding_hits = [](const std::string& text) {
    const std::string key = R"(kbseek_cache_requests_total{cache="query_embeddings",outcome="hit"} )";
    const size_t at = text.find(key);
    return at == std::string::npos ? -1 : std::stoi(text.substr(at + key.size()));
  };
  EXPECT_GT(embedding_hits(cli.Get("/metrics")->body), embedding_hits(before));

  // The access log: one JSON line per answer with the route, never the
  // query string or the body.
  const std::string log = server.stderr_with(R"("route":"unmatched","status":404)");
  EXPECT_NE(log.find(R"("component":"access")"), std::string::npos) << log.substr(0, 2000);
  EXPECT_NE(log.find(R"("route":"/v1/search","status":200)"), std::string::npos) << log.substr(0, 2000);
  EXPECT_NE(log.find(R"("route":"unmatched","status":404)"), std::string::npos) << log.substr(0, 2000);
  EXPECT_EQ(log.find("%E5%B7%AE"), std::string::npos) << "no raw query string in the log";
  // A search's record: its result count, and its query with what identifies
  // a person masked.
  EXPECT_NE(log.find(R"("results":5,"cached":false,"mode":"hybrid","query":"bicycle parking rules 自行车")"),
            std::string::npos)
      << log.substr(0, 3000);
  auto personal = cli.Post("/v1/search", json{{"query", "VPN for zhang.san@corp.example.com 13800138000"}}.dump(),
                           "application/json");
  ASSERT_TRUE(personal);
  const std::string masked = server.stderr_with("VPN for <email> <number>");
  EXPECT_NE(masked.find(R"("query":"VPN for <email> <number>")"), std::string::npos) << masked.substr(0, 3000);
  EXPECT_EQ(masked.find("13800138000"), std::string::npos);
  EXPECT_EQ(masked.find("zhang.san"), std::string::npos);

  // A real Prometheus scrapes it and answers a query about it.
  if (::access("/usr/bin/prometheus", X_OK) != 0) {
    GTEST_SKIP() << "no /usr/bin/prometheus (Debian package prometheus; scripts/setup.sh installs it)";
  }
  const std::string dir = temp_dir("metrics-prometheus");
  const int prom_port = free_loopback_port();
  std::ofstream(dir + "/prometheus.yml") << "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: kbseek\n"
                                            "    static_configs:\n      - targets: ['127.0.0.1:"
                                         << server.port() << "']\n";
  const pid_t prom = fork();
  if (prom == 0) {
    const std::string cfg = "--config.file=" + dir + "/prometheus.yml";
    const std::string data = "--storage.tsdb.path=" + dir + "/data";
    const std::string listen = "--web.listen-address=127.0.0.1:" + std::to_string(prom_port);
    freopen((dir + "/prometheus.log").c_str(), "w", stderr);
    execl("/usr/bin/prometheus", "prometheus", cfg.c_str(), data.c_str(), listen.c_str(), nullptr);
    _exit(127);
  }
  httplib::Client pc("127.0.0.1", prom_port);
  pc.set_read_timeout(5, 0);
  double value = -1;
  for (int i = 0; i < 120 && value < 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    auto r = pc.Get("/api/v1/query?query=" +
                    percent_encode(R"(kbseek_http_requests_total{route="/v1/search",method="POST"})"));
    if (!r || r->status != 200) continue;
    const json j = json::parse(r->body, nullptr, false);
    if (j.is_discarded() || j["data"]["result"].empty()) continue;
    value = std::stod(j["data"]["result"][0]["value"][1].get<std::string>());
  }
  // The Grafana dashboard (docs/grafana-dashboard.json): every panel's
  // query is one this Prometheus accepts, over series kbseek exports.
  const json dashboard = json::parse(read_text_file(KBSEEK_SOURCE_DIR "/docs/grafana-dashboard.json"));
  const std::string exported = cli.Get("/metrics")->body;
  int queries = 0;
  for (const auto& panel : dashboard["panels"]) {
    for (const auto& target : panel["targets"]) {
      const std::string expr = target["expr"];
      auto r = pc.Get("/api/v1/query?query=" + percent_encode(expr));
      ASSERT_TRUE(r) << expr;
      EXPECT_EQ(r->status, 200) << expr << "\n" << r->body;
      EXPECT_EQ(json::parse(r->body, nullptr, false).value("status", ""), "success") << expr << "\n" << r->body;
      for (size_t at = expr.find("kbseek_"); at != std::string::npos; at = expr.find("kbseek_", at + 1)) {
        size_t end = at;
        while (end < expr.size() && (std::isalnum(static_cast<unsigned char>(expr[end])) || expr[end] == '_')) ++end;
        const std::string name = expr.substr(at, end - at);
        EXPECT_TRUE(exported.find("\n" + name + "{") != std::string::npos ||
                    exported.find("\n" + name + " ") != std::string::npos)
            << name << " is not exported";
        at = end;
      }
      ++queries;
    }
  }
  EXPECT_GE(queries, 8);
  ::kill(prom, SIGTERM);
  ::waitpid(prom, nullptr, 0);
  EXPECT_GE(value, 1) << "Prometheus never scraped kbseek: " << read_text_file(dir + "/prometheus.log").substr(0, 2000);
  EXPECT_EQ(server.stop(), 0);
}

// The persistent result cache (<index>/cache.sqlite): a restarted server
// answers a question asked before its restart from it, with the same
// results; a commit ends those answers; it can be turned off; a damaged
// file is started afresh with a warning, never an error.
TEST_F(MetricsTest, AnswersOutliveARestartUntilTheNextCommit) {
  const std::string dir = temp_dir("persistent-cache") + "/index";
  ASSERT_EQ(run_kbseek({"index", "--index", dir, KBSEEK_SOURCE_DIR "/app/sample/bilingual_sample.jsonl"}).exit_code, 0);
  const std::string q = json{{"query", "bicycle parking rules 自行车"}, {"k", 5}, {"explain", true}}.dump();
  auto ask = [&](const std::vector<std::string>& extra, json* metrics_out = nullptr) {
    // The sample's documents are all-staff's.
    std::vector<std::string> args = {"serve", "--index", dir, "--port", "0", "--anonymous-principals", "all-staff"};
    args.insert(args.end(), extra.begin(), extra.end());
    ServerProcess server(args);
    EXPECT_GT(server.port(), 0) << server.stderr_text();
    httplib::Client cli("127.0.0.1", server.port());
    cli.set_read_timeout(60, 0);
    auto res = cli.Post("/v1/search", q, "application/json");
    EXPECT_TRUE(res);
    if (!res) return json();
    EXPECT_EQ(res->status, 200) << res->body;
    if (metrics_out) *metrics_out = json(cli.Get("/metrics")->body);
    EXPECT_EQ(server.stop(), 0);
    return json::parse(res->body);
  };
  const json first = ask({});
  EXPECT_FALSE(first.contains("cached")) << first.dump();
  ASSERT_EQ(first["results"].size(), 5u) << first.dump();
  json metrics;
  const json again = ask({}, &metrics);
  EXPECT_TRUE(again.value("cached", false)) << again.dump();
  EXPECT_EQ(result_ids(again), result_ids(first));
  // The whole answer, explanations and the parsed query included, not only the ids.
  json a = again, f = first;
  a.erase("took_ms"), a.erase("cached"), f.erase("took_ms");
  EXPECT_TRUE(a["timings_ms"].empty()) << "no stage ran";
  a.erase("timings_ms"), f.erase("timings_ms");
  EXPECT_EQ(a, f);
  const std::string m = metrics.get<std::string>();
  EXPECT_NE(m.find(R"(kbseek_cache_requests_total{cache="results_persistent",outcome="hit"} 1)"), std::string::npos)
      << m;
  EXPECT_FALSE(ask({"--persistent-cache-entries", "0"}).contains("cached")) << "turned off";

  // A commit (a writer indexes a document) ends every earlier answer.
  const std::string extra = temp_dir("persistent-cache-extra") + "/more.jsonl";
  std::ofstream(extra) << json{{"id", "bike-1"},
                               {"title", "Bicycle parking"},
                               {"text", "Bicycle parking rules: bicycles park in the basement racks. 自行车停放规则。"}}
                              .dump()
                       << "\n";
  ASSERT_EQ(run_kbseek({"index", "--index", dir, extra}).exit_code, 0);
  const json after = ask({});
  EXPECT_FALSE(after.contains("cached")) << after.dump();
  ASSERT_FALSE(after["results"].empty());
  EXPECT_EQ(after["results"][0]["id"], "bike-1") << after.dump();

  // A damaged file: served without the old answers, and said so.
  { std::ofstream(dir + "/cache.sqlite", std::ios::trunc) << std::string(8192, 'x'); }
  for (const char* suffix : {"-wal", "-shm"}) std::filesystem::remove(dir + "/cache.sqlite" + suffix);
  ServerProcess damaged({"serve", "--index", dir, "--port", "0", "--anonymous-principals", "all-staff"});
  ASSERT_GT(damaged.port(), 0) << damaged.stderr_text();
  EXPECT_NE(damaged.stderr_with("started afresh").find("started afresh"), std::string::npos) << damaged.stderr_text();
  httplib::Client cli("127.0.0.1", damaged.port());
  auto res = cli.Post("/v1/search", q, "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_FALSE(json::parse(res->body).contains("cached"));
}

// --log-queries off keeps query text out of the access log (the count stays).
TEST_F(MetricsTest, QueryTextCanBeKeptOutOfTheLog) {
  EXPECT_EQ(run_kbseek({"serve", "--index", index_dir_, "--port", "0", "--log-queries", "some"}).exit_code, 2);
  ServerProcess server({"serve", "--index", index_dir_, "--port", "0", "--log-queries", "off"});
  ASSERT_GT(server.port(), 0) << server.stderr_text();
  httplib::Client cli("127.0.0.1", server.port());
  auto res = cli.Post("/v1/search", json{{"query", "bicycle parking"}, {"k", 3}}.dump(), "application/json");
  ASSERT_TRUE(res);
  const std::string log = server.stderr_with(R"("results":)");
  EXPECT_NE(log.find(R"("route":"/v1/search","status":200)"), std::string::npos) << log.substr(0, 2000);
  EXPECT_NE(log.find(R"("results":)"), std::string::npos) << log.substr(0, 2000);
  EXPECT_EQ(log.find("bicycle"), std::string::npos) << log.substr(0, 2000);
  EXPECT_EQ(log.find(R"("query")"), std::string::npos);
}

// --workers sets the request threads: out-of-range values are refused
// naming the flag, and one worker still answers concurrent clients (they
// queue for it).
TEST_F(MetricsTest, WorkersFlag) {
  for (const char* bad : {"-1", "257", "many"}) {
    CommandResult r = run_kbseek({"serve", "--index", index_dir_, "--port", "0", "--workers", bad});
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_NE(r.err.find("--workers"), std::string::npos) << r.err;
  }
  ServerProcess server(
      {"serve", "--index", index_dir_, "--port", "0", "--workers", "1", "--anonymous-principals", "all-staff"});
  ASSERT_GT(server.port(), 0) << server.stderr_text();
  std::vector<std::thread> clients;
  std::atomic<int> ok{0};
  for (int i = 0; i < 4; ++i) {
    clients.emplace_back([&, i] {
      httplib::Client cli("127.0.0.1", server.port());
      auto res = cli.Post("/v1/search", json{{"query", i % 2 ? "bicycle parking" : "expense report"}, {"k", 3}}.dump(),
                          "application/json");
      if (res && res->status == 200 && !json::parse(res->body)["results"].empty()) ok.fetch_add(1);
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(ok.load(), 4);
}

}  // namespace
}  // namespace kbseek::testing
