// One input stream of bytes: a file (plain or gzip) or standard input ("-"),
// read in blocks, with a look at its head for charset detection.
//
// gzip is recognised by its magic bytes, not the file name (zlib's
// transparent mode passes other input through unchanged), so `x.jsonl.gz`,
// a gzip without the suffix and `zcat`-less pipes all work. Lines are split
// at '\n' with a trailing '\r' removed. Not thread-safe; one reader.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/status.h"

namespace kbseek::indexer {

class InputFile {
 public:
  // IOError naming the path if it cannot be opened.
  static core::Result<std::unique_ptr<InputFile>> open(const std::string& path);
  ~InputFile();

  const std::string& path() const { return path_; }
  // Up to the first `max_bytes` of the (decompressed) content, without
  // consuming it.
  core::Result<std::string> head(size_t max_bytes = 64 * 1024);
  // The next line into *line; false at the end. IOError naming the path
  // and line on a read failure (a truncated gzip included).
  core::Result<bool> next_line(std::string* line);
  // Everything not yet consumed.
  core::Result<std::string> read_rest();
  // Bytes of the underlying file consumed so far (compressed bytes for gzip): for progress.
  int64_t raw_offset() const;

 private:
  InputFile(std::string path, void* gz) : path_(std::move(path)), gz_(gz) {}
  core::Status fill();  // appends one block to buf_; sets eof_

  std::string path_;
  void* gz_;  // gzFile
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
  int64_t line_ = 0;
};

}  // namespace kbseek::indexer
