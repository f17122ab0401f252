// Script ratios with ICU's uscript_getScript.
#include "indexer/language.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include "core/utf8.h"

namespace kbseek::indexer {

std::string detect_language(std::string_view text) {
  int64_t han = 0, latin = 0, other = 0;
  bool in_word = false;
  size_t pos = 0;
  while (pos < text.size()) {
    const unsigned char b = static_cast<unsigned char>(text[pos]);
    if (b < 0x80) {  // ASCII fast path
      ++pos;
      const bool letter = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z');
      if (letter && !in_word) ++latin;
      in_word = letter;
      continue;
    }
    const char32_t c = core::decode_utf8(text, &pos);
    if (!u_isalpha(static_cast<UChar32>(c))) {
      in_word = false;
      continue;
    }
    UErrorCode err = U_ZERO_ERROR;
    const UScriptCode sc = uscript_getScript(static_cast<UChar32>(c), &err);
    if (sc == USCRIPT_HAN) {
      ++han;
      in_word = false;
    } else if (sc == USCRIPT_LATIN) {
      if (!in_word) ++latin;
      in_word = true;
    } else {
      ++other;
      in_word = false;
    }
  }
  const int64_t total = han + latin + other;
  if (total == 0) return "";
  if (han * 5 >= total * 4) return "zh";
  if (latin * 5 >= total * 4) return "en";
  if (other > han && other > latin) return "other";
  return "mixed";
}

}  // namespace kbseek::indexer
