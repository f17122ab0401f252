// A per-document quality report: figures a reviewer can sort and filter
// on, never used to drop anything (kbseek index --quality-report FILE).
//
// chars: code points; entropy_bits: Shannon entropy of the code-point
// distribution (bits per character: repeated filler is low, random bytes
// high, natural text in between); non_text_share: share of code points that
// are neither letters, digits, CJK nor white space (symbols, punctuation,
// U+FFFD, markup debris). Pure, thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace kbseek::indexer {

struct TextQuality {
  int64_t bytes = 0;
  int64_t chars = 0;
  double entropy_bits = 0;
  double non_text_share = 0;
};

TextQuality text_quality(std::string_view text);

}  // namespace kbseek::indexer
