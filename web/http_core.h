// The HTTP/1.1 server core under the API: connections, limits, workers.
//
// Why our own and not cpp-httplib's server (which the tests still use as a
// client): httplib 0.11 (Debian 12) runs one blocking thread per
// connection, so a slow or silent client holds a worker for its whole read
// timeout; it never answers a client that half-closes its socket after
// sending a request (its writability check reads EOF as a dead peer); and
// an oversized header gets a generic 400. Here:
//   * one reader thread (epoll) owns every connection while a request is
//     arriving; workers see only complete requests, so no client, however
//     slow, holds a worker;
//   * a request head over max_header_bytes gets 431, a request line over
//     max_request_line_bytes 414, a body over max_body_bytes 413, a
//     request not complete within read_timeout_ms 408 (then the socket is
//     closed); "Transfer-Encoding: chunked" bodies get 411 (send
//     Content-Length);
//   * "Expect: 100-continue" is answered as soon as the head is accepted
//     (curl waits a second for it before sending a body over 1 KiB);
//   * a client that sends a whole request and then shuts down its writing
//     side is answered, and the connection closed after the answer;
//   * complete requests wait in a bounded queue for `workers` threads; a
//     request that finds the queue full is answered 503 with Retry-After at
//     once instead of waiting without bound;
//   * keep-alive: a connection idle for keep_alive_ms between requests is
//     closed; "Connection: close" (or HTTP/1.0 without keep-alive) closes
//     after the answer;
//   * stop() stops accepting, answers every request already complete
//     (queued or running), and then returns: a graceful drain;
//   * TLS when use_tls() names a certificate and key (OpenSSL, TLS 1.2 and
//     1.3): the handshake runs in the reader like any other input, so a
//     client that never finishes it holds no worker either, and is closed
//     at the idle timeout; a client speaking plain HTTP to it is closed.
// Answers the core writes itself have a JSON body {"error": {"code",
// "message"}}.
//
// Thread-safety: handlers run concurrently on the worker threads.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace kbseek::web {

struct HttpRequest {
  std::string method;     // "GET", "POST", ...
  std::string path;       // the target before '?', not decoded
  std::string query;      // after '?', not decoded ("" if none)
  std::string path_rest;  // for a prefix route: the path after the prefix, decoded
  // Header names in lower case; a repeated header keeps its first value.
  std::map<std::string, std::string> headers;
  std::string body;

  bool has_header(const std::string& lower_name) const { return headers.count(lower_name) != 0; }
  std::string header(const std::string& lower_name) const;
  // The decoded value of `name` in the query string ("" if absent).
  std::string query_param(const std::string& name) const;
  bool has_query_param(const std::string& name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string body;

  void set_content(std::string b, std::string type) {
    body = std::move(b);
    content_type = std::move(type);
  }
  void set_header(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
  // Fields a handler adds to the access record of this answer (not sent):
  // core::LogFields, values as JSON text.
  std::vector<std::pair<std::string, std::string>> log_fields;
};

struct HttpLimits {
  size_t max_request_line_bytes = 8 * 1024;
  size_t max_header_bytes = 16 * 1024;  // request line and headers together
  size_t max_body_bytes = 1 << 20;
  int read_timeout_ms = 10000;  // from the first byte of a request to its last
  int keep_alive_ms = 5000;     // idle between requests
  int write_timeout_ms = 10000;
  int workers = 0;    // 0: the machine's hardware threads (at least 2); `serve --workers`
  size_t queue = 64;  // complete requests waiting for a worker
};

// The standard reason phrase ("Not Found"); "Unknown" for others.
const char* http_reason(int status);

// {"error": {"code": <status>, "message": message}} as a response.
void set_http_error(HttpResponse& res, int status, const std::string& message);

class HttpServer {
 public:
  using Handler = std::function<void(const HttpRequest&, HttpResponse&)>;

  explicit HttpServer(HttpLimits limits = {});
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes by exact path; a path with routes but not this method gets 405,
  // an unknown path 404. Register before listen().
  void route(const std::string& method, const std::string& path, Handler handler);
  // Routes every path that starts with `prefix` (which ends in '/') and has
  // more after it, e.g. "/v1/documents/" for /v1/documents/{id}; exact
  // routes win. The rest of the path is HttpRequest::path_rest.
  void route_prefix(const std::string& method, const std::string& prefix, Handler handler);
  // (method, path) of every route, sorted.
  std::vector<std::pair<std::string, std::string>> routes() const;
  // Called for anything a handler throws (then 500 is answered).
  void on_exception(std::function<void(const HttpRequest&, const std::string& what)> fn);
  // Called for each answer a worker gives, just before writing it: the
  // registered path (or "unmatched"), the answer and the seconds from
  // complete request to answer ready. Register before listen().
  using AnsweredFn =
      std::function<void(const HttpRequest&, const std::string& route, const HttpResponse& res, double seconds)>;
  void on_answered(AnsweredFn fn);

  // Serves HTTPS: `cert_chain_file` (PEM, the server's certificate first)
  // and `key_file` (PEM). InvalidArgument naming the file and OpenSSL's
  // reason when either cannot be read or they do not match. Before listen().
  core::Status use_tls(const std::string& cert_chain_file, const std::string& key_file);
  bool tls() const;

  // Binds host:port (0: a free port). Unavailable naming the address.
  core::Status bind(const std::string& host, int port);
  int port() const { return port_; }
  // Serves until stop(); returns after the drain.
  core::Status listen();
  // Thread- and signal-safe (one write to a pipe).
  void stop();
  bool running() const { return running_.load(); }

  // Counters for metrics.
  struct Stats {
    std::atomic<uint64_t> requests{0}, rejected_busy{0}, timed_out{0}, too_large{0};
    // Now: complete requests waiting for a worker, and requests being answered.
    std::atomic<int64_t> queued{0}, answering{0};
  };
  const Stats& stats() const { return stats_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int port_ = -1;
  std::atomic<bool> running_{false};
  Stats stats_;
};

}  // namespace kbseek::web
