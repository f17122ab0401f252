// ASCII case folding for identifiers, field names, header names and filter
// terms: A-Z to a-z, every other byte (UTF-8 included) as it is, whatever
// the C locale. And trimming of ASCII blanks (space, tab, CR, LF) around
// a field of a line format. Pure, thread-safe.
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

// `s` without the spaces, tabs, CRs and LFs around it.
inline std::string trim_ascii_blanks(std::string_view s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return "";
  return std::string(s.substr(b, s.find_last_not_of(" \t\r\n") - b + 1));
}

}  // namespace kbseek::core
