// Replicas behind a real nginx (Debian's, which scripts/setup.sh installs)
// with the weighted upstream of docs/deployment.md: both replicas take
// traffic, and one stopped (SIGTERM: it drains what it took) under
// continuous search load costs no request.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "tests/app/cli_test_util.h"

namespace kbseek::testing {
namespace {

using nlohmann::json;

TEST(ReplicasTest, NginxSpreadsLoadAndAStoppedReplicaCostsNoRequest) {
  if (::access("/usr/sbin/nginx", X_OK) != 0) {
    GTEST_SKIP() << "no /usr/sbin/nginx (Debian package nginx; scripts/setup.sh installs it)";
  }
  const std::string dir = temp_dir("replicas");
  const std::string index = dir + "/index";
  ASSERT_EQ(run_kbseek({"index", "--index", index, KBSEEK_SOURCE_DIR "/app/sample/bilingual_sample.jsonl"}).exit_code,
            0);
  ServerProcess a({"serve", "--index", index, "--port", "0", "--anonymous-principals", "all-staff"});
  ServerProcess b({"serve", "--index", index, "--port", "0", "--anonymous-principals", "all-staff"});
  ASSERT_GT(a.port(), 0) << a.stderr_text();
  ASSERT_GT(b.port(), 0) << b.stderr_text();

  const int port = free_loopback_port();
  for (const char* sub : {"/body", "/proxy", "/fcgi", "/uwsgi", "/scgi"})
    std::filesystem::create_directories(dir + sub);
  std::ofstream(dir + "/nginx.conf")
      << "daemon off;\nmaster_process off;\nworker_processes 1;\npid " << dir << "/nginx.pid;\n"
      << "error_log " << dir << "/error.log;\nevents { worker_connections 256; }\nhttp {\n  access_log off;\n"
      << "  client_body_temp_path " << dir << "/body;\n  proxy_temp_path " << dir << "/proxy;\n"
      << "  fastcgi_temp_path " << dir << "/fcgi;\n  uwsgi_temp_path " << dir << "/uwsgi;\n"
      << "  scgi_temp_path " << dir << "/scgi;\n"
      << "  upstream kbseek {\n    server 127.0.0.1:" << a.port() << " weight=2 max_fails=1 fail_timeout=10s;\n"
      << "    server 127.0.0.1:" << b.port() << " weight=1 max_fails=1 fail_timeout=10s;\n    keepalive 16;\n  }\n"
      << "  server {\n    listen 127.0.0.1:" << port << ";\n    location / {\n      proxy_pass http://kbseek;\n"
      << "      proxy_http_version 1.1;\n      proxy_set_header Connection \"\";\n"
      << "      proxy_next_upstream error timeout http_502 http_503 non_idempotent;\n"
      << "      proxy_next_upstream_tries 2;\n    }\n  }\n}\n";
  const pid_t nginx = fork();
  if (nginx == 0) {
    execl("/usr/sbin/nginx", "nginx", "-c", (dir + "/nginx.conf").c_str(), "-p", dir.c_str(), nullptr);
    _exit(127);
  }
  httplib::Client cli("127.0.0.1", port);
  cli.set_read_timeout(60, 0);
  bool up = false;
  for (int i = 0; i < 100 && !up; ++i) {
    auto r = cli.Get("/ready");
    up = r && r->status == 200;
    if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(up) << read_text_file(dir + "/error.log");

  const std::string body = json{{"query", "how do I reset my VPN password"}, {"k", 3}, {"mode", "bm25"}}.dump();
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::vector<std::thread> load;
  for (int t = 0; t < 2; ++t) {
    load.emplace_back([&] {
      httplib::Client c("127.0.0.1", port);
      c.set_read_timeout(60, 0);
      while (!stop.load()) {
        auto r = c.Post("/v1/search", body, "application/json");
        const bool good = r && r->status == 200 && json::parse(r->body)["results"][0]["id"] == "kb-001";
        (good ? ok : failed)++;
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  const int before = ok.load();
  EXPECT_EQ(a.stop(), 0) << "replica a drains and exits";
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  stop = true;
  for (auto& t : load) t.join();
  ::kill(nginx, SIGTERM);
  ::waitpid(nginx, nullptr, 0);

  EXPECT_GT(before, 10);
  EXPECT_GT(ok.load(), before) << "replica b kept answering";
  EXPECT_EQ(failed.load(), 0) << "requests failed when a replica stopped";
  // Both replicas took traffic before the stop (their access logs).
  EXPECT_NE(a.stderr_with(R"("route":"/v1/search")").find(R"("route":"/v1/search")"), std::string::npos);
  EXPECT_NE(b.stderr_with(R"("route":"/v1/search")").find(R"("route":"/v1/search")"), std::string::npos);
}

}  // namespace
}  // namespace kbseek::testing
