// The change feed on a real NATS JetStream (Debian's nats-server, started
// here): `kbseek publish` partitions documents by id over two shards; each
// `serve --writable --feed` shard indexes exactly its partition; a shard
// killed with SIGKILL misses nothing: restarted, it catches up from its
// durable position (puts, edits and removals), with no document lost or
// doubled and its folder consistent; republishing the same records changes
// nothing; a publisher with another shard count is refused.
#include "indexer/change_feed.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "tests/app/cli_test_util.h"

namespace kbseek::testing {
namespace {

using nlohmann::json;

// nats-server with JetStream on a free loopback port, stopped on destruction.
class NatsServer {
 public:
  explicit NatsServer(const std::string& dir) {
    port_ = free_loopback_port();
    std::filesystem::create_directories(dir + "/js");
    pid_ = fork();
    if (pid_ == 0) {
      const std::string port = std::to_string(port_), store = dir + "/js", log = dir + "/nats.log";
      execl("/usr/sbin/nats-server", "nats-server", "-js", "-a", "127.0.0.1", "-p", port.c_str(), "-sd", store.c_str(),
            "-l", log.c_str(), nullptr);
      _exit(127);
    }
    for (int i = 0; i < 200 && !ready(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ~NatsServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  bool ready() const {
    httplib::Client probe("127.0.0.1", port_);  // any TCP answer will do: NATS speaks first
    probe.set_connection_timeout(0, 100000);
    auto res = probe.Get("/");
    return res.error() != httplib::Error::Connection;
  }
  std::string url() const { return "nats://127.0.0.1:" + std::to_string(port_); }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

int documents_of(int port) {
  httplib::Client cli("127.0.0.1", port);
  auto res = cli.Get("/v1/stats");
  return res && res->status == 200 ? json::parse(res->body)["documents"].get<int>() : -1;
}

bool has_document(int port, const std::string& id, std::string* text = nullptr) {
  httplib::Client cli("127.0.0.1", port);
  auto res = cli.Get("/v1/documents/" + id);
  if (res && res->status == 200 && text) *text = json::parse(res->body)["text"].get<std::string>();
  return res && res->status == 200;
}

// Waits up to 60 s for `done`.
template <typename F>
bool eventually(F done) {
  for (int i = 0; i < 600; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

TEST(ChangeFeedTest, ShardsFollowTheirPartitionAndCatchUpAfterAKill) {
  if (::access("/usr/sbin/nats-server", X_OK) != 0)
    GTEST_SKIP() << "no /usr/sbin/nats-server (Debian package nats-server; scripts/setup.sh installs it)";
  const std::string dir = temp_dir("feed");
  NatsServer nats(dir + "/nats");
  ASSERT_TRUE(nats.ready()) << read_text_file(dir + "/nats/nats.log");

  // Two empty shard folders.
  std::ofstream(dir + "/seed.jsonl") << json{{"id", "seed"}, {"text", "Seed document of the shard."}}.dump() << "\n";
  for (const char* s : {"s0", "s1"}) {
    ASSERT_EQ(
        run_kbseek({"index", "--index", dir + "/" + s, "--models", "all-minilm-l6-v2", dir + "/seed.jsonl"}).exit_code,
        0);
    ASSERT_EQ(run_kbseek({"delete", "--index", dir + "/" + s, "seed"}).exit_code, 0);
  }
  std::map<std::string, int> shard;  // id -> its partition
  {
    std::ofstream f(dir + "/docs.jsonl");
    for (int i = 0; i < 10; ++i) {
      const std::string id = "doc-" + std::to_string(i);
      shard[id] = indexer::shard_of(id, 2);
      f << json{{"id", id},
                {"title", "Note " + std::to_string(i)},
                {"text", "Maintenance note number " + std::to_string(i) + " about the boiler room."}}
               .dump()
        << "\n";
    }
  }
  int expected[2] = {0, 0};
  for (const auto& [id, s] : shard) ++expected[s];
  ASSERT_GT(expected[0], 0);
  ASSERT_GT(expected[1], 0);

  CommandResult pub = run_kbseek({"publish", "--nats", nats.url(), "--shards", "2", dir + "/docs.jsonl"});
  ASSERT_EQ(pub.exit_code, 0) << pub.err;
  auto serve = [&](int s) {
    return std::make_unique<ServerProcess>(std::vector<std::string>{"serve", "--index", dir + "/s" + std::to_string(s),
                                                                    "--port", "0", "--writable", "--feed", nats.url(),
                                                                    "--shard", std::to_string(s) + "/2"});
  };
  auto s0 = serve(0);
  auto s1 = serve(1);
  ASSERT_GT(s0->port(), 0) << s0->stderr_text();
  ASSERT_GT(s1->port(), 0) << s1->stderr_text();
  ASSERT_TRUE(eventually([&] { return documents_of(s0->port()) == expected[0]; })) << s0->stderr_text();
  ASSERT_TRUE(eventually([&] { return documents_of(s1->port()) == expected[1]; })) << s1->stderr_text();
  for (const auto& [id, s] : shard) {
    EXPECT_TRUE(has_document(s == 0 ? s0->port() : s1->port(), id)) << id << " on its shard " << s;
    EXPECT_FALSE(has_document(s == 0 ? s1->port() : s0->port(), id)) << id << " not on the other";
  }

  // Shard 1 dies hard; meanwhile a document of each shard is edited, one of
  // shard 1 removed, and two new ones arrive.
  ::kill(s1->pid(), SIGKILL);
  s1->stop();
  std::string edit0, edit1, gone1;
  for (const auto& [id, s] : shard) {
    if (s == 0 && edit0.empty())
      edit0 = id;
    else if (s == 1 && edit1.empty())
      edit1 = id;
    else if (s == 1 && gone1.empty())
      gone1 = id;
  }
  ASSERT_FALSE(gone1.empty()) << "shard 1 needs two documents";
  {
    std::ofstream f(dir + "/changes.jsonl");
    for (const std::string& id : {edit0, edit1})
      f << json{{"id", id}, {"text", "Edited: the boiler room moved to the basement."}}.dump() << "\n";
    for (int i = 10; i < 14; ++i) {
      const std::string id = "doc-" + std::to_string(i);
      shard[id] = indexer::shard_of(id, 2);
      ++expected[shard[id]];
      f << json{{"id", id}, {"text", "New note " + std::to_string(i) + " about the boiler room."}}.dump() << "\n";
    }
  }
  ASSERT_EQ(run_kbseek({"publish", "--nats", nats.url(), dir + "/changes.jsonl"}).exit_code, 0);
  CommandResult removal = run_kbseek({"publish", "--nats", nats.url(), "--delete", gone1});
  ASSERT_EQ(removal.exit_code, 0) << removal.err;
  --expected[1];
  ASSERT_TRUE(eventually([&] { return documents_of(s0->port()) == expected[0]; })) << s0->stderr_text();

  // Restarted, shard 1 catches up from where it stopped.
  s1 = serve(1);
  ASSERT_GT(s1->port(), 0) << s1->stderr_text();
  ASSERT_TRUE(eventually([&] {
    std::string text;
    return documents_of(s1->port()) == expected[1] && has_document(s1->port(), edit1, &text) &&
           text.find("Edited") != std::string::npos;
  })) << s1->stderr_text();
  EXPECT_FALSE(has_document(s1->port(), gone1));
  std::string text;
  ASSERT_TRUE(has_document(s0->port(), edit0, &text));
  EXPECT_NE(text.find("Edited"), std::string::npos) << text;
  for (const auto& [id, s] : shard) {
    if (id != gone1) {
      EXPECT_TRUE(has_document(s == 0 ? s0->port() : s1->port(), id)) << id;
    }
  }

  // The same records again: stored once by the stream, nothing changes.
  ASSERT_EQ(run_kbseek({"publish", "--nats", nats.url(), dir + "/docs.jsonl"}).exit_code, 0);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(documents_of(s0->port()), expected[0]);
  EXPECT_EQ(documents_of(s1->port()), expected[1]);

  // A publisher that disagrees on the partitioning is refused.
  CommandResult three = run_kbseek({"publish", "--nats", nats.url(), "--shards", "3", dir + "/docs.jsonl"});
  EXPECT_EQ(three.exit_code, 2);
  EXPECT_NE(three.err.find("has 2 shards"), std::string::npos) << three.err;

  s0->stop();
  s1->stop();
  for (const char* s : {"s0", "s1"}) {
    CommandResult check = run_kbseek({"check", "--index", dir + "/" + s});
    EXPECT_EQ(check.exit_code, 0) << s << ": " << check.out << check.err;
  }
  CommandResult no_server = run_kbseek({"publish", "--nats", "nats://127.0.0.1:1", dir + "/docs.jsonl"});
  EXPECT_EQ(no_server.exit_code, 2);
  EXPECT_NE(no_server.err.find("cannot connect"), std::string::npos) << no_server.err;
}

// kbseek front: one search over every shard; a shard's replicas share its
// requests, so losing one replica loses nothing; a shard with no replica
// left makes answers partial (flagged, never an error page); no shard, 503.
TEST(ChangeFeedTest, TheFrontSearchesEveryShardAndFlagsAMissingOne) {
  if (::access("/usr/sbin/nats-server", X_OK) != 0)
    GTEST_SKIP() << "no /usr/sbin/nats-server (Debian package nats-server; scripts/setup.sh installs it)";
  const std::string dir = temp_dir("front");
  NatsServer nats(dir + "/nats");
  ASSERT_TRUE(nats.ready()) << read_text_file(dir + "/nats/nats.log");
  std::ofstream(dir + "/seed.jsonl") << json{{"id", "seed"}, {"text", "Seed document of the shard."}}.dump() << "\n";
  for (const char* s : {"s0a", "s0b", "s1"}) {
    ASSERT_EQ(
        run_kbseek({"index", "--index", dir + "/" + s, "--models", "all-minilm-l6-v2", dir + "/seed.jsonl"}).exit_code,
        0);
    ASSERT_EQ(run_kbseek({"delete", "--index", dir + "/" + s, "seed"}).exit_code, 0);
  }
  std::map<std::string, int> shard;
  {
    std::ofstream f(dir + "/docs.jsonl");
    for (int i = 0; i < 10; ++i) {
      const std::string id = "doc-" + std::to_string(i);
      shard[id] = indexer::shard_of(id, 2);
      f << json{{"id", id}, {"text", "Boiler room note " + std::to_string(i) + std::string(i, '!') + " pressure."}}
               .dump()
        << "\n";
    }
  }
  ASSERT_EQ(run_kbseek({"publish", "--nats", nats.url(), "--shards", "2", dir + "/docs.jsonl"}).exit_code, 0);
  auto serve = [&](const std::string& folder, int s) {
    return std::make_unique<ServerProcess>(std::vector<std::string>{"serve", "--index", dir + "/" + folder, "--port",
                                                                    "0", "--writable", "--feed", nats.url(), "--shard",
                                                                    std::to_string(s) + "/2"});
  };
  auto s0a = serve("s0a", 0), s0b = serve("s0b", 0), s1 = serve("s1", 1);
  int expected[2] = {0, 0};
  for (const auto& [id, s] : shard) ++expected[s];
  for (auto* p : {s0a.get(), s0b.get()})
    ASSERT_TRUE(eventually([&] { return documents_of(p->port()) == expected[0]; })) << p->stderr_text();
  ASSERT_TRUE(eventually([&] { return documents_of(s1->port()) == expected[1]; })) << s1->stderr_text();

  ServerProcess front({"front", "--nats", nats.url(), "--port", "0", "--timeout-ms", "2000"});
  ASSERT_GT(front.port(), 0) << front.stderr_text();
  httplib::Client cli("127.0.0.1", front.port());
  cli.set_read_timeout(30, 0);
  auto ask = [&](int k, int offset) {
    auto res = cli.Post("/v1/search",
                        json{{"query", "boiler room pressure"}, {"k", k}, {"offset", offset}, {"mode", "bm25"}}.dump(),
                        "application/json");
    EXPECT_TRUE(res);
    return res ? std::make_pair(res->status, json::parse(res->body, nullptr, false)) : std::make_pair(0, json());
  };
  auto [status, all] = ask(20, 0);
  ASSERT_EQ(status, 200) << all.dump();
  EXPECT_EQ(all["partial"], false);
  EXPECT_EQ(all["shards"]["answered"], 2);
  ASSERT_EQ(all["results"].size(), 10u) << all.dump();
  std::set<std::string> ids;
  for (size_t i = 0; i < all["results"].size(); ++i) {
    const json& r = all["results"][i];
    ids.insert(r["id"].get<std::string>());
    EXPECT_EQ(r["shard"], shard[r["id"].get<std::string>()]);
    if (i > 0) {
      EXPECT_GE(all["results"][i - 1]["score"].get<double>(), r["score"].get<double>());
    }
  }
  EXPECT_EQ(ids.size(), 10u);
  // Pages of the merged order.
  auto [page_status, page] = ask(3, 3);
  ASSERT_EQ(page_status, 200);
  ASSERT_EQ(page["results"].size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(page["results"][i]["id"], all["results"][3 + i]["id"]);
  EXPECT_EQ(page["more"], true);
  auto bad = cli.Post("/v1/search", R"({"query": "boiler", "k": "many"})", "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400) << bad->body;

  // One replica of shard 0 dies: the other answers for the shard.
  ::kill(s0a->pid(), SIGKILL);
  s0a->stop();
  ASSERT_TRUE(eventually([&] { return ask(20, 0).second.value("partial", true) == false; }));
  for (int i = 0; i < 5; ++i) {
    auto [st, a] = ask(20, 0);
    EXPECT_EQ(st, 200);
    EXPECT_EQ(a["partial"], false) << a.dump();
    EXPECT_EQ(a["results"].size(), 10u);
  }
  // Shard 1 has no replica left: partial answers, shard 0's results.
  ::kill(s1->pid(), SIGKILL);
  s1->stop();
  auto [partial_status, partial] = ask(20, 0);
  ASSERT_EQ(partial_status, 200) << partial.dump();
  EXPECT_EQ(partial["partial"], true);
  EXPECT_EQ(partial["missing_shards"], json::array({1}));
  EXPECT_EQ(partial["results"].size(), static_cast<size_t>(expected[0]));
  // No shard at all: 503, an error body.
  s0b->stop();
  auto [none_status, none] = ask(20, 0);
  EXPECT_EQ(none_status, 503) << none.dump();
  EXPECT_TRUE(none.contains("error"));
}

}  // namespace
}  // namespace kbseek::testing
