// The HTTP core: an epoll reader that assembles requests, a bounded queue,
// worker threads that run handlers and write answers.
#include "web/http_core.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_map>

#include "core/ascii.h"

namespace kbseek::web {
namespace {

using Clock = std::chrono::steady_clock;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}

std::string trim(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(" \t") - b + 1));
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// application/x-www-form-urlencoded decoding: %XX and '+'.
std::string url_decode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// %XX decoding of a path segment ('+' stays '+').
std::string url_decode_path(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 && hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Calls fn(name, value) for each name=value of a query string until it returns true.
template <typename Fn>
void for_each_param(std::string_view query, Fn fn) {
  size_t start = 0;
  while (start <= query.size()) {
    size_t amp = query.find('&', start);
    if (amp == std::string_view::npos) amp = query.size();
    const std::string_view item = query.substr(start, amp - start);
    if (!item.empty()) {
      const size_t eq = item.find('=');
      const std::string name = url_decode(item.substr(0, eq));
      const std::string value = eq == std::string_view::npos ? "" : url_decode(item.substr(eq + 1));
      if (fn(name, value)) return;
    }
    start = amp + 1;
  }
}

// One client connection; owned by the reader while a request arrives and
// by a worker while it is answered.
struct Conn {
  Conn() = default;
  Conn(const Conn&) = delete;
  Conn& operator=(const Conn&) = delete;
  ~Conn() {
    if (ssl != nullptr) SSL_free(ssl);
  }
  int fd = -1;
  SSL* ssl = nullptr;      // TLS: the session (null for plain HTTP)
  bool tls_ready = false;  // the handshake is done
  std::string in;          // bytes received and not yet consumed
  bool head_done = false;
  size_t body_bytes = 0;  // Content-Length of the current request
  bool keep_alive = true;
  bool peer_closed = false;  // the client shut down its writing side
  int64_t deadline = 0;      // ms: end of the read (or idle) time
  bool started = false;      // bytes of the current request arrived
  bool draining = false;     // refused: input is read and dropped until EOF
  HttpRequest req;

  void next_request(int64_t idle_deadline) {
    head_done = false;
    body_bytes = 0;
    started = !in.empty();
    deadline = idle_deadline;
    req = HttpRequest();
  }
};

std::string serialize(const HttpResponse& res, bool keep_alive) {
  std::string out = "HTTP/1.1 " + std::to_string(res.status) + " " + http_reason(res.status) + "\r\n";
  out += "Content-Type: " + res.content_type + "\r\n";
  out += "Content-Length: " + std::to_string(res.body.size()) + "\r\n";
  for (const auto& [k, v] : res.headers) out += k + ": " + v + "\r\n";
  out += keep_alive ? "Connection: keep-alive\r\n\r\n" : "Connection: close\r\n\r\n";
  out += res.body;
  return out;
}

// Writes all of `data` to the non-blocking socket, waiting up to
// timeout_ms in all. False if the peer is gone or too slow.
bool write_all(int fd, const std::string& data, int timeout_ms) {
  const int64_t deadline = now_ms() + timeout_ms;
  size_t sent = 0;
  while (sent < data.size()) {
    const ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      const int64_t left = deadline - now_ms();
      if (left <= 0) return false;
      pollfd p{fd, POLLOUT, 0};
      if (::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
      continue;
    }
    return false;
  }
  return true;
}

// OpenSSL's reasons for the last failure on this thread, for messages.
std::string openssl_errors() {
  std::string out;
  char buf[256];
  while (const unsigned long e = ERR_get_error()) {
    ERR_error_string_n(e, buf, sizeof buf);
    out += (out.empty() ? "" : "; ") + std::string(buf);
  }
  return out.empty() ? "unknown OpenSSL error" : out;
}

// recv() for a plain or TLS connection: bytes, 0 at the end of input, or -1
// with errno (EAGAIN: nothing more now; EINTR: call again). Runs the TLS
// handshake first.
ssize_t conn_recv(Conn& c, char* buf, size_t n) {
  if (c.ssl == nullptr) return ::recv(c.fd, buf, n, 0);
  ERR_clear_error();
  if (!c.tls_ready) {
    const int r = SSL_do_handshake(c.ssl);
    if (r != 1) {
      const int e = SSL_get_error(c.ssl, r);
      if (e == SSL_ERROR_WANT_READ) {
        errno = EAGAIN;
      } else if (e == SSL_ERROR_WANT_WRITE) {
        pollfd p{c.fd, POLLOUT, 0};  // the kernel's buffer is full: rare, and brief
        errno = ::poll(&p, 1, 1000) > 0 ? EINTR : ETIMEDOUT;
      } else {
        errno = ECONNRESET;  // not TLS (plain HTTP, say), or a failed handshake
      }
      return -1;
    }
    c.tls_ready = true;
  }
  const int r = SSL_read(c.ssl, buf, static_cast<int>(std::min<size_t>(n, 1 << 30)));
  if (r > 0) return r;
  const int e = SSL_get_error(c.ssl, r);
  if (e == SSL_ERROR_ZERO_RETURN) return 0;
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
    errno = EAGAIN;
    return -1;
  }
  errno = ECONNRESET;
  return -1;
}

// write_all() for a plain or TLS connection.
bool conn_write(Conn& c, const std::string& data, int timeout_ms) {
  if (c.ssl == nullptr) return write_all(c.fd, data, timeout_ms);
  if (!c.tls_ready) return false;  // nothing can be said before the handshake
  const int64_t deadline = now_ms() + timeout_ms;
  size_t sent = 0;
  while (sent < data.size()) {
    ERR_clear_error();
    const int r = SSL_write(c.ssl, data.data() + sent, static_cast<int>(std::min<size_t>(data.size() - sent, 1 << 30)));
    if (r > 0) {
      sent += static_cast<size_t>(r);
      continue;
    }
    const int e = SSL_get_error(c.ssl, r);
    const short wait = e == SSL_ERROR_WANT_WRITE ? POLLOUT : e == SSL_ERROR_WANT_READ ? POLLIN : 0;
    const int64_t left = deadline - now_ms();
    if (wait == 0 || left <= 0) return false;
    pollfd p{c.fd, wait, 0};
    if (::poll(&p, 1, static_cast<int>(left)) <= 0) return false;
  }
  return true;
}

// Closes the socket (a TLS session says close_notify first, without waiting).
void close_socket(Conn& c) {
  if (c.ssl != nullptr && c.tls_ready) {
    ERR_clear_error();
    SSL_shutdown(c.ssl);
  }
  ::close(c.fd);
}

}  // namespace

std::string HttpRequest::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

std::string HttpRequest::query_param(const std::string& name) const {
  std::string out;
  for_each_param(query, [&](const std::string& n, const std::string& v) {
    if (n != name) return false;
    out = v;
    return true;
  });
  return out;
}

bool HttpRequest::has_query_param(const std::string& name) const {
  bool found = false;
  for_each_param(query, [&](const std::string& n, const std::string&) { return found = n == name; });
  return found;
}

const char* http_reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
  }
  return "Unknown";
}

void set_http_error(HttpResponse& res, int status, const std::string& message) {
  res.status = status;
  // Messages can quote the client's bytes, which may not be UTF-8: replace
  // them rather than fail to answer.
  res.set_content(nlohmann::json{{"error", {{"code", status}, {"message", message}}}}.dump(
                      -1, ' ', false, nlohmann::json::error_handler_t::replace),
                  "application/json");
}

struct HttpServer::Impl {
  HttpLimits limits;
  std::map<std::string, std::map<std::string, Handler>> routes;    // path -> method -> handler
  std::map<std::string, std::map<std::string, Handler>> prefixes;  // prefix -> method -> handler
  std::function<void(const HttpRequest&, const std::string&)> on_exception;
  HttpServer::AnsweredFn on_answered;
  int listen_fd = -1, epoll_fd = -1, wake[2] = {-1, -1};
  std::atomic<bool> stopping{false};
  Stats* stats = nullptr;
  SSL_CTX* tls = nullptr;  // use_tls(): every accepted connection speaks TLS

  std::mutex mu;
  std::condition_variable work_cv, idle_cv;
  std::deque<std::unique_ptr<Conn>> queue;      // complete requests
  std::vector<std::unique_ptr<Conn>> returned;  // answered, keep-alive: back to the reader
  int in_flight = 0;                            // queued + being answered
  bool workers_exit = false;

  std::unordered_map<int, std::unique_ptr<Conn>> conns;  // the reader's

  void wake_reader() {
    const char b = 1;
    [[maybe_unused]] ssize_t n = ::write(wake[1], &b, 1);
  }

  void close_conn(int fd) {
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    if (auto it = conns.find(fd); it != conns.end()) {
      close_socket(*it->second);
      conns.erase(it);
    } else {
      ::close(fd);
    }
  }

  // An answer the reader gives itself (errors), then the connection
  // closes: at once if the client has finished sending, else after its
  // input has been read and dropped for up to kLingerMs (closing with
  // unread input would reset the connection and lose the answer to a
  // client still sending, say, an oversized body).
  static constexpr int kLingerMs = 2000;
  void refuse(Conn& c, int status, const std::string& message) {
    HttpResponse res;
    set_http_error(res, status, message);
    conn_write(c, serialize(res, false), 1000);
    if (c.peer_closed) return close_conn(c.fd);
    if (c.ssl != nullptr && c.tls_ready) SSL_shutdown(c.ssl);  // close_notify, then the TCP half-close
    ::shutdown(c.fd, SHUT_WR);
    c.in.clear();
    c.draining = true;
    c.started = false;
    c.deadline = now_ms() + kLingerMs;
  }

  // Parses what `c` holds; dispatches a complete request. May close `c`.
  void advance(Conn& c) {
    if (c.draining) return;
    if (!c.head_done) {
      const size_t end = c.in.find("\r\n\r\n");
      const size_t line_end = c.in.find("\r\n");
      if ((line_end == std::string::npos ? c.in.size() : line_end) > limits.max_request_line_bytes) {
        stats->too_large++;
        return refuse(c, 414, "request line over " + std::to_string(limits.max_request_line_bytes) + " bytes");
      }
      if ((end == std::string::npos ? c.in.size() : end + 4) > limits.max_header_bytes) {
        stats->too_large++;
        return refuse(c, 431, "request headers over " + std::to_string(limits.max_header_bytes) + " bytes");
      }
      if (end == std::string::npos) {
        if (c.peer_closed) close_conn(c.fd);
        return;
      }
      if (!parse_head(c, end)) return;  // refused
      // curl and others wait (about a second) for this before sending a
      // body over 1 KiB: the head is acceptable, so say so at once.
      if (core::ascii_lower(c.req.header("expect")) == "100-continue" && c.in.size() < c.body_bytes) {
        conn_write(c, "HTTP/1.1 100 Continue\r\n\r\n", 1000);
      }
    }
    if (c.in.size() < c.body_bytes) {
      if (c.peer_closed) close_conn(c.fd);
      return;
    }
    c.req.body = c.in.substr(0, c.body_bytes);
    c.in.erase(0, c.body_bytes);
    if (c.peer_closed) c.keep_alive = false;
    dispatch(c.fd);
  }

  bool parse_head(Conn& c, size_t end) {
    const std::string head = c.in.substr(0, end);
    c.in.erase(0, end + 4);
    const size_t line_end = head.find("\r\n");
    const std::string line = head.substr(0, line_end);
    const size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
    if (sp1 == std::string::npos || sp2 == sp1) {
      refuse(c, 400, "malformed request line");
      return false;
    }
    c.req.method = line.substr(0, sp1);
    const std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
    const std::string version = line.substr(sp2 + 1);
    if ((version != "HTTP/1.1" && version != "HTTP/1.0") || target.empty() || target[0] != '/') {
      refuse(c, 400, "malformed request line");
      return false;
    }
    const size_t q = target.find('?');
    c.req.path = target.substr(0, q);
    c.req.query = q == std::string::npos ? "" : target.substr(q + 1);
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t next = head.find("\r\n", pos);
      if (next == std::string::npos) next = head.size();
      const std::string h = head.substr(pos, next - pos);
      const size_t colon = h.find(':');
      if (colon == std::string::npos || colon == 0) {
        refuse(c, 400, "malformed header line");
        return false;
      }
      c.req.headers.emplace(core::ascii_lower(h.substr(0, colon)), trim(std::string_view(h).substr(colon + 1)));
      pos = next + 2;
    }
    const std::string connection = core::ascii_lower(c.req.header("connection"));
    c.keep_alive = version == "HTTP/1.1" ? connection != "close" : connection == "keep-alive";
    if (c.req.has_header("transfer-encoding")) {
      refuse(c, 411, "chunked bodies are not accepted; send Content-Length");
      return false;
    }
    const std::string length = c.req.header("content-length");
    if (!length.empty()) {
      if (length.size() > 18 || length.find_first_not_of("0123456789") != std::string::npos) {
        refuse(c, 400, "bad Content-Length");
        return false;
      }
      c.body_bytes = std::stoull(length);
      if (c.body_bytes > limits.max_body_bytes) {
        stats->too_large++;
        refuse(c, 413, "request body over " + std::to_string(limits.max_body_bytes) + " bytes");
        return false;
      }
    }
    c.head_done = true;
    return true;
  }

  // Hands `fd`'s complete request to the workers, or answers 503 at once.
  void dispatch(int fd) {
    auto it = conns.find(fd);
    std::unique_ptr<Conn> c = std::move(it->second);
    conns.erase(it);
    ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
    {
      std::lock_guard<std::mutex> lock(mu);
      if (queue.size() < limits.queue) {
        queue.push_back(std::move(c));
        ++in_flight;
        stats->queued++;
        work_cv.notify_one();
        return;
      }
    }
    stats->rejected_busy++;
    HttpResponse res;
    set_http_error(res, 503, "server busy: every worker is taken and the queue is full; retry");
    res.set_header("Retry-After", "1");
    conn_write(*c, serialize(res, false), 1000);
    close_socket(*c);
  }

  // The routes of `req`'s path (exact, else the longest matching prefix,
  // which sets path_rest), and the route's name for metrics; null if none.
  const std::map<std::string, Handler>* find_routes(HttpRequest& req, std::string* name) {
    if (auto it = routes.find(req.path); it != routes.end()) {
      *name = it->first;
      return &it->second;
    }
    const std::map<std::string, Handler>* best = nullptr;
    for (const auto& [prefix, methods] : prefixes) {
      if (req.path.size() > prefix.size() && req.path.compare(0, prefix.size(), prefix) == 0 &&
          (best == nullptr || prefix.size() > name->size() - 1)) {
        best = &methods;
        *name = prefix + "*";
        req.path_rest = url_decode_path(req.path.substr(prefix.size()));
      }
    }
    return best;
  }

  void answer(Conn& c) {
    const auto t0 = Clock::now();
    HttpResponse res;
    HttpRequest& req = c.req;
    std::string route_name = "unmatched";
    const std::map<std::string, Handler>* methods = find_routes(req, &route_name);
    if (methods == nullptr) {
      set_http_error(res, 404, "no such route");
    } else if (auto m = methods->find(req.method); m == methods->end()) {
      std::string allow;
      for (const auto& [method, h] : *methods) allow += (allow.empty() ? "" : ", ") + method;
      set_http_error(res, 405, "method not allowed");
      res.set_header("Allow", allow);
    } else {
      try {
        m->second(req, res);
      } catch (const std::exception& e) {
        if (on_exception) on_exception(req, e.what());
        res = HttpResponse();
        set_http_error(res, 500, "internal error");
      } catch (...) {
        if (on_exception) on_exception(req, "unknown exception");
        res = HttpResponse();
        set_http_error(res, 500, "internal error");
      }
    }
    stats->requests++;
    // Counted before the answer is written, so that a client that has its
    // answer can count on the metrics holding it.
    if (on_answered) {
      on_answered(req, route_name, res, std::chrono::duration<double>(Clock::now() - t0).count());
    }
    const bool keep = c.keep_alive && !stopping.load();
    const bool written = conn_write(c, serialize(res, keep), limits.write_timeout_ms);
    c.keep_alive = keep && written;
  }

  void worker() {
    for (;;) {
      std::unique_ptr<Conn> c;
      {
        std::unique_lock<std::mutex> lock(mu);
        work_cv.wait(lock, [&] { return !queue.empty() || workers_exit; });
        if (queue.empty()) return;
        c = std::move(queue.front());
        queue.pop_front();
        stats->queued--;
        stats->answering++;
      }
      answer(*c);
      std::lock_guard<std::mutex> lock(mu);
      --in_flight;
      stats->answering--;
      if (c->keep_alive) {
        returned.push_back(std::move(c));
        wake_reader();
      } else {
        close_socket(*c);
      }
      idle_cv.notify_all();
    }
  }

  void accept_all() {
    for (;;) {
      const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;  // EAGAIN, or an error for this one client
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto c = std::make_unique<Conn>();
      c->fd = fd;
      if (tls != nullptr) {
        c->ssl = SSL_new(tls);
        if (c->ssl == nullptr || SSL_set_fd(c->ssl, fd) != 1) {
          ::close(fd);
          continue;
        }
        SSL_set_accept_state(c->ssl);
      }
      c->deadline = now_ms() + limits.keep_alive_ms;
      watch(std::move(c));
    }
  }

  // The reader takes `c` over (its fd in epoll); null if that failed (closed).
  Conn* watch(std::unique_ptr<Conn> c) {
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.fd = c->fd;
    if (::epoll_ctl(epoll_fd, EPOLL_CTL_ADD, c->fd, &ev) != 0) {
      close_socket(*c);
      return nullptr;
    }
    Conn* raw = c.get();
    conns.emplace(raw->fd, std::move(c));
    return raw;
  }

  void read_from(Conn& c) {
    char buf[16384];
    for (;;) {
      const ssize_t n = conn_recv(c, buf, sizeof buf);
      if (n > 0 && c.draining) continue;
      if (n == 0 && c.draining) return close_conn(c.fd);
      if (n > 0) {
        if (!c.started) {
          c.started = true;
          c.deadline = now_ms() + limits.read_timeout_ms;
        }
        c.in.append(buf, static_cast<size_t>(n));
        // Enough to refuse: stop reading a flood.
        if (c.in.size() > limits.max_header_bytes + limits.max_body_bytes + 4) break;
        continue;
      }
      if (n == 0) {
        c.peer_closed = true;
        // Nothing more will come: stop listening for input.
        epoll_event ev{};
        ev.data.fd = c.fd;
        ::epoll_ctl(epoll_fd, EPOLL_CTL_MOD, c.fd, &ev);
        break;
      }
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      close_conn(c.fd);
      return;
    }
    advance(c);
  }

  // Connections answered and kept alive come back; buffered bytes of a
  // next request are parsed at once.
  void take_returned() {
    std::vector<std::unique_ptr<Conn>> back;
    {
      std::lock_guard<std::mutex> lock(mu);
      back.swap(returned);
    }
    for (auto& c : back) {
      if (stopping.load()) {
        close_socket(*c);
        continue;
      }
      c->next_request(now_ms() + (c->in.empty() ? limits.keep_alive_ms : limits.read_timeout_ms));
      Conn* kept = watch(std::move(c));
      if (kept != nullptr && !kept->in.empty()) advance(*kept);
    }
  }

  void expire() {
    const int64_t now = now_ms();
    std::vector<int> late;
    for (const auto& [fd, c] : conns)
      if (c->deadline <= now) late.push_back(fd);
    for (int fd : late) {
      Conn& c = *conns[fd];
      if (c.started) {
        stats->timed_out++;
        refuse(c, 408, "request not complete within " + std::to_string(limits.read_timeout_ms) + " ms");
      } else {
        close_conn(fd);  // idle keep-alive connection
      }
    }
  }

  void reader_loop() {
    epoll_event events[64];
    for (;;) {
      const int n = ::epoll_wait(epoll_fd, events, 64, 200);
      for (int i = 0; i < n; ++i) {
        const int fd = events[i].data.fd;
        if (fd == listen_fd) {
          accept_all();
        } else if (fd == wake[0]) {
          char b[64];
          while (::read(wake[0], b, sizeof b) > 0) {
          }
        } else if (auto it = conns.find(fd); it != conns.end()) {
          read_from(*it->second);
        }
      }
      take_returned();
      expire();
      if (stopping.load()) {
        // Drain: no new connections or requests; answer the complete ones.
        if (listen_fd >= 0) {
          ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listen_fd, nullptr);
          ::close(listen_fd);
          listen_fd = -1;
        }
        std::vector<int> open;
        for (const auto& [fd, c] : conns) open.push_back(fd);
        for (int fd : open) close_conn(fd);
        std::unique_lock<std::mutex> lock(mu);
        if (in_flight == 0) break;
        idle_cv.wait_for(lock, std::chrono::milliseconds(50));
      }
    }
    take_returned();  // closes them (stopping)
  }
};

HttpServer::HttpServer(HttpLimits limits) : impl_(std::make_unique<Impl>()) {
  impl_->limits = limits;
  impl_->stats = &stats_;
  if (::pipe2(impl_->wake, O_NONBLOCK | O_CLOEXEC) != 0) impl_->wake[0] = impl_->wake[1] = -1;
}

HttpServer::~HttpServer() {
  stop();
  if (impl_->tls != nullptr) SSL_CTX_free(impl_->tls);
  if (impl_->listen_fd >= 0) ::close(impl_->listen_fd);
  if (impl_->epoll_fd >= 0) ::close(impl_->epoll_fd);
  for (int fd : impl_->wake)
    if (fd >= 0) ::close(fd);
}

void HttpServer::route(const std::string& method, const std::string& path, Handler handler) {
  impl_->routes[path][method] = std::move(handler);
}

std::vector<std::pair<std::string, std::string>> HttpServer::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [path, methods] : impl_->routes)
    for (const auto& [method, h] : methods) out.emplace_back(method, path);
  for (const auto& [prefix, methods] : impl_->prefixes)
    for (const auto& [method, h] : methods) out.emplace_back(method, prefix + "*");
  return out;
}

void HttpServer::route_prefix(const std::string& method, const std::string& prefix, Handler handler) {
  impl_->prefixes[prefix][method] = std::move(handler);
}

core::Status HttpServer::use_tls(const std::string& cert_chain_file, const std::string& key_file) {
  ERR_clear_error();
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) return core::Status::internal("TLS: " + openssl_errors());
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  core::Status st = core::Status::ok();
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_chain_file.c_str()) != 1) {
    st = core::Status::invalid_argument(cert_chain_file + ": not a PEM certificate chain (" + openssl_errors() + ")");
  } else if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    st = core::Status::invalid_argument(key_file + ": not a PEM private key (" + openssl_errors() + ")");
  } else if (SSL_CTX_check_private_key(ctx) != 1) {
    st = core::Status::invalid_argument(key_file + " is not the key of the certificate in " + cert_chain_file + " (" +
                                        openssl_errors() + ")");
  }
  if (!st.is_ok()) {
    SSL_CTX_free(ctx);
    return st;
  }
  if (impl_->tls != nullptr) SSL_CTX_free(impl_->tls);
  impl_->tls = ctx;
  return core::Status::ok();
}

bool HttpServer::tls() const { return impl_->tls != nullptr; }

void HttpServer::on_answered(AnsweredFn fn) { impl_->on_answered = std::move(fn); }

void HttpServer::on_exception(std::function<void(const HttpRequest&, const std::string&)> fn) {
  impl_->on_exception = std::move(fn);
}

core::Status HttpServer::bind(const std::string& host, int port) {
  if (impl_->wake[0] < 0) return core::Status::from_errno("pipe", errno);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE;
  addrinfo* res = nullptr;
  const std::string where = host + ":" + std::to_string(port);
  if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0 || res == nullptr) {
    return core::Status::unavailable("cannot listen on " + where + " (unknown host)");
  }
  int fd = -1;
  for (addrinfo* a = res; a != nullptr && fd < 0; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 || ::listen(fd, 512) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  ::freeaddrinfo(res);
  if (fd < 0) return core::Status::unavailable("cannot listen on " + where + " (address in use or not available)");
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&addr)->sin6_port
                                           : reinterpret_cast<sockaddr_in*>(&addr)->sin_port);
  impl_->listen_fd = fd;
  return core::Status::ok();
}

core::Status HttpServer::listen() {
  Impl& s = *impl_;
  if (s.listen_fd < 0) return core::Status::failed_precondition("listen() before bind()");
  s.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  if (s.epoll_fd < 0) return core::Status::from_errno("epoll_create1", errno);
  for (int fd : {s.listen_fd, s.wake[0]}) {
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.fd = fd;
    if (::epoll_ctl(s.epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) return core::Status::from_errno("epoll_ctl", errno);
  }
  const int workers =
      s.limits.workers > 0 ? s.limits.workers : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  std::vector<std::thread> pool;
  for (int i = 0; i < workers; ++i) pool.emplace_back([&s] { s.worker(); });
  running_ = true;
  s.reader_loop();
  {
    std::lock_guard<std::mutex> lock(s.mu);
    s.workers_exit = true;
  }
  s.work_cv.notify_all();
  for (auto& t : pool) t.join();
  running_ = false;
  return core::Status::ok();
}

void HttpServer::stop() {
  impl_->stopping = true;
  if (impl_->wake[1] >= 0) {
    const char b = 1;
    [[maybe_unused]] ssize_t n = ::write(impl_->wake[1], &b, 1);
  }
}

}  // namespace kbseek::web
