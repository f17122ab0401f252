// Hand-written scanners (a regex engine per kind measured several times
// slower than one pass that branches on the byte it sees).
#include "storage/entities.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "core/ascii.h"
#include "core/utf8.h"

namespace kbseek::storage {
namespace {

bool digit(char c) { return c >= '0' && c <= '9'; }
bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool alnum(char c) { return digit(c) || alpha(c); }
bool upper(char c) { return c >= 'A' && c <= 'Z'; }
std::string upper_s(std::string_view s) {
  std::string o(s);
  for (char& c : o)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  return o;
}
bool starts_at(std::string_view t, size_t i, std::string_view p) { return t.compare(i, p.size(), p) == 0; }
bool istarts_at(std::string_view t, size_t i, std::string_view p) {
  if (i + p.size() > t.size()) return false;
  for (size_t k = 0; k < p.size(); ++k)
    if (core::ascii_lower(t[i + k]) != p[k]) return false;
  return true;
}

// A decimal number at i: digits, optional ',' thousands groups, optional
// '.' fraction. Returns its end (i when none) and its value.
size_t scan_number(std::string_view t, size_t i, double* value, bool* has_dot, int* int_digits) {
  size_t j = i;
  std::string plain;
  while (j < t.size() && digit(t[j])) plain += t[j++];
  if (j == i) return i;
  *int_digits = static_cast<int>(plain.size());
  while (j + 3 < t.size() + 0 && t[j] == ',' && digit(t[j + 1]) && digit(t[j + 2]) && digit(t[j + 3]) &&
         (j + 4 >= t.size() || !digit(t[j + 4]))) {
    plain.append(t.substr(j + 1, 3));
    j += 4;
  }
  *has_dot = false;
  if (j + 1 < t.size() && t[j] == '.' && digit(t[j + 1])) {
    *has_dot = true;
    plain += '.';
    ++j;
    while (j < t.size() && digit(t[j])) plain += t[j++];
  }
  *value = std::atof(plain.c_str());
  return j;
}

std::string format_amount(double v) {
  char buf[64];
  if (std::fabs(v - std::round(v)) < 1e-9) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
  } else {
    std::snprintf(buf, sizeof buf, "%.4f", v);
    std::string s = buf;
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
    return s;
  }
  return buf;
}

struct Match {
  size_t end;
  std::string type, value;
};

// A month name at i (English, full or 3-letter); 0 when none.
int month_at(std::string_view t, size_t i, size_t* end) {
  static const char* kNames[] = {"january", "february", "march",     "april",   "may",      "june",
                                 "july",    "august",   "september", "october", "november", "december"};
  for (int m = 0; m < 12; ++m) {
    const std::string full = kNames[m];
    for (size_t len : {full.size(), size_t{3}}) {
      if (istarts_at(t, i, full.substr(0, len)) && (i + len >= t.size() || !alpha(t[i + len]))) {
        *end = i + len;
        if (len == 3 && *end < t.size() && t[*end] == '.') ++*end;
        return m + 1;
      }
    }
  }
  return 0;
}

std::string iso_date(int y, int m, int d) {
  char buf[48];
  if (d > 0)
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", y, m, d);
  else
    std::snprintf(buf, sizeof buf, "%04d-%02d", y, m);
  return buf;
}

int read_int(std::string_view t, size_t* j, int max_digits) {
  int v = 0, n = 0;
  while (*j < t.size() && digit(t[*j]) && n < max_digits) v = v * 10 + (t[(*j)++] - '0'), ++n;
  if (n == 0 || (*j < t.size() && digit(t[*j]))) return -1;
  return v;
}

// Entities that start with a digit at i.
bool scan_numeric(std::string_view t, size_t i, Match* m) {
  // Dates: 2025-09-17, 2025/9/17, 2025.09.17, 2025年9月17日, 2025年9月.
  {
    size_t j = i;
    int y = read_int(t, &j, 4);
    if (y >= 1000 && j - i == 4 && j < t.size()) {
      if (t[j] == '-' || t[j] == '/' || t[j] == '.') {
        const char sep = t[j];
        size_t k = j + 1;
        int mo = read_int(t, &k, 2);
        if (mo >= 1 && mo <= 12 && k < t.size() && t[k] == sep) {
          size_t l = k + 1;
          int d = read_int(t, &l, 2);
          if (d >= 1 && d <= 31) {
            *m = {l, "date", iso_date(y, mo, d)};
            return true;
          }
        }
      } else if (starts_at(t, j, "年")) {
        size_t k = j + 3;
        int mo = read_int(t, &k, 2);
        if (mo >= 1 && mo <= 12 && starts_at(t, k, "月")) {
          size_t l = k + 3;
          size_t l0 = l;
          int d = read_int(t, &l, 2);
          if (d >= 1 && d <= 31 && (starts_at(t, l, "日") || starts_at(t, l, "号"))) {
            *m = {l + 3, "date", iso_date(y, mo, d)};
            return true;
          }
          (void)l0;
          *m = {k + 3, "date", iso_date(y, mo, 0)};
          return true;
        }
      }
    }
  }
  // 17 September 2025 / 17 Sep 2025.
  {
    size_t j = i;
    int d = read_int(t, &j, 2);
    if (d >= 1 && d <= 31 && j < t.size() && t[j] == ' ') {
      size_t e = 0;
      int mo = month_at(t, j + 1, &e);
      if (mo && e < t.size() && t[e] == ' ') {
        size_t k = e + 1;
        int y = read_int(t, &k, 4);
        if (y >= 1000 && k - e - 1 == 4) {
          *m = {k, "date", iso_date(y, mo, d)};
          return true;
        }
      }
    }
  }
  // Times: 10:30, 10:30:15.
  {
    size_t j = i;
    int h = read_int(t, &j, 2);
    if (h >= 0 && h < 24 && j < t.size() && t[j] == ':') {
      size_t k = j + 1;
      int mi = read_int(t, &k, 2);
      if (mi >= 0 && mi < 60 && k - j - 1 == 2) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "%02d:%02d", h, mi);
        std::string v = buf;
        if (k + 2 < t.size() && t[k] == ':' && digit(t[k + 1]) && digit(t[k + 2])) {
          v += std::string(t.substr(k, 3));
          k += 3;
        }
        *m = {k, "time", v};
        return true;
      }
    }
  }
  // Phones: 13800138000, 138-0013-8000, 138 0013 8000, 010-12345678, 555-123-4567.
  {
    std::string digits;
    size_t j = i;
    int groups = 0;
    while (j < t.size()) {
      size_t g = j;
      while (j < t.size() && digit(t[j])) digits += t[j++];
      if (j == g) break;
      ++groups;
      if (j + 1 < t.size() && (t[j] == '-' || t[j] == ' ') && digit(t[j + 1]) && groups < 4) {
        ++j;
        continue;
      }
      break;
    }
    const bool cn_mobile = digits.size() == 11 && digits[0] == '1' && digits[1] >= '3' && groups <= 3 &&
                           (groups == 1 || t.substr(i, 3).find_first_of("- ") == std::string::npos);
    const bool landline = digits.size() >= 10 && digits.size() <= 12 && digits[0] == '0' && groups == 2;
    const bool us = digits.size() == 10 && groups == 3 && t[i + 3] == '-';
    if ((cn_mobile || landline || us) && (j >= t.size() || !alnum(t[j]))) {
      *m = {j, "phone", digits};
      return true;
    }
  }
  double value = 0;
  bool dot = false;
  int int_digits = 0;
  const size_t end = scan_number(t, i, &value, &dot, &int_digits);
  if (end == i) return false;
  size_t j = end;
  // Percent.
  if (starts_at(t, j, "%") || starts_at(t, j, "％")) {
    *m = {j + (t[j] == '%' ? 1 : 3), "percent", format_amount(value) + "%"};
    return true;
  }
  // Money with a suffix: 1200元, 12万元, 3.5亿元, 200 美元, 5 USD.
  {
    size_t k = j;
    double mult = 1;
    if (starts_at(t, k, "万"))
      mult = 1e4, k += 3;
    else if (starts_at(t, k, "亿"))
      mult = 1e8, k += 3;
    size_t s = k < t.size() && t[k] == ' ' ? k + 1 : k;
    static const std::pair<const char*, const char*> kSuffix[] = {
        {"美元", "USD"}, {"人民币", "CNY"}, {"元", "CNY"},  {"块钱", "CNY"}, {"欧元", "EUR"}, {"英镑", "GBP"},
        {"USD", "USD"},  {"CNY", "CNY"},    {"RMB", "CNY"}, {"EUR", "EUR"},  {"GBP", "GBP"}};
    for (const auto& [suf, cur] : kSuffix) {
      if (starts_at(t, s, suf) &&
          (alpha(suf[0]) ? s + std::strlen(suf) >= t.size() || !alpha(t[s + std::strlen(suf)]) : true)) {
        *m = {s + std::strlen(suf), "money", std::string(cur) + " " + format_amount(value * mult)};
        return true;
      }
    }
    if (mult > 1) {  // 12万 alone: a quantity
      *m = {k, "quantity", format_amount(value * mult)};
      return true;
    }
  }
  // Quantities: a number and a unit.
  {
    size_t s = j < t.size() && t[j] == ' ' ? j + 1 : j;
    static const char* kLatin[] = {"tb", "gb", "mb", "kb", "ghz", "mhz", "ms", "km", "kg", "mg",
                                   "ml", "cm", "mm", "kw", "mw",  "w",   "m",  "s",  "h",  "g"};
    for (const char* u : kLatin) {
      const size_t n = std::strlen(u);
      if (istarts_at(t, s, u) && (s + n >= t.size() || !alnum(t[s + n]))) {
        *m = {s + n, "quantity", format_amount(value) + " " + u};
        return true;
      }
    }
    static const char* kHan[] = {"小时", "分钟", "公里", "公斤", "千克", "毫秒", "个月", "天", "秒", "米", "人",
                                 "次",   "年",   "个",   "岁",   "周",   "页",   "台",   "张", "件", "份"};
    for (const char* u : kHan) {
      if (starts_at(t, s, u)) {  // "30天" and "30 天"
        *m = {s + std::strlen(u), "quantity", format_amount(value) + " " + u};
        return true;
      }
    }
  }
  return false;
}

// The ASCII word ending right before `i` (skipping one space), or "".
std::string_view word_before(std::string_view t, size_t i, size_t* start) {
  if (i == 0 || t[i - 1] != ' ') return {};
  size_t e = i - 1, s = e;
  while (s > 0 && (alnum(t[s - 1]) || t[s - 1] == '/' || t[s - 1] == '+' || t[s - 1] == '#')) --s;
  if (s == e) return {};
  *start = s;
  return t.substr(s, e - s);
}

}  // namespace

std::vector<Entity> extract_entities(std::string_view t, const EntityDictionary* dictionary) {
  std::vector<Entity> out;
  if (dictionary) dictionary->find(t, &out);
  std::vector<Entity> found;
  size_t i = 0;
  auto add = [&](size_t s, size_t e, std::string type, std::string value) {
    found.push_back(Entity{std::move(type), std::move(value), static_cast<int64_t>(s), static_cast<int64_t>(e)});
  };
  while (i < t.size()) {
    const char c = t[i];
    const bool word_start = i == 0 || !alnum(t[i - 1]);
    if (!word_start || static_cast<unsigned char>(c) >= 0x80) {
      // Money symbols: ¥ ￥ $ € £ before a number.
      size_t sym = 0;
      const char* cur = nullptr;
      if (starts_at(t, i, "¥"))
        sym = 2, cur = "CNY";
      else if (starts_at(t, i, "￥"))
        sym = 3, cur = "CNY";
      else if (starts_at(t, i, "€"))
        sym = 3, cur = "EUR";
      else if (starts_at(t, i, "£"))
        sym = 2, cur = "GBP";
      if (cur && i + sym < t.size() && digit(t[i + sym])) {
        double v = 0;
        bool dot = false;
        int nd = 0;
        size_t e = scan_number(t, i + sym, &v, &dot, &nd);
        double mult = 1;
        if (starts_at(t, e, "万"))
          mult = 1e4, e += 3;
        else if (starts_at(t, e, "亿"))
          mult = 1e8, e += 3;
        if (starts_at(t, e, "元")) e += 3;
        add(i, e, "money", std::string(cur) + " " + format_amount(v * mult));
        i = e;
        continue;
      }
      ++i;
      continue;
    }
    if (c == '$' && i + 1 < t.size() && digit(t[i + 1])) {
      double v = 0;
      bool dot = false;
      int nd = 0;
      size_t e = scan_number(t, i + 1, &v, &dot, &nd);
      add(i, e, "money", "USD " + format_amount(v));
      i = e;
      continue;
    }
    // URLs.
    if (istarts_at(t, i, "http://") || istarts_at(t, i, "https://") || istarts_at(t, i, "www.")) {
      size_t e = i;
      while (e < t.size() && static_cast<unsigned char>(t[e]) > 0x20 && static_cast<unsigned char>(t[e]) < 0x80 &&
             t[e] != '"' && t[e] != '\'' && t[e] != '<' && t[e] != '>')
        ++e;
      while (e > i && std::strchr(".,;:!?)]}", t[e - 1])) --e;
      add(i, e, "url", std::string(t.substr(i, e - i)));
      i = e;
      continue;
    }
    if (alnum(c)) {
      size_t e = i;
      while (e < t.size() && (alnum(t[e]) || t[e] == '.' || t[e] == '_' || t[e] == '%' || t[e] == '+' || t[e] == '-'))
        ++e;
      // E-mail: word@domain.tld.
      if (e < t.size() && t[e] == '@') {
        size_t d = e + 1;
        while (d < t.size() && (alnum(t[d]) || t[d] == '.' || t[d] == '-')) ++d;
        while (d > e + 1 && t[d - 1] == '.') --d;
        const std::string_view domain = t.substr(e + 1, d - e - 1);
        const size_t last_dot = domain.rfind('.');
        if (last_dot != std::string_view::npos && last_dot > 0 && domain.size() - last_dot > 2) {
          add(i, d, "email", core::ascii_lower(t.substr(i, d - i)));
          i = d;
          continue;
        }
      }
    }
    // Phones with a country code: +86 138 0013 8000.
    if (c == '+' && i + 1 < t.size() && digit(t[i + 1])) {
      size_t j = i + 1;
      while (j < t.size() && digit(t[j]) && j - i <= 3) ++j;
      if (j < t.size() && (t[j] == ' ' || t[j] == '-') && j + 1 < t.size() && digit(t[j + 1])) {
        Match m;
        if (scan_numeric(t, j + 1, &m) && m.type == "phone") {
          add(i, m.end, "phone", std::string(t.substr(i, j - i)) + m.value);
          i = m.end;
          continue;
        }
      }
    }
    if (digit(c)) {
      Match m;
      if (scan_numeric(t, i, &m)) {
        size_t s = i;
        // A product or standard name before the number: CUDA 11.6, RFC 9110, GB/T 7714.
        size_t ws = 0;
        std::string_view w = word_before(t, i, &ws);
        if (!w.empty() && m.type == "quantity") { /* "16 GB" after a word stays a quantity */
        }
        add(s, m.end, m.type, m.value);
        i = m.end;
        continue;
      }
      double v = 0;
      bool dot = false;
      int nd = 0;
      size_t e = scan_number(t, i, &v, &dot, &nd);
      size_t ws = 0;
      std::string_view w = word_before(t, i, &ws);
      const bool bounded = e >= t.size() || !alnum(t[e]);
      if (bounded && !w.empty() && alpha(w[0])) {
        const bool all_upper = std::all_of(w.begin(), w.end(), [](char x) { return upper(x) || x == '/'; });
        if (dot) {
          while (e + 1 < t.size() && t[e] == '.' && digit(t[e + 1])) {  // 3.12.1
            ++e;
            while (e < t.size() && digit(t[e])) ++e;
          }
          add(ws, e, "version", core::ascii_lower(w) + " " + std::string(t.substr(i, e - i)));
          i = e;
          continue;
        }
        if (all_upper && w.size() >= 2 && w.size() <= 6 && nd >= 3) {
          add(ws, e, "identifier", upper_s(w) + " " + std::string(t.substr(i, e - i)));
          i = e;
          continue;
        }
      }
      i = e;
      continue;
    }
    if (alpha(c)) {
      size_t e = i;
      while (e < t.size() && alnum(t[e])) ++e;
      const std::string_view w = t.substr(i, e - i);
      const bool has_digit = std::any_of(w.begin(), w.end(), digit);
      // v2.3.1
      if ((c == 'v' || c == 'V') && w.size() >= 2 && std::all_of(w.begin() + 1, w.end(), digit) && e < t.size() &&
          t[e] == '.' && e + 1 < t.size() && digit(t[e + 1])) {
        size_t f = e;
        while (f + 1 < t.size() && t[f] == '.' && digit(t[f + 1])) {
          ++f;
          while (f < t.size() && digit(t[f])) ++f;
        }
        add(i, f, "version", core::ascii_lower(t.substr(i, f - i)));
        i = f;
        continue;
      }
      // A100, H100, RTX4090, GPT4o: upper-case start, letters and digits.
      if (has_digit && upper(c) && alpha(w.back()) + digit(w.back()) > 0 && w.size() >= 2 && w.size() <= 16 &&
          (e >= t.size() || (t[e] != '.' || e + 1 >= t.size() || !digit(t[e + 1])))) {
        add(i, e, "identifier", upper_s(w));
        i = e;
        continue;
      }
      // September 17, 2025 / Sep 17 2025.
      size_t me = 0;
      if (int mo = month_at(t, i, &me); mo && me < t.size() && t[me] == ' ') {
        size_t j = me + 1;
        int d = read_int(t, &j, 2);
        if (d >= 1 && d <= 31) {
          size_t k = j;
          if (k < t.size() && t[k] == ',') ++k;
          if (k < t.size() && t[k] == ' ') ++k;
          size_t yk = k;
          int y = read_int(t, &yk, 4);
          if (y >= 1000 && yk - k == 4) {
            add(i, yk, "date", iso_date(y, mo, d));
            i = yk;
            continue;
          }
        }
      }
      i = e;
      continue;
    }
    ++i;
  }
  // Dictionary matches win over pattern matches they overlap.
  for (auto& f : found) {
    bool overlaps = false;
    for (const auto& d : out) overlaps = overlaps || (f.start_byte < d.end_byte && d.start_byte < f.end_byte);
    if (!overlaps) out.push_back(std::move(f));
  }
  std::sort(out.begin(), out.end(), [](const Entity& a, const Entity& b) { return a.start_byte < b.start_byte; });
  return out;
}

std::shared_ptr<const EntityDictionary> EntityDictionary::from_entries(
    const std::vector<std::pair<std::string, std::string>>& entries) {
  auto d = std::make_shared<EntityDictionary>();
  for (const auto& [entity, type] : entries) {
    std::string key = core::ascii_lower(entity);
    d->max_len_ = std::max(d->max_len_, key.size());
    d->types_[std::move(key)] = type;
  }
  return d;
}

core::Result<std::shared_ptr<const EntityDictionary>> EntityDictionary::load(const std::string& path) {
  std::ifstream in(path);
  if (!in) return core::Status::from_errno(path, errno);
  std::vector<std::pair<std::string, std::string>> entries;
  std::string line;
  int64_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos || tab == 0 || tab + 1 >= line.size())
      return core::Status::invalid_argument(path + ":" + std::to_string(n) + ": expected \"entity<TAB>type\", got \"" +
                                            line + "\"");
    if (!core::is_valid_utf8(line))
      return core::Status::invalid_argument(path + ":" + std::to_string(n) + ": not valid UTF-8");
    entries.emplace_back(line.substr(0, tab), line.substr(tab + 1));
  }
  return from_entries(entries);
}

void EntityDictionary::find(std::string_view text, std::vector<Entity>* out) const {
  if (types_.empty()) return;
  const std::string folded = core::ascii_lower(text);  // same byte offsets: ASCII-only folding
  size_t i = 0;
  while (i < folded.size()) {
    const unsigned char b = static_cast<unsigned char>(folded[i]);
    const bool boundary = i == 0 || !alnum(folded[i - 1]) || b >= 0x80;
    bool matched = false;
    if (boundary) {
      for (size_t len = std::min(max_len_, folded.size() - i); len > 0; --len) {
        auto it = types_.find(folded.substr(i, len));
        if (it == types_.end()) continue;
        const size_t e = i + len;
        if (alnum(folded[e - 1]) && e < folded.size() && alnum(folded[e])) continue;  // inside a Latin word
        out->push_back(
            Entity{it->second, std::string(text.substr(i, len)), static_cast<int64_t>(i), static_cast<int64_t>(e)});
        i = e;
        matched = true;
        break;
      }
    }
    if (!matched) {
      // Advance one UTF-8 character.
      i += b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4;
    }
  }
}

std::string entity_filter_value(std::string_view text, const EntityDictionary* dictionary) {
  auto found = extract_entities(text, dictionary);
  if (found.size() == 1 && found[0].start_byte == 0 && found[0].end_byte == static_cast<int64_t>(text.size()))
    return core::ascii_lower(found[0].value);
  std::string out;
  bool space = false;
  for (char ch : text) {
    if (ch == ' ' || ch == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += core::ascii_lower(ch);
  }
  return out;
}

}  // namespace kbseek::storage
