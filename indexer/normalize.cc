// NFKC through ICU's Normalizer2; the rest in one pass over code points.
#include "indexer/normalize.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include "core/utf8.h"

namespace kbseek::indexer {
namespace {

bool is_invisible(char32_t c) {
  return c == 0x200B || c == 0x200C || c == 0x200D || c == 0x2060 || c == 0xFEFF || c == 0x00AD;
}

std::string nfkc(std::string_view text) {
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* n = icu::Normalizer2::getNFKCInstance(err);
  if (U_FAILURE(err)) return std::string(text);
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  // Most text is already NFKC: the quick check avoids the copy.
  if (n->isNormalized(u, err) && U_SUCCESS(err)) return std::string(text);
  err = U_ZERO_ERROR;
  icu::UnicodeString out = n->normalize(u, err);
  if (U_FAILURE(err)) return std::string(text);
  std::string s;
  out.toUTF8String(s);
  return s;
}

}  // namespace

std::string normalize_text(std::string_view text) {
  const std::string folded = nfkc(text);
  std::string out;
  out.reserve(folded.size());
  size_t pos = 0;
  bool space_run = false;
  while (pos < folded.size()) {
    const unsigned char b = static_cast<unsigned char>(folded[pos]);
    if (b < 0x80) {  // ASCII fast path
      ++pos;
      if (b == ' ' || b == '\t') {
        if (!space_run) out.push_back(' ');
        space_run = true;
        continue;
      }
      space_run = false;
      if (b == '\n' || (b >= 0x20 && b != 0x7F)) out.push_back(static_cast<char>(b));
      continue;
    }
    const size_t start = pos;
    const char32_t c = core::decode_utf8(folded, &pos);
    if (is_invisible(c) || u_charType(static_cast<UChar32>(c)) == U_CONTROL_CHAR) continue;
    if (u_isWhitespace(static_cast<UChar32>(c)) && c != 0x2028 && c != 0x2029) {
      if (!space_run) out.push_back(' ');
      space_run = true;
      continue;
    }
    space_run = false;
    out.append(folded, start, pos - start);
  }
  const size_t first = out.find_first_not_of(" \n\t");
  if (first == std::string::npos) return "";
  out.erase(out.find_last_not_of(" \n\t") + 1);
  out.erase(0, first);
  return out;
}

}  // namespace kbseek::indexer
