// Turns the bytes of an input into UTF-8: BOMs, GB18030/GBK, Big5, UTF-16.
//
// detect() looks at a sample from the start of an input (the first 64 KiB
// is plenty): a UTF-8 or UTF-16 byte-order mark decides; otherwise valid
// UTF-8 is taken as UTF-8; otherwise ICU's charset detector chooses among
// GB18030 (a superset of GBK and GB2312) and Big5 by its confidence. Both
// are ASCII-compatible, so line formats may be split at '\n' before
// decoding. decode() converts with ICU and never drops a byte silently:
// each undecodable byte becomes U+FFFD and is counted, with the offset of
// the first, so the caller can report it.
//
// Thread-safety: a TextDecoder is a value; decode() may run concurrently
// (each call opens its own ICU converter).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace kbseek::indexer {

struct DecodeReport {
  int64_t bad_bytes = 0;          // undecodable bytes replaced by U+FFFD
  int64_t first_bad_offset = -1;  // byte offset of the first one in the input given to decode()
};

class TextDecoder {
 public:
  enum class Encoding { kUtf8, kUtf16LE, kUtf16BE, kGb18030, kBig5 };

  // Never fails: undetectable input is read as UTF-8 (and its bad bytes reported).
  static TextDecoder detect(std::string_view sample);
  static TextDecoder utf8() { return TextDecoder(Encoding::kUtf8); }

  Encoding encoding() const { return encoding_; }
  // "UTF-8", "UTF-16LE", "UTF-16BE", "GB18030", "Big5".
  const char* name() const;
  // Bytes of a byte-order mark at the start of `input` (0 if none).
  static size_t bom_length(std::string_view input);
  // A UTF-16 input cannot be split into lines before decoding.
  bool line_splittable() const { return encoding_ != Encoding::kUtf16LE && encoding_ != Encoding::kUtf16BE; }

  // `bytes` (without BOM) as UTF-8; `report` may be null.
  std::string decode(std::string_view bytes, DecodeReport* report) const;

 private:
  explicit TextDecoder(Encoding e) : encoding_(e) {}
  Encoding encoding_;
};

}  // namespace kbseek::indexer
