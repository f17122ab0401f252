// UTF-8 per RFC 3629.
#include "core/utf8.h"

namespace kbseek::core {

namespace {

// The sequence at s[i]: its length (1 for ASCII), with the code point its
// bits spell in *cp, or 0 for a byte that cannot start a sequence, a
// sequence cut off by the end of s, or a missing continuation byte.
// Overlongs, surrogates and values above U+10FFFF are left to the caller.
inline size_t read_sequence(std::string_view s, size_t i, char32_t* cp) {
  const unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t len;
  if ((c & 0xE0) == 0xC0) {
    len = 2;
    *cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    len = 3;
    *cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    len = 4;
    *cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  for (size_t k = 1; k < len; ++k) {
    const unsigned char cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    *cp = (*cp << 6) | (cc & 0x3F);
  }
  return len;
}

}  // namespace

size_t find_invalid_utf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    char32_t cp;
    const size_t len = read_sequence(s, i, &cp);
    if (len == 0) return i;
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000)) return i;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return i;
    i += len;
  }
  return std::string_view::npos;
}

char32_t decode_utf8(std::string_view s, size_t* pos) {
  char32_t cp;
  const size_t len = read_sequence(s, *pos, &cp);
  if (len == 0) {
    *pos += 1;
    return 0xFFFD;
  }
  *pos += len;
  return cp;
}

std::u32string to_u32(std::string_view s) {
  std::u32string out;
  out.reserve(s.size());
  size_t pos = 0;
  while (pos < s.size()) out.push_back(decode_utf8(s, &pos));
  return out;
}

void append_utf8(std::string* out, char32_t cp) {
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

std::string to_utf8(std::u32string_view s) {
  std::string out;
  out.reserve(s.size() * 3);
  for (char32_t cp : s) append_utf8(&out, cp);
  return out;
}

size_t utf8_prefix_len(std::string_view s, size_t max_bytes) {
  if (s.size() <= max_bytes) return s.size();
  size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return n;
}

}  // namespace kbseek::core
