// Logging sink. JSON when stderr is not a terminal so logs can be collected.
#include "core/logging.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

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
std::mutex g_mu;

const char* level_name(LogLevel l) {
  switch (l) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

}  // namespace

void set_log_level(LogLevel level) { g_level = static_cast<int>(level); }
LogLevel log_level() { return static_cast<LogLevel>(g_level.load()); }

void log(LogLevel level, const char* component, const std::string& message) { log(level, component, message, {}); }

void log(LogLevel level, const char* component, const std::string& message, const LogFields& fields) {
  if (static_cast<int>(level) < g_level.load()) return;
  static const bool tty = isatty(STDERR_FILENO) != 0;
  std::lock_guard<std::mutex> lock(g_mu);
  if (tty) {
    std::string extra;
    for (const auto& [k, v] : fields) extra += " " + k + "=" + v;
    std::fprintf(stderr, "[%s] %s: %s%s\n", level_name(level), component, message.c_str(), extra.c_str());
  } else {
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::system_clock::now().time_since_epoch()).count();
    std::string extra;
    for (const auto& [k, v] : fields) extra += ",\"" + json_escape(k) + "\":" + v;
    std::fprintf(stderr, "{\"ts_ms\":%lld,\"level\":\"%s\",\"component\":\"%s\",\"msg\":\"%s\"%s}\n",
                 static_cast<long long>(ms), level_name(level), component, json_escape(message).c_str(),
                 extra.c_str());
  }
}

}  // namespace kbseek::core
