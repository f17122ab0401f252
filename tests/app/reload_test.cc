// Upgrading the served index without a failed request: serve --index on a
// symlink, searches running all the while; the operator points the link at
// a newly built index and asks for a reload (POST /v1/admin/reload with an
// admin key, or SIGHUP); new searches see the new index and not one search
// fails. Only admin keys may reload.
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>

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

std::string last_line(const std::string& out) {
  std::string s = out;
  while (!s.empty() && s.back() == '\n') s.pop_back();
  const size_t nl = s.rfind('\n');
  return nl == std::string::npos ? s : s.substr(nl + 1);
}

TEST(ReloadTest, SwitchingTheIndexUnderLoadFailsNoRequest) {
  namespace fs = std::filesystem;
  const std::string dir = temp_dir("reload");
  const std::string a = dir + "/a", b = dir + "/b", current = dir + "/current";
  ASSERT_EQ(run_kbseek({"index", "--index", a, KBSEEK_SOURCE_DIR "/app/sample/bilingual_sample.jsonl"}).exit_code, 0);
  {
    std::ofstream f(dir + "/b.jsonl");
    for (int i = 0; i < 3; ++i)
      f << json{{"id", "zebra-" + std::to_string(i)},
                {"title", "Zebra migration " + std::to_string(i)},
                {"text", "Zebra migration across the Serengeti, season " + std::to_string(i) + ". 斑马迁徙。"}}
               .dump()
        << "\n";
  }
  ASSERT_EQ(run_kbseek({"index", "--index", b, dir + "/b.jsonl"}).exit_code, 0);
  fs::create_directory_symlink(a, current);
  const std::string admin = last_line(run_kbseek({"keys", "create", "--index", a, "--role", "admin"}).out);
  const std::string reader =
      last_line(run_kbseek({"keys", "create", "--index", a, "--role", "reader", "--principals", "all-staff"}).out);
  ASSERT_EQ(admin.rfind("kbs_", 0), 0u);

  ServerProcess server({"serve", "--index", current, "--port", "0", "--auth"});
  ASSERT_GT(server.port(), 0) << server.stderr_text();
  const std::string body = json{{"query", "zebra migration"}, {"k", 3}, {"mode", "bm25"}}.dump();
  auto top = [&](httplib::Client& c) {
    auto r = c.Post("/v1/search", {{"X-API-Key", reader}}, body, "application/json");
    if (!r || r->status != 200) return std::string("<failed>");
    const json j = json::parse(r->body);
    return j["results"].empty() ? std::string("<none>") : j["results"][0]["id"].get<std::string>();
  };

  std::atomic<bool> stop{false};
  std::atomic<int> ok{0}, failed{0};
  std::thread load([&] {
    httplib::Client c("127.0.0.1", server.port());
    c.set_read_timeout(60, 0);
    while (!stop.load()) {
      auto r = c.Post("/v1/search", {{"X-API-Key", reader}}, body, "application/json");
      (r && r->status == 200 ? ok : failed)++;
    }
  });

  httplib::Client cli("127.0.0.1", server.port());
  cli.set_read_timeout(120, 0);
  EXPECT_EQ(top(cli), "<none>") << "the sample has no zebras";
  auto refused = cli.Post("/v1/admin/reload", {{"X-API-Key", reader}}, "", "application/json");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403) << refused->body;

  fs::remove(current);
  fs::create_directory_symlink(b, current);
  auto reloaded = cli.Post("/v1/admin/reload", {{"Authorization", "Bearer " + admin}}, "", "application/json");
  ASSERT_TRUE(reloaded);
  ASSERT_EQ(reloaded->status, 200) << reloaded->body;
  EXPECT_EQ(json::parse(reloaded->body)["documents"], 3);
  EXPECT_EQ(top(cli), "zebra-0");

  // SIGHUP does the same: back to the sample.
  fs::remove(current);
  fs::create_directory_symlink(a, current);
  ASSERT_EQ(::kill(server.pid(), SIGHUP), 0);
  std::string now;
  for (int i = 0; i < 600 && (now = top(cli)) != "<none>"; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(now, "<none>") << server.stderr_text();

  stop = true;
  load.join();
  EXPECT_GT(ok.load(), 10);
  EXPECT_EQ(failed.load(), 0) << "searches failed while the index was switched";
  EXPECT_EQ(server.stop(), 0);
  EXPECT_NE(server.stderr_text().find("reloaded"), std::string::npos);
}

}  // namespace
}  // namespace kbseek::testing
