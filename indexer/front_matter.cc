#include "indexer/front_matter.h"

#include <cctype>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <nlohmann/ordered_map.hpp>

#include "core/ascii.h"

namespace kbseek::indexer {
namespace {

using ojson = nlohmann::ordered_json;

std::vector<std::string> split_lines(std::string_view s) {
  std::vector<std::string> lines;
  size_t p = 0;
  while (p <= s.size()) {
    size_t nl = s.find('\n', p);
    if (nl == std::string_view::npos) nl = s.size();
    std::string line(s.substr(p, nl - p));
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    p = nl + 1;
  }
  return lines;
}

std::string unquote(std::string v) {
  if (v.size() >= 2 && ((v.front() == '"' && v.back() == '"') || (v.front() == '\'' && v.back() == '\'')))
    return v.substr(1, v.size() - 2);
  return v;
}

ojson scalar(const std::string& raw) {
  const bool quoted = !raw.empty() && (raw[0] == '"' || raw[0] == '\'');
  std::string v = unquote(raw);
  if (quoted) return v;
  if (v == "true" || v == "True") return true;
  if (v == "false" || v == "False") return false;
  if (!v.empty()) {
    char* end = nullptr;
    const long long i = std::strtoll(v.c_str(), &end, 10);
    if (*end == '\0' && v.find_first_not_of("+-0123456789") == std::string::npos) return i;
    const double d = std::strtod(v.c_str(), &end);
    if (*end == '\0' && v.find_first_not_of("+-0123456789.eE") == std::string::npos) return d;
  }
  return v;
}

// "[a, 'b c', 3]" -> ["a", "b c", 3]
ojson flow_list(const std::string& v) {
  ojson arr = ojson::array();
  std::string inner = v.substr(1, v.size() - 2), item;
  char quote = 0;
  for (char c : inner) {
    if (quote) {
      item += c;
      if (c == quote) quote = 0;
    } else if (c == '"' || c == '\'') {
      quote = c;
      item += c;
    } else if (c == ',') {
      if (!core::trim_ascii_blanks(item).empty()) arr.push_back(scalar(core::trim_ascii_blanks(item)));
      item.clear();
    } else {
      item += c;
    }
  }
  if (!core::trim_ascii_blanks(item).empty()) arr.push_back(scalar(core::trim_ascii_blanks(item)));
  return arr;
}

bool is_tag_char(unsigned char c) { return std::isalnum(c) || c == '_' || c == '-' || c == '/' || c >= 0x80; }

}  // namespace

FrontMatter split_front_matter(std::string_view markdown) {
  FrontMatter fm;
  std::string_view md = markdown;
  if (md.substr(0, 3) == "\xEF\xBB\xBF") md.remove_prefix(3);
  const std::vector<std::string> lines = split_lines(md);
  if (lines.empty() || core::trim_ascii_blanks(lines[0]) != "---") {
    fm.body = std::string(markdown);
    return fm;
  }
  size_t end = 1;
  while (end < lines.size() && core::trim_ascii_blanks(lines[end]) != "---" &&
         core::trim_ascii_blanks(lines[end]) != "...")
    ++end;
  if (end >= lines.size()) {  // no closing line: not front matter
    fm.body = std::string(markdown);
    return fm;
  }
  // Every line must read as YAML (key: value, an indented or "- " line, a
  // comment): a document that merely opens with a "---" rule keeps its text.
  for (size_t i = 1; i < end; ++i) {
    const std::string t = core::trim_ascii_blanks(lines[i]);
    const bool yaml = t.empty() || t[0] == '#' || lines[i][0] == ' ' || lines[i][0] == '\t' || t[0] == '-' ||
                      (t.find(':') != std::string::npos && t.find(':') > 0);
    if (!yaml) {
      fm.body = std::string(markdown);
      return fm;
    }
  }
  ojson fields = ojson::object();
  for (size_t i = 1; i < end; ++i) {
    const std::string& line = lines[i];
    if (core::trim_ascii_blanks(line).empty() || core::trim_ascii_blanks(line)[0] == '#') continue;
    if (line[0] == ' ' || line[0] == '\t' || line[0] == '-') continue;  // belongs to a key above
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = core::trim_ascii_blanks(line.substr(0, colon));
    const std::string value = core::trim_ascii_blanks(line.substr(colon + 1));
    if (key.empty()) continue;
    if (value.empty()) {
      // "- item" lines, or nested YAML kept as text.
      ojson items = ojson::array();
      std::string nested;
      size_t j = i + 1;
      for (; j < end && (lines[j].empty() || lines[j][0] == ' ' || lines[j][0] == '\t' || lines[j][0] == '-'); ++j) {
        const std::string t = core::trim_ascii_blanks(lines[j]);
        if (t.empty()) continue;
        if (t[0] == '-') {
          items.push_back(scalar(core::trim_ascii_blanks(t.substr(1))));
        } else {
          nested += (nested.empty() ? "" : "\n") + t;
        }
      }
      if (!items.empty())
        fields[key] = items;
      else if (!nested.empty())
        fields[key] = nested;
      i = j - 1;
    } else if (value == "|" || value == ">" || value == "|-" || value == ">-") {
      std::string text;
      size_t j = i + 1;
      for (; j < end && (lines[j].empty() || lines[j][0] == ' ' || lines[j][0] == '\t'); ++j)
        text += (text.empty() ? "" : (value[0] == '|' ? "\n" : " ")) + core::trim_ascii_blanks(lines[j]);
      fields[key] = text;
      i = j - 1;
    } else if (value.front() == '[' && value.back() == ']') {
      fields[key] = flow_list(value);
    } else {
      fields[key] = scalar(value);
    }
  }
  fm.fields_json = fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string body;
  for (size_t i = end + 1; i < lines.size(); ++i) body += lines[i] + (i + 1 < lines.size() ? "\n" : "");
  fm.body = std::move(body);
  return fm;
}

ObsidianText obsidian_to_markdown(std::string_view md) {
  ObsidianText out;
  std::string& r = out.markdown;
  r.reserve(md.size());
  bool fenced = false;
  size_t i = 0;
  bool line_start = true;
  while (i < md.size()) {
    // Fences: ``` or ~~~ at a line start toggle code.
    if (line_start && (md.compare(i, 3, "```") == 0 || md.compare(i, 3, "~~~") == 0)) {
      fenced = !fenced;
      const size_t nl = md.find('\n', i);
      const size_t stop = nl == std::string_view::npos ? md.size() : nl + 1;
      r.append(md.substr(i, stop - i));  // the fence line as it is
      i = stop;
      continue;
    }
    if (fenced) {
      line_start = md[i] == '\n';
      r += md[i++];
      continue;
    }
    const char c = md[i];
    if (c == '`') {  // an inline code span: copied as it is
      const size_t close = md.find('`', i + 1);
      const size_t stop = close == std::string_view::npos ? i + 1 : close + 1;
      r.append(md.substr(i, stop - i));
      i = stop;
      line_start = false;
      continue;
    }
    if (md.compare(i, 2, "%%") == 0) {
      const size_t close = md.find("%%", i + 2);
      i = close == std::string_view::npos ? md.size() : close + 2;
      continue;
    }
    if (md.compare(i, 3, "![[") == 0) {
      const size_t close = md.find("]]", i + 3);
      if (close != std::string_view::npos) {
        i = close + 2;
        continue;
      }
    }
    if (md.compare(i, 2, "[[") == 0) {
      const size_t close = md.find("]]", i + 2);
      const size_t nl = md.find('\n', i);
      if (close != std::string_view::npos && (nl == std::string_view::npos || close < nl)) {
        std::string_view inner = md.substr(i + 2, close - i - 2);
        const size_t bar = inner.find('|');
        std::string shown(bar == std::string_view::npos ? inner : inner.substr(bar + 1));
        if (bar == std::string_view::npos)
          for (char& ch : shown)
            if (ch == '#' || ch == '^') ch = ' ';
        r += core::trim_ascii_blanks(shown);
        i = close + 2;
        line_start = false;
        continue;
      }
    }
    if (c == '#' && (i == 0 || md[i - 1] == ' ' || md[i - 1] == '\t' || md[i - 1] == '\n') && i + 1 < md.size() &&
        is_tag_char(static_cast<unsigned char>(md[i + 1]))) {
      size_t j = i + 1;
      while (j < md.size() && is_tag_char(static_cast<unsigned char>(md[j]))) ++j;
      // Stop a non-ASCII run at CJK punctuation: "#项目，" -> 项目.
      std::string tag(md.substr(i + 1, j - i - 1));
      for (std::string_view p : {"，", "。", "、", "；", "：", "！", "？"}) {
        const size_t at = tag.find(p);
        if (at != std::string::npos) tag.resize(at);
      }
      if (!tag.empty() && tag.find_first_not_of("0123456789") != std::string::npos) {
        bool seen = false;
        for (const auto& t : out.tags) seen = seen || t == tag;
        if (!seen) out.tags.push_back(tag);
        r += tag;  // the word stays, the '#' goes (a heading "# x" has a space)
        i += 1 + tag.size();
        line_start = false;
        continue;
      }
    }
    line_start = c == '\n';
    r += c;
    ++i;
  }
  return out;
}

}  // namespace kbseek::indexer
