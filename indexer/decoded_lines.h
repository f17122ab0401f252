// Lines of an input, decoded to UTF-8: InputFile + TextDecoder.
//
// The charset is detected once from the input's first 64 KiB. ASCII-safe
// encodings (UTF-8, GB18030, Big5) are split at '\n' and decoded line by
// line, so memory stays flat in the file size; UTF-16 is decoded whole
// first. A line whose bytes do not decode still comes back (with U+FFFD)
// and its DecodeReport says how many bytes and where; the caller decides
// whether to reject it. Not thread-safe.
#pragma once

#include <memory>
#include <string>

#include "core/status.h"
#include "indexer/input_file.h"
#include "indexer/text_decoder.h"

namespace kbseek::indexer {

// The rejection reason for a line that did not decode: "invalid UTF-8 at
// byte N" or "K byte(s) not valid GB18030 (first at byte N of the line)".
std::string undecodable_reason(const TextDecoder& decoder, const DecodeReport& report);

class DecodedLines {
 public:
  // `path` or "-"; IOError naming the path.
  static core::Result<std::unique_ptr<DecodedLines>> open(const std::string& path);

  // The next line (1-based number in line_number()); false at the end.
  core::Result<bool> next(std::string* line, DecodeReport* report);
  int64_t line_number() const { return line_; }
  const TextDecoder& decoder() const { return decoder_; }
  const std::string& path() const { return input_->path(); }
  int64_t raw_offset() const { return input_->raw_offset(); }

 private:
  DecodedLines(std::unique_ptr<InputFile> input, TextDecoder decoder) : input_(std::move(input)), decoder_(decoder) {}
  std::unique_ptr<InputFile> input_;
  TextDecoder decoder_;
  bool whole_ = false;  // UTF-16: decoded_ holds the whole text
  std::string decoded_;
  size_t pos_ = 0;
  bool bom_checked_ = false;
  int64_t line_ = 0;
  std::string raw_;
};

}  // namespace kbseek::indexer
