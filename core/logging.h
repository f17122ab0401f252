// Process-wide logging: a short human line on a terminal, one JSON object per
// line otherwise (for machines). Thread-safe; writes to stderr through one
// background thread (records in order, many per write; nothing dropped;
// errors written before log() returns; the rest by exit, or flush_log()).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace kbseek::core {

enum class LogLevel { kDebug = 0, kInfo, kWarn, kError };

// Messages below `level` are dropped. Default: kInfo, or KBSEEK_LOG=debug|info|warn|error.
void set_log_level(LogLevel level);
LogLevel log_level();

// Emits one record. `component` is the library ("storage", "encoder", ...).
void log(LogLevel level, const char* component, const std::string& message);
// The same with fields: each (name, value) becomes a key of the JSON record
// (values given as JSON text: a number, or a string quoted by the caller
// with json_escape), and " name=value" on a terminal. For records a log
// pipeline filters on, e.g. the HTTP access log.
using LogFields = std::vector<std::pair<std::string, std::string>>;
void log(LogLevel level, const char* component, const std::string& message, const LogFields& fields);

// Returns once every record logged before the call is on stderr.
void flush_log();

inline void log_debug(const char* c, const std::string& m) { log(LogLevel::kDebug, c, m); }
inline void log_info(const char* c, const std::string& m) { log(LogLevel::kInfo, c, m); }
inline void log_warn(const char* c, const std::string& m) { log(LogLevel::kWarn, c, m); }
inline void log_error(const char* c, const std::string& m) { log(LogLevel::kError, c, m); }

}  // namespace kbseek::core
