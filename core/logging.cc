// Logging sink. JSON when stderr is not a terminal so logs can be collected.
#include "core/logging.h"

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>

#include "core/json_escape.h"

namespace kbseek::core {
namespace {

LogLevel initial_level() {
  const char* env = std::getenv("KBSEEK_LOG");
  if (env == nullptr) return LogLevel::kInfo;
  if (std::strcmp(env, "debug") == 0) return LogLevel::kDebug;
  if (std::strcmp(env, "warn") == 0) return LogLevel::kWarn;
  if (std::strcmp(env, "error") == 0) return LogLevel::kError;
  return LogLevel::kInfo;
}

std::atomic<int> g_level{static_cast<int>(initial_level())};

const char* level_name(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

// The asynchronous sink. Records are formatted by the caller, queued, and
// written by one thread in batches: the first record of a batch wakes it,
// it gathers for up to kPeriod (or kBatchBytes), then one write(2). Under
// load the server's access log had been one locked, unbuffered fprintf per
// request, a quarter of the cached path's throughput; waking the writer
// for every record instead cost as much again (a futex wake per request).
// Nothing is dropped: past kMaxQueued bytes a caller waits for room; an
// error wakes the writer at once and waits until it is written (a crash
// right after still leaves it on stderr); flush_log() does the same for
// everything before it; exit drains the queue (atexit). Before the thread
// starts and after exit has drained it, records are written directly.
class Sink {
 public:
  static Sink& get() {
    static Sink* sink = new Sink();  // never destroyed: static destructors may log
    return *sink;
  }
  void write(std::string line, bool wait) {
    std::unique_lock<std::mutex> lock(mu_);
    if (!started_) start_locked();
    room_.wait(lock, [&] { return pending_.size() < kMaxQueued || stopped_; });
    if (stopped_) {
      lock.unlock();
      write_all(line.data(), line.size());
      return;
    }
    const bool first = pending_.empty();
    pending_ += line;
    const uint64_t mine = ++enqueued_;
    if (wait) urgent_ = true;
    if (first || wait || pending_.size() >= kBatchBytes) work_.notify_one();
    if (wait) written_cv_.wait(lock, [&] { return written_ >= mine || stopped_; });
  }
  void flush() {
    std::unique_lock<std::mutex> lock(mu_);
    if (!started_ || stopped_) return;
    const uint64_t upto = enqueued_;
    if (written_ >= upto) return;
    urgent_ = true;
    work_.notify_one();
    written_cv_.wait(lock, [&] { return written_ >= upto || stopped_; });
  }
  void stop() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!started_ || stopping_) return;
      stopping_ = true;
    }
    work_.notify_one();
    writer_.join();
  }

 private:
  static constexpr size_t kMaxQueued = 4 << 20;
  static constexpr size_t kBatchBytes = 64 << 10;
  static constexpr std::chrono::milliseconds kPeriod{20};

  void start_locked() {
    started_ = true;
    writer_ = std::thread([this] { run(); });
    std::atexit([] { Sink::get().stop(); });
  }
  void run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      work_.wait(lock, [&] { return !pending_.empty() || stopping_; });
      if (pending_.empty() && stopping_) break;
      // Gather a batch unless someone waits for it or it is big already.
      work_.wait_for(lock, kPeriod, [&] { return urgent_ || stopping_ || pending_.size() >= kBatchBytes; });
      urgent_ = false;
      std::string batch;
      batch.swap(pending_);
      const uint64_t upto = enqueued_;
      room_.notify_all();
      lock.unlock();
      write_all(batch.data(), batch.size());
      lock.lock();
      written_ = upto;
      written_cv_.notify_all();
    }
    stopped_ = true;
    room_.notify_all();
    written_cv_.notify_all();
  }
  static void write_all(const char* p, size_t n) {
    while (n > 0) {
      const ssize_t w = ::write(STDERR_FILENO, p, n);
      if (w < 0 && errno == EINTR) continue;
      if (w <= 0) return;  // stderr closed or full disk: nothing better to do
      p += w;
      n -= static_cast<size_t>(w);
    }
  }

  std::mutex mu_;
  std::condition_variable work_, room_, written_cv_;
  std::thread writer_;
  std::string pending_;
  uint64_t enqueued_ = 0, written_ = 0;
  bool started_ = false, stopping_ = false, stopped_ = false, urgent_ = false;
};

}  // namespace

void set_log_level(LogLevel level) { g_level = static_cast<int>(level); }
LogLevel log_level() { return static_cast<LogLevel>(g_level.load()); }

void log(LogLevel level, const char* component, const std::string& message) { log(level, component, message, {}); }

void log(LogLevel level, const char* component, const std::string& message, const LogFields& fields) {
  if (static_cast<int>(level) < g_level.load()) return;
  static const bool tty = isatty(STDERR_FILENO) != 0;
  std::string line;
  if (tty) {
    line = std::string("[") + level_name(level) + "] " + component + ": " + message;
    for (const auto& [k, v] : fields) line += " " + k + "=" + v;
  } else {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
                  .count();
    line = "{\"ts_ms\":" + std::to_string(ms) + ",\"level\":\"" + level_name(level) + "\",\"component\":\"" +
           component + "\",\"msg\":\"" + json_escape(message) + "\"";
    for (const auto& [k, v] : fields) line += ",\"" + json_escape(k) + "\":" + v;
    line += "}";
  }
  line += "\n";
  Sink::get().write(std::move(line), level >= LogLevel::kError);
}

void flush_log() { Sink::get().flush(); }

}  // namespace kbseek::core
