// Status formatting and the KB_CHECK failure path.
#include "core/status.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace kbseek::core {

const char* status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInvalidArgument: return "invalid argument";
    case StatusCode::kNotFound: return "not found";
    case StatusCode::kCorruption: return "corruption";
    case StatusCode::kIOError: return "io error";
    case StatusCode::kUnavailable: return "unavailable";
    case StatusCode::kResourceExhausted: return "resource exhausted";
    case StatusCode::kFailedPrecondition: return "failed precondition";
    case StatusCode::kInternal: return "internal";
  }
  return "unknown";
}

Status Status::from_errno(const std::string& context, int errno_value) {
  return io_error(context + ": " + std::strerror(errno_value));
}

std::string Status::to_string() const {
  if (is_ok()) return "ok";
  return std::string(status_code_name(code_)) + ": " + message_;
}

Status Status::with_context(const std::string& prefix) const {
  if (is_ok()) return *this;
  return Status(code_, prefix + ": " + message_);
}

void check_failed(const char* expr, const char* file, int line) {
  std::fprintf(stderr, "KB_CHECK failed: %s at %s:%d\n", expr, file, line);
  std::abort();
}

}  // namespace kbseek::core
