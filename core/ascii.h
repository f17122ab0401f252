// ASCII case folding for identifiers, field names, header names and filter
// terms: A-Z to a-z, every other byte (UTF-8 included) as it is, whatever
// the C locale. Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace kbseek::core {

inline char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ascii_lower(c);
  return out;
}

}  // namespace kbseek::core
