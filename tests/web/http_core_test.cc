// The HTTP core over real loopback sockets, written byte by byte as odd
// clients write them: oversized heads get 431/414, oversized bodies 413
// even while the client is still sending, a request followed by a
// half-close is answered, a silent client gets 408 without holding a
// worker, a full queue answers 503 with Retry-After at once, keep-alive
// and pipelined requests are answered in order, and stop() drains the
// requests already taken.
#include "web/http_core.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace kbseek::web {
namespace {

using namespace std::chrono_literals;

int connect_to(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
  return fd;
}

void send_all(int fd, const std::string& s) {
  size_t sent = 0;
  while (sent < s.size()) {
    const ssize_t n = ::send(fd, s.data() + sent, s.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may close early (that is what some tests check)
    sent += static_cast<size_t>(n);
  }
}

// Everything the server sends until it closes or `timeout` passes.
std::string read_until_close(int fd, std::chrono::milliseconds timeout = 5000ms) {
  std::string out;
  const auto end = std::chrono::steady_clock::now() + timeout;
  char buf[4096];
  for (;;) {
    const int left = static_cast<int>(
        std::chrono::duration_cast<std::chrono::milliseconds>(end - std::chrono::steady_clock::now()).count());
    if (left <= 0) break;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, left) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  return out;
}

int status_of(const std::string& response) {
  return response.size() > 12 && response.rfind("HTTP/1.1 ", 0) == 0 ? std::stoi(response.substr(9, 3)) : -1;
}

std::string post(const std::string& path, const std::string& body, const std::string& extra = "") {
  return "POST " + path + " HTTP/1.1\r\nHost: x\r\n" + extra + "Content-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

class HttpCoreTest : public ::testing::Test {
 protected:
  void start(HttpLimits limits) {
    server_ = std::make_unique<HttpServer>(limits);
    server_->route("POST", "/echo", [](const HttpRequest& req, HttpResponse& res) {
      res.set_content(req.body + "|" + req.query_param("q") + "|" + req.header("x-thing"), "text/plain");
    });
    server_->route("POST", "/slow", [this](const HttpRequest&, HttpResponse& res) {
      entered_++;
      std::this_thread::sleep_for(std::chrono::milliseconds(slow_ms_));
      res.set_content("done", "text/plain");
    });
    server_->route("GET", "/throw", [](const HttpRequest&, HttpResponse&) { throw std::runtime_error("boom"); });
    ASSERT_TRUE(server_->bind("127.0.0.1", 0).is_ok());
    thread_ = std::thread([this] { listen_status_ = server_->listen(); });
    for (int i = 0; i < 200 && !server_->running(); ++i) std::this_thread::sleep_for(5ms);
  }
  void TearDown() override {
    if (server_) server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string roundtrip(const std::string& raw, bool half_close = false) {
    const int fd = connect_to(server_->port());
    send_all(fd, raw);
    if (half_close) ::shutdown(fd, SHUT_WR);
    std::string out = read_until_close(fd, 3000ms);
    ::close(fd);
    return out;
  }

  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  core::Status listen_status_ = core::Status::ok();
  std::atomic<int> entered_{0};
  int slow_ms_ = 300;
};

TEST_F(HttpCoreTest, RoutesParamsHeadersAndErrorsInJson) {
  start({});
  const std::string ok = roundtrip(post("/echo?q=a%20b+c&z=1", "hi", "X-Thing: yes\r\nConnection: close\r\n"));
  EXPECT_EQ(status_of(ok), 200) << ok;
  EXPECT_NE(ok.find("\r\n\r\nhi|a b c|yes"), std::string::npos) << ok;
  const std::string missing = roundtrip("GET /nope HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(missing), 404);
  EXPECT_NE(missing.find(R"({"error":{"code":404,"message":)"), std::string::npos) << missing;
  const std::string wrong = roundtrip("GET /echo HTTP/1.1\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(status_of(wrong), 405);
  EXPECT_NE(wrong.find("Allow: POST"), std::string::npos) << wrong;
  EXPECT_EQ(status_of(roundtrip("GET /throw HTTP/1.1\r\nConnection: close\r\n\r\n")), 500);
  EXPECT_EQ(status_of(roundtrip("NONSENSE\r\n\r\n")), 400);
  EXPECT_EQ(status_of(roundtrip("POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")), 411);
  EXPECT_EQ(status_of(roundtrip("POST /echo HTTP/1.1\r\nContent-Length: x1\r\n\r\n")), 400);
}

TEST_F(HttpCoreTest, OversizedPartsGetTheirOwnStatusEvenMidSend) {
  HttpLimits limits;
  limits.max_body_bytes = 1000;
  start(limits);
  // A 20 KB header line: 431, not a hang.
  EXPECT_EQ(status_of(roundtrip(post("/echo", "x", "X-Big: " + std::string(20000, 'a') + "\r\n"))), 431);
  EXPECT_EQ(status_of(roundtrip("GET /" + std::string(9000, 'a') + " HTTP/1.1\r\n\r\n")), 414);
  // A 2 MB body announced and being sent: 413 arrives (no reset).
  const int fd = connect_to(server_->port());
  std::thread sender([fd] { send_all(fd, post("/echo", std::string(2 << 20, 'b'))); });
  const std::string big = read_until_close(fd, 5000ms);
  sender.join();
  ::close(fd);
  EXPECT_EQ(status_of(big), 413) << big.substr(0, 200);
  EXPECT_EQ(server_->stats().too_large.load(), 3u);
  // Still serving.
  EXPECT_EQ(status_of(roundtrip(post("/echo", "ok", "Connection: close\r\n"))), 200);
}

TEST_F(HttpCoreTest, ExpectContinueIsAnsweredBeforeTheBody) {
  start({});
  const int fd = connect_to(server_->port());
  send_all(fd, "POST /echo HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 4\r\nConnection: close\r\n\r\n");
  char buf[64] = {};
  pollfd p{fd, POLLIN, 0};
  ASSERT_EQ(::poll(&p, 1, 2000), 1) << "no 100 Continue";
  const ssize_t n = ::recv(fd, buf, sizeof buf - 1, 0);
  ASSERT_GT(n, 0);
  EXPECT_EQ(std::string(buf, n), "HTTP/1.1 100 Continue\r\n\r\n");
  send_all(fd, "body");
  const std::string r = read_until_close(fd, 3000ms);
  ::close(fd);
  EXPECT_EQ(status_of(r), 200) << r;
  EXPECT_NE(r.find("body||"), std::string::npos) << r;
}

TEST_F(HttpCoreTest, AHalfClosedRequestIsAnswered) {
  start({});
  const std::string r = roundtrip(post("/echo", "half"), /*half_close=*/true);
  EXPECT_EQ(status_of(r), 200) << r;
  EXPECT_NE(r.find("\r\n\r\nhalf||"), std::string::npos) << r;
}

TEST_F(HttpCoreTest, SilentClientsTimeOutWithoutHoldingTheWorker) {
  HttpLimits limits;
  limits.workers = 1;
  limits.read_timeout_ms = 2500;
  start(limits);
  // Three clients that start a request and stop sending.
  std::vector<int> silent;
  for (int i = 0; i < 3; ++i) {
    silent.push_back(connect_to(server_->port()));
    send_all(silent.back(), "POST /echo HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc");
  }
  // The one worker still answers someone else at once.
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(status_of(roundtrip(post("/echo", "x", "Connection: close\r\n"))), 200);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, 2000ms) << "answered before the silent ones timed out";
  for (int fd : silent) {
    const std::string r = read_until_close(fd, 6000ms);
    EXPECT_EQ(status_of(r), 408) << r;
    ::close(fd);
  }
  EXPECT_EQ(server_->stats().timed_out.load(), 3u);
}

TEST_F(HttpCoreTest, AFullQueueAnswers503WithRetryAfter) {
  HttpLimits limits;
  limits.workers = 1;
  limits.queue = 1;
  start(limits);
  slow_ms_ = 600;
  // One running, one queued, the rest refused at once.
  std::vector<int> fds;
  for (int i = 0; i < 4; ++i) {
    fds.push_back(connect_to(server_->port()));
    send_all(fds.back(), post("/slow", "", "Connection: close\r\n"));
    if (i == 0) {
      for (int w = 0; w < 100 && entered_.load() == 0; ++w) std::this_thread::sleep_for(5ms);
    } else {
      std::this_thread::sleep_for(30ms);
    }
  }
  int ok = 0, busy = 0;
  for (int fd : fds) {
    const std::string r = read_until_close(fd, 5000ms);
    if (status_of(r) == 200) ok++;
    if (status_of(r) == 503) {
      busy++;
      EXPECT_NE(r.find("Retry-After: 1"), std::string::npos) << r;
    }
    ::close(fd);
  }
  EXPECT_EQ(ok, 2);
  EXPECT_EQ(busy, 2);
  EXPECT_EQ(server_->stats().rejected_busy.load(), 2u);
}

TEST_F(HttpCoreTest, KeepAliveAndPipelinedRequestsAnswerInOrder) {
  start({});
  const int fd = connect_to(server_->port());
  send_all(fd, post("/echo", "one") + post("/echo", "two") + post("/echo", "three", "Connection: close\r\n"));
  const std::string r = read_until_close(fd, 3000ms);
  ::close(fd);
  const size_t a = r.find("one||"), b = r.find("two||"), c = r.find("three||");
  ASSERT_NE(a, std::string::npos) << r;
  ASSERT_NE(b, std::string::npos) << r;
  ASSERT_NE(c, std::string::npos) << r;
  EXPECT_LT(a, b);
  EXPECT_LT(b, c);
}

TEST_F(HttpCoreTest, StopDrainsTheRequestsAlreadyTaken) {
  HttpLimits limits;
  limits.workers = 1;
  start(limits);
  slow_ms_ = 400;
  const int a = connect_to(server_->port());
  send_all(a, post("/slow", ""));
  for (int w = 0; w < 100 && entered_.load() == 0; ++w) std::this_thread::sleep_for(5ms);
  const int b = connect_to(server_->port());
  send_all(b, post("/slow", ""));
  std::this_thread::sleep_for(50ms);
  server_->stop();
  for (int fd : {a, b}) {
    const std::string r = read_until_close(fd, 3000ms);
    EXPECT_EQ(status_of(r), 200) << r;
    EXPECT_NE(r.find("Connection: close"), std::string::npos) << r;
    ::close(fd);
  }
  thread_.join();
  EXPECT_TRUE(listen_status_.is_ok());
  EXPECT_FALSE(server_->running());
  // No longer listening.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(server_->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  EXPECT_NE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ::close(fd);
}

}  // namespace
}  // namespace kbseek::web
