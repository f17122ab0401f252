#include "indexer/mediawiki_reader.h"

#include <expat.h>

#include <cctype>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/ascii.h"
#include "indexer/input_file.h"

namespace kbseek::indexer {

using core::Status;

namespace {

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  return core::ascii_lower(std::string(s.substr(0, prefix.size()))) == core::ascii_lower(std::string(prefix));
}

// Removes every `open ... close` span (case-insensitive open), nested ones
// of the same kind included when `nested`.
std::string remove_spans(std::string_view s, std::string_view open, std::string_view close, bool nested) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (starts_with_ci(s.substr(i), open)) {
      int depth = 1;
      size_t j = i + open.size();
      while (j < s.size() && depth > 0) {
        if (nested && starts_with_ci(s.substr(j), open)) {
          ++depth;
          j += open.size();
        } else if (starts_with_ci(s.substr(j), close)) {
          --depth;
          j += close.size();
        } else {
          ++j;
        }
      }
      i = j;  // an unclosed span runs to the end
      continue;
    }
    out += s[i++];
  }
  return out;
}

// <ref name="x"/> and <ref>...</ref>, <gallery>...</gallery>, <references/>.
std::string remove_refs(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    for (std::string_view tag : {"ref", "gallery", "references"}) {
      if (s[i] != '<' || !starts_with_ci(s.substr(i + 1), tag)) continue;
      const char after = i + 1 + tag.size() < s.size() ? s[i + 1 + tag.size()] : '>';
      if (after != '>' && after != ' ' && after != '/') continue;
      const size_t gt = s.find('>', i);
      if (gt == std::string_view::npos) break;
      if (s[gt - 1] == '/') {  // self-closing
        i = gt + 1;
      } else {
        const std::string close = "</" + std::string(tag) + ">";
        size_t end = i;
        while (end < s.size() && !starts_with_ci(s.substr(end), close)) ++end;
        i = end < s.size() ? end + close.size() : s.size();
      }
      goto next;
    }
    out += s[i++];
  next:;
  }
  return out;
}

bool is_file_link(std::string_view inner) {
  for (std::string_view p : {"File:", "Image:", "Media:", "文件:", "图像:", "檔案:", "圖像:", "Datei:", "Fichier:"})
    if (starts_with_ci(inner, p)) return true;
  return false;
}

std::string category_of(std::string_view inner) {
  for (std::string_view p : {"Category:", "分类:", "分類:", "Kategorie:", "Catégorie:"}) {
    if (starts_with_ci(inner, p)) {
      std::string_view rest = inner.substr(p.size());
      return core::trim_ascii_blanks(rest.substr(0, rest.find('|')));
    }
  }
  return "";
}

// [[...]] links, nested ones (in file captions) included.
std::string replace_links(std::string_view s, std::vector<std::string>* categories) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    if (s.compare(i, 2, "[[") != 0) {
      out += s[i++];
      continue;
    }
    int depth = 1;
    size_t j = i + 2;
    while (j < s.size() && depth > 0) {
      if (s.compare(j, 2, "[[") == 0) {
        ++depth;
        j += 2;
      } else if (s.compare(j, 2, "]]") == 0) {
        --depth;
        j += 2;
      } else {
        ++j;
      }
    }
    std::string_view inner = s.substr(i + 2, (depth == 0 ? j - 2 : j) - i - 2);
    i = j;
    const bool colon = !inner.empty() && inner[0] == ':';  // [[:Category:X]] is a plain link
    if (colon) inner.remove_prefix(1);
    if (!colon && is_file_link(inner)) continue;
    if (std::string cat = colon ? "" : category_of(inner); !cat.empty()) {
      categories->push_back(cat);
      continue;
    }
    const size_t bar = inner.rfind('|');
    std::string shown = bar == std::string_view::npos ? std::string(inner) : std::string(inner.substr(bar + 1));
    if (bar == std::string_view::npos)
      for (char& c : shown)
        if (c == '#') c = ' ';
    out += replace_links(shown, categories);
  }
  return out;
}

// [http://x label] -> label; [http://x] -> nothing.
std::string replace_external_links(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '[' && (starts_with_ci(s.substr(i + 1), "http://") || starts_with_ci(s.substr(i + 1), "https://") ||
                        starts_with_ci(s.substr(i + 1), "//"))) {
      const size_t close = s.find(']', i);
      const size_t nl = s.find('\n', i);
      if (close != std::string_view::npos && (nl == std::string_view::npos || close < nl)) {
        std::string_view inner = s.substr(i + 1, close - i - 1);
        const size_t sp = inner.find(' ');
        if (sp != std::string_view::npos) out += core::trim_ascii_blanks(inner.substr(sp + 1));
        i = close + 1;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

std::string decode_entities(std::string s) {
  static const std::pair<const char*, const char*> kEntities[] = {{"&nbsp;", " "},  {"&lt;", "<"},  {"&gt;", ">"},
                                                                  {"&quot;", "\""}, {"&#39;", "'"}, {"&ndash;", "–"},
                                                                  {"&mdash;", "—"}, {"&amp;", "&"}};
  for (const auto& [from, to] : kEntities) {
    for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + std::strlen(to)))
      s.replace(p, std::strlen(from), to);
  }
  return s;
}

// HTML tags go, their text stays; '' and ''' markup and __MAGIC__ words go.
std::string strip_inline(std::string_view s) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '<') {
      const size_t gt = s.find('>', i);
      const bool tag = gt != std::string_view::npos && gt > i + 1 &&
                       (std::isalpha(static_cast<unsigned char>(s[i + 1])) || s[i + 1] == '/');
      if (tag) {
        i = gt + 1;
        continue;
      }
    }
    if (s.compare(i, 2, "''") == 0) {
      while (i < s.size() && s[i] == '\'') ++i;
      continue;
    }
    if (s.compare(i, 2, "__") == 0) {
      size_t j = i + 2;
      while (j < s.size() && std::isupper(static_cast<unsigned char>(s[j]))) ++j;
      if (j > i + 2 && s.compare(j, 2, "__") == 0) {
        i = j + 2;
        continue;
      }
    }
    out += s[i++];
  }
  return out;
}

// A table row's cells: "| a || b" or "! a !! b"; "attrs | text" keeps text.
std::string table_cells(std::string_view line) {
  const char marker = line[0];
  std::string_view rest = line.substr(1);
  const std::string sep = marker == '!' ? "!!" : "||";
  std::string out;
  size_t p = 0;
  while (p <= rest.size()) {
    size_t q = rest.find(sep, p);
    if (marker == '!' && q == std::string_view::npos) q = rest.find("||", p);
    if (q == std::string_view::npos) q = rest.size();
    std::string_view cell = rest.substr(p, q - p);
    // "style="..." | text": a single bar outside [[ ]] separates attributes.
    int depth = 0;
    size_t bar = std::string_view::npos;
    for (size_t k = 0; k < cell.size(); ++k) {
      if (cell.compare(k, 2, "[[") == 0) ++depth;
      if (cell.compare(k, 2, "]]") == 0) --depth;
      if (cell[k] == '|' && depth == 0) bar = k;
    }
    if (bar != std::string_view::npos) cell = cell.substr(bar + 1);
    const std::string t = core::trim_ascii_blanks(cell);
    if (!t.empty()) out += (out.empty() ? "" : " · ") + t;
    p = q + 2;
  }
  return out;
}

}  // namespace

WikiText wikitext_to_text(std::string_view wikitext) {
  WikiText w;
  std::string s = remove_spans(wikitext, "<!--", "-->", false);
  s = remove_refs(s);
  s = remove_spans(s, "{{", "}}", true);
  // Line structure: tables, headings, lists, paragraphs.
  std::string lines_out;
  bool in_paragraph = false, in_list = false;
  auto end_paragraph = [&] {
    if (in_paragraph || in_list) lines_out += "\n\n";
    in_paragraph = in_list = false;
  };
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t nl = s.find('\n', pos);
    if (nl == std::string::npos) nl = s.size();
    std::string line = core::trim_ascii_blanks(std::string_view(s).substr(pos, nl - pos));
    pos = nl + 1;
    if (line.empty() || line.rfind("----", 0) == 0) {
      end_paragraph();
      continue;
    }
    if (line.rfind("{|", 0) == 0 || line.rfind("|}", 0) == 0 || line.rfind("|-", 0) == 0) {
      end_paragraph();
      continue;
    }
    if (line.rfind("|+", 0) == 0) {
      end_paragraph();
      lines_out += core::trim_ascii_blanks(line.substr(2)) + "\n\n";
      continue;
    }
    if (line[0] == '|' || line[0] == '!') {
      end_paragraph();
      const std::string cells = table_cells(line);
      if (!cells.empty()) lines_out += cells + "\n";
      continue;
    }
    if (line.size() >= 2 && line[0] == '=' && line.back() == '=') {
      end_paragraph();
      const size_t b = line.find_first_not_of('='), e = line.find_last_not_of('=');
      if (b != std::string::npos) lines_out += core::trim_ascii_blanks(line.substr(b, e - b + 1)) + "\n\n";
      continue;
    }
    if (line[0] == '*' || line[0] == '#' || line[0] == ':' || line[0] == ';') {
      if (in_paragraph) end_paragraph();  // items of one list: one line each
      const size_t b = line.find_first_not_of("*#:;");
      if (b != std::string::npos) lines_out += core::trim_ascii_blanks(line.substr(b)) + "\n";
      in_list = true;
      continue;
    }
    if (in_list) end_paragraph();
    lines_out += (in_paragraph && !lines_out.empty() && lines_out.back() != '\n' ? " " : "") + line;
    in_paragraph = true;
  }
  s = replace_links(lines_out, &w.categories);
  s = replace_external_links(s);
  s = decode_entities(strip_inline(s));
  // Collapse runs of blank lines and trim each line.
  std::string out;
  int blank = 0;
  pos = 0;
  while (pos <= s.size()) {
    size_t nl = s.find('\n', pos);
    if (nl == std::string::npos) nl = s.size();
    const std::string line = core::trim_ascii_blanks(std::string_view(s).substr(pos, nl - pos));
    pos = nl + 1;
    if (line.empty()) {
      ++blank;
      continue;
    }
    if (!out.empty()) out += blank > 0 ? "\n\n" : "\n";
    out += line;
    blank = 0;
  }
  w.text = std::move(out);
  return w;
}

namespace {

// The parse state of one dump: the path of open elements under <page>.
struct DumpParser {
  const std::function<bool(storage::Document&&, int64_t)>* on_document = nullptr;
  const std::function<bool(const Rejection&)>* on_reject = nullptr;
  MediaWikiStats* stats = nullptr;
  XML_Parser parser = nullptr;
  std::string path;
  bool root_checked = false, root_ok = false, stop = false;
  std::vector<std::string> open;  // element names from the root
  std::string chars;              // text of the innermost element being collected
  // The page being read.
  int64_t page_line = 0;
  std::string title, ns, page_id, timestamp, text;
  bool redirect = false, has_text = false;

  bool collecting() const {
    if (open.size() < 2 || open[open.size() - 2] == "contributor") return false;
    const std::string& e = open.back();
    const std::string& parent = open[open.size() - 2];
    return (parent == "page" && (e == "title" || e == "ns" || e == "id")) ||
           (parent == "revision" && (e == "timestamp" || e == "text"));
  }

  void start(const char* name, const char** attrs) {
    if (!root_checked) {
      root_checked = true;
      root_ok = std::string(name) == "mediawiki";
      if (!root_ok) {
        stop = true;
        XML_StopParser(parser, XML_FALSE);
        return;
      }
    }
    open.emplace_back(name);
    chars.clear();
    if (open.back() == "page") {
      page_line = static_cast<int64_t>(XML_GetCurrentLineNumber(parser));
      title.clear(), ns.clear(), page_id.clear(), timestamp.clear(), text.clear();
      redirect = has_text = false;
    } else if (open.back() == "redirect") {
      redirect = true;
    } else if (open.back() == "revision") {
      timestamp.clear(), text.clear();  // the last revision wins
      has_text = false;
    }
    (void)attrs;
  }

  void end() {
    const std::string e = open.back();
    const std::string parent = open.size() >= 2 ? open[open.size() - 2] : "";
    if (collecting()) {
      if (parent == "page" && e == "title") title = chars;
      if (parent == "page" && e == "ns") ns = chars;
      if (parent == "page" && e == "id") page_id = chars;
      if (parent == "revision" && e == "timestamp") timestamp = chars;
      if (parent == "revision" && e == "text") {
        text = chars;
        has_text = true;
      }
    }
    chars.clear();
    open.pop_back();
    if (e == "page") finish_page();
  }

  void finish_page() {
    ++stats->pages;
    if (!ns.empty() && core::trim_ascii_blanks(ns) != "0") {
      ++stats->other_namespace;
      return;
    }
    if (redirect) {
      ++stats->redirects;
      return;
    }
    const std::string t = core::trim_ascii_blanks(title);
    WikiText w = wikitext_to_text(text);
    if (t.empty() || !has_text || core::trim_ascii_blanks(w.text).empty()) {
      if (!(*on_reject)(Rejection{path, page_line,
                                  "page \"" + t + "\": " + (t.empty() ? "no <title>" : "no text after cleaning")}))
        stop = true;
      return;
    }
    storage::Document doc;
    doc.id = t;
    doc.title = t;
    doc.text = std::move(w.text);
    if (!timestamp.empty()) {
      auto ts = parse_timestamp(core::trim_ascii_blanks(timestamp));
      if (ts.is_ok()) doc.timestamp = ts.value();
    }
    nlohmann::json meta = nlohmann::json::object();
    if (!w.categories.empty()) meta["categories"] = w.categories;
    if (!page_id.empty()) meta["page_id"] = core::trim_ascii_blanks(page_id);
    doc.metadata_json = meta.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    ++stats->indexed;
    if (!(*on_document)(std::move(doc), page_line)) stop = true;
    if (stop) XML_StopParser(parser, XML_FALSE);
  }
};

void XMLCALL on_start(void* user, const XML_Char* name, const XML_Char** attrs) {
  static_cast<DumpParser*>(user)->start(name, attrs);
}
void XMLCALL on_end(void* user, const XML_Char*) { static_cast<DumpParser*>(user)->end(); }
void XMLCALL on_chars(void* user, const XML_Char* s, int len) {
  auto* p = static_cast<DumpParser*>(user);
  if (p->collecting()) p->chars.append(s, static_cast<size_t>(len));
}

}  // namespace

Status read_mediawiki(const std::string& path,
                      const std::function<bool(storage::Document&&, int64_t line)>& on_document,
                      const std::function<bool(const Rejection&)>& on_reject, MediaWikiStats* stats) {
  KB_ASSIGN_OR_RETURN(auto input, InputFile::open(path));
  MediaWikiStats local;
  DumpParser p;
  p.on_document = &on_document;
  p.on_reject = &on_reject;
  p.stats = stats ? stats : &local;
  p.path = path;
  std::unique_ptr<std::remove_pointer_t<XML_Parser>, decltype(&XML_ParserFree)> parser(XML_ParserCreate("UTF-8"),
                                                                                       &XML_ParserFree);
  if (!parser) return Status::internal("expat: cannot create a parser");
  p.parser = parser.get();
  XML_SetUserData(p.parser, &p);
  XML_SetElementHandler(p.parser, on_start, on_end);
  XML_SetCharacterDataHandler(p.parser, on_chars);
  std::string line;
  for (;;) {
    auto more = input->next_line(&line);
    if (!more.is_ok()) {
      on_reject(Rejection{path, static_cast<int64_t>(XML_GetCurrentLineNumber(p.parser)), more.status().message()});
      return Status::ok();
    }
    const bool last = !more.value();
    if (!last) line += '\n';
    const XML_Status st = XML_Parse(p.parser, line.data(), static_cast<int>(last ? 0 : line.size()), last);
    if (p.root_checked && !p.root_ok)
      return Status::invalid_argument(path + ": not a MediaWiki XML dump (its root element is not <mediawiki>)");
    if (p.stop) return Status::ok();
    if (st == XML_STATUS_ERROR) {
      on_reject(Rejection{path, static_cast<int64_t>(XML_GetCurrentLineNumber(p.parser)),
                          std::string("malformed XML: ") + XML_ErrorString(XML_GetErrorCode(p.parser)) +
                              "; the pages before it are in"});
      return Status::ok();
    }
    if (last) break;
  }
  return Status::ok();
}

}  // namespace kbseek::indexer
