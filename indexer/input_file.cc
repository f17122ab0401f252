// InputFile over zlib's gzFile (which also reads uncompressed input).
#include "indexer/input_file.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

namespace kbseek::indexer {
namespace {
constexpr unsigned kBlock = 256 * 1024;
}  // namespace

core::Result<std::unique_ptr<InputFile>> InputFile::open(const std::string& path) {
  gzFile gz = nullptr;
  if (path == "-") {
    const int fd = ::dup(STDIN_FILENO);
    if (fd < 0) return core::Status::from_errno("standard input", errno);
    gz = gzdopen(fd, "rb");
  } else {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return core::Status::from_errno(path, errno);
    gz = gzdopen(fd, "rb");
    if (gz == nullptr) ::close(fd);
  }
  if (gz == nullptr) return core::Status::io_error(path + ": cannot start reading (out of memory)");
  gzbuffer(gz, kBlock);
  return std::unique_ptr<InputFile>(new InputFile(path == "-" ? "<stdin>" : path, gz));
}

InputFile::~InputFile() { gzclose(static_cast<gzFile>(gz_)); }

core::Status InputFile::fill() {
  if (eof_) return core::Status::ok();
  if (pos_ > 0 && pos_ == buf_.size()) {
    buf_.clear();
    pos_ = 0;
  } else if (pos_ > kBlock) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  const size_t old = buf_.size();
  buf_.resize(old + kBlock);
  const int n = gzread(static_cast<gzFile>(gz_), buf_.data() + old, kBlock);
  if (n < 0) {
    int code = 0;
    const char* msg = gzerror(static_cast<gzFile>(gz_), &code);
    buf_.resize(old);
    return core::Status::io_error(path_ + ": read failed after line " + std::to_string(line_) + ": " +
                                  (code == Z_ERRNO ? std::strerror(errno) : msg));
  }
  buf_.resize(old + static_cast<size_t>(n));
  if (n == 0) {
    int code = 0;
    const char* msg = gzerror(static_cast<gzFile>(gz_), &code);
    // zlib reports a gzip cut short as Z_BUF_ERROR at the end of input.
    if (code != Z_OK && code != Z_STREAM_END)
      return core::Status::io_error(path_ + ": " + msg + " after line " + std::to_string(line_) +
                                    " (truncated or corrupt gzip?)");
    eof_ = true;
  }
  return core::Status::ok();
}

core::Result<std::string> InputFile::head(size_t max_bytes) {
  while (!eof_ && buf_.size() - pos_ < max_bytes) KB_RETURN_IF_ERROR(fill());
  return buf_.substr(pos_, std::min(max_bytes, buf_.size() - pos_));
}

core::Result<bool> InputFile::next_line(std::string* line) {
  for (;;) {
    const size_t nl = buf_.find('\n', pos_);
    if (nl != std::string::npos) {
      line->assign(buf_, pos_, nl - pos_);
      pos_ = nl + 1;
      break;
    }
    if (eof_) {
      if (pos_ >= buf_.size()) return false;
      line->assign(buf_, pos_, std::string::npos);
      pos_ = buf_.size();
      break;
    }
    KB_RETURN_IF_ERROR(fill());
  }
  if (!line->empty() && line->back() == '\r') line->pop_back();
  ++line_;
  return true;
}

core::Result<std::string> InputFile::read_rest() {
  while (!eof_) {
    // Keep everything: fill() only compacts consumed bytes.
    KB_RETURN_IF_ERROR(fill());
  }
  std::string out = buf_.substr(pos_);
  pos_ = buf_.size();
  return out;
}

int64_t InputFile::raw_offset() const { return static_cast<int64_t>(gzoffset(static_cast<gzFile>(gz_))); }

}  // namespace kbseek::indexer
