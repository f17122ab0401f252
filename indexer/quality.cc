// Entropy and non-text share over code points.
#include "indexer/quality.h"

#include <unicode/uchar.h>

#include <cmath>
#include <unordered_map>

#include "core/utf8.h"

namespace kbseek::indexer {

TextQuality text_quality(std::string_view text) {
  TextQuality q;
  q.bytes = static_cast<int64_t>(text.size());
  std::unordered_map<char32_t, int64_t> counts;
  int64_t non_text = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    const char32_t c = core::decode_utf8(text, &pos);
    ++q.chars;
    ++counts[c];
    const UChar32 u = static_cast<UChar32>(c);
    if (!(u_isalnum(u) || u_isUWhiteSpace(u) || u_hasBinaryProperty(u, UCHAR_IDEOGRAPHIC))) ++non_text;
  }
  if (q.chars == 0) return q;
  for (const auto& [c, n] : counts) {
    const double p = static_cast<double>(n) / static_cast<double>(q.chars);
    q.entropy_bits -= p * std::log2(p);
  }
  q.non_text_share = static_cast<double>(non_text) / static_cast<double>(q.chars);
  return q;
}

}  // namespace kbseek::indexer
