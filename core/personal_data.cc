// The e-mail and digit-run scanners.
#include "core/personal_data.h"

#include <cstddef>
#include <vector>

namespace kbseek::core {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool local_char(char c) { return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'; }
bool domain_char(char c) { return is_alnum(c) || c == '.' || c == '-'; }

// The e-mail address around the '@' at `at`: [begin, end), or begin == end.
std::pair<size_t, size_t> email_at(std::string_view s, size_t at) {
  size_t b = at;
  while (b > 0 && local_char(s[b - 1])) --b;
  size_t e = at + 1;
  while (e < s.size() && domain_char(s[e])) ++e;
  while (e > at + 1 && (s[e - 1] == '.' || s[e - 1] == '-')) --e;  // "a@b.com." ends a sentence
  const std::string_view domain = s.substr(at + 1, e - at - 1);
  const size_t dot = domain.rfind('.');
  if (b == at || domain.empty() || dot == std::string_view::npos || dot == 0 || dot + 2 > domain.size())
    return {at, at};
  return {b, e};
}

// Not personal though long: a date written with one separator, year first
// (2024-03-01, 2024/3/1, 2024.03.01), or years in a row ("2023 2024 2025").
bool is_date_or_years(std::string_view run) {
  std::vector<std::string_view> groups;
  std::string seps;
  size_t start = 0;
  for (size_t i = 0; i <= run.size(); ++i) {
    if (i == run.size() || !is_digit(run[i])) {
      groups.push_back(run.substr(start, i - start));
      if (i < run.size()) seps += run[i];
      start = i + 1;
    }
  }
  for (const auto& g : groups)
    if (g.empty()) return false;  // a leading '+' or '(' : a phone number's
  const bool one_sep = seps.find_first_not_of(seps[0]) == std::string::npos;
  if (groups.size() == 3 && one_sep && seps[0] != ' ' && groups[0].size() == 4 && groups[1].size() <= 2 &&
      groups[2].size() <= 2)
    return true;
  for (const auto& g : groups)
    if (g.size() != 4 || (!(g[0] == '1' && g[1] == '9') && !(g[0] == '2' && g[1] == '0'))) return false;
  return true;
}

}  // namespace

std::string mask_personal_data(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    if (c == '@') {
      auto [b, e] = email_at(s, i);
      if (b < e) {
        // The local part is already in `out`: take it back.
        out.resize(out.size() - (i - b));
        out += "<email>";
        i = e;
        continue;
      }
    }
    const bool starts_number = is_digit(c) || ((c == '+' || c == '(') && i + 1 < s.size() && is_digit(s[i + 1]));
    const bool word_before = i > 0 && (is_alnum(s[i - 1]) || s[i - 1] == '_');
    if (starts_number && !word_before) {
      // The run: digits with single separators between them.
      size_t e = i + 1, digits = is_digit(c) ? 1 : 0;
      while (e < s.size()) {
        if (is_digit(s[e])) {
          ++digits;
          ++e;
        } else if ((s[e] == ' ' || s[e] == '-' || s[e] == '.' || s[e] == '/' || s[e] == '(' || s[e] == ')') &&
                   e + 1 < s.size() &&
                   (is_digit(s[e + 1]) || (s[e] == ')' && s[e + 1] == ' ' && e + 2 < s.size() && is_digit(s[e + 2])))) {
          e += s[e] == ')' && s[e + 1] == ' ' ? 2 : 1;
        } else {
          break;
        }
      }
      if (digits >= 17 && e < s.size() && (s[e] == 'X' || s[e] == 'x')) ++e;  // an ID card's check character
      const bool word_after = e < s.size() && (is_alnum(s[e]) || s[e] == '_');
      if (digits >= 7 && !word_after && !is_date_or_years(s.substr(i, e - i))) {
        out += "<number>";
        i = e;
        continue;
      }
      out.append(s.substr(i, e - i));
      i = e;
      continue;
    }
    out += c;
    ++i;
  }
  return out;
}

}  // namespace kbseek::core
