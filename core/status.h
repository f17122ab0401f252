// Status and Result<T>: errors as values at every library boundary.
//
// A Status is either OK or a code plus a message that names the input that
// was wrong (file and line, field, document id, query) and what was
// expected. Codes follow LevelDB's plus what a server needs. Result<T> holds
// either a T or a non-OK Status. Both are cheap to move and not thread-safe
// to mutate concurrently (like any value type).
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <utility>

namespace kbseek::core {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,
  kNotFound,
  kCorruption,
  kIOError,
  kUnavailable,
  kResourceExhausted,
  kFailedPrecondition,
  kInternal,
};

// Short lower-case name of a code ("invalid argument", "not found", ...).
const char* status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok() { return Status(); }
  static Status invalid_argument(std::string m) { return {StatusCode::kInvalidArgument, std::move(m)}; }
  static Status not_found(std::string m) { return {StatusCode::kNotFound, std::move(m)}; }
  static Status corruption(std::string m) { return {StatusCode::kCorruption, std::move(m)}; }
  static Status io_error(std::string m) { return {StatusCode::kIOError, std::move(m)}; }
  static Status unavailable(std::string m) { return {StatusCode::kUnavailable, std::move(m)}; }
  static Status resource_exhausted(std::string m) { return {StatusCode::kResourceExhausted, std::move(m)}; }
  static Status failed_precondition(std::string m) { return {StatusCode::kFailedPrecondition, std::move(m)}; }
  static Status internal(std::string m) { return {StatusCode::kInternal, std::move(m)}; }
  // IOError whose message is "<context>: <strerror(errno_value)>".
  static Status from_errno(const std::string& context, int errno_value);

  bool is_ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "invalid argument: corpus.jsonl:12: field \"text\" must be a string".
  std::string to_string() const;

  // Returns a copy whose message is "<prefix>: <message>", same code.
  Status with_context(const std::string& prefix) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Either a value or an error. Accessing value() of an error is a programmer
// error (asserts in debug builds).
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    assert(!status_.is_ok() && "Result built from an OK status has no value");
    if (status_.is_ok()) status_ = Status::internal("Result built from OK status without a value");
  }

  bool is_ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & {
    assert(value_);
    return *value_;
  }
  const T& value() const& {
    assert(value_);
    return *value_;
  }
  // By value, so `for (auto& x : f().value())` does not iterate a destroyed temporary.
  T value() && {
    assert(value_);
    return std::move(*value_);
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace kbseek::core

// Propagates a non-OK Status from the current function.
#define KB_RETURN_IF_ERROR(expr)                \
  do {                                          \
    ::kbseek::core::Status kb_status_ = (expr); \
    if (!kb_status_.is_ok()) return kb_status_; \
  } while (0)

#define KB_CONCAT_INNER_(a, b) a##b
#define KB_CONCAT_(a, b) KB_CONCAT_INNER_(a, b)
// `KB_ASSIGN_OR_RETURN(auto x, make_x());` — unwraps a Result or returns its Status.
#define KB_ASSIGN_OR_RETURN(lhs, expr)                                                             \
  auto KB_CONCAT_(kb_result_, __LINE__) = (expr);                                                  \
  if (!KB_CONCAT_(kb_result_, __LINE__).is_ok()) return KB_CONCAT_(kb_result_, __LINE__).status(); \
  lhs = std::move(KB_CONCAT_(kb_result_, __LINE__)).value()

// Programmer errors only: conditions no input can reach. Aborts with location.
#define KB_CHECK(cond)                                                    \
  do {                                                                    \
    if (!(cond)) ::kbseek::core::check_failed(#cond, __FILE__, __LINE__); \
  } while (0)

namespace kbseek::core {
[[noreturn]] void check_failed(const char* expr, const char* file, int line);
}
