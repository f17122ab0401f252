// Walks gumbo's DOM and cmark's AST into paragraphs of plain text.
#include "indexer/markup_text.h"

#include <cmark.h>
#include <gumbo.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>

#include "indexer/front_matter.h"
#include "indexer/jsonl_reader.h"

namespace kbseek::indexer {
namespace {

// Collects text, collapsing whitespace, with explicit paragraph/line breaks.
class TextSink {
 public:
  void text(std::string_view s) {
    for (char c : s) {
      if (c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f') {
        pending_space_ = !out_.empty() && out_.back() != '\n';
      } else {
        if (pending_space_) out_.push_back(' ');
        pending_space_ = false;
        out_.push_back(c);
      }
    }
  }
  void line_break() {
    trim_space();
    if (!out_.empty() && out_.back() != '\n') out_.push_back('\n');
  }
  void paragraph_break() {
    trim_space();
    if (out_.empty()) return;
    if (out_.back() != '\n') out_.push_back('\n');
    if (out_.size() < 2 || out_[out_.size() - 2] != '\n') out_.push_back('\n');
  }
  std::string take() {
    trim_space();
    while (!out_.empty() && out_.back() == '\n') out_.pop_back();
    return std::move(out_);
  }

 private:
  void trim_space() {
    pending_space_ = false;
    while (!out_.empty() && out_.back() == ' ') out_.pop_back();
  }
  std::string out_;
  bool pending_space_ = false;
};

bool dropped(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_CANVAS: return true;
    default: return false;
  }
}

bool is_block(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_LI:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_MAIN:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_ADDRESS:
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_BODY:
    case GUMBO_TAG_DETAILS:
    case GUMBO_TAG_SUMMARY: return true;
    default: return false;
  }
}

void node_text(const GumboNode* node, std::string* out) {
  if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE || node->type == GUMBO_NODE_CDATA) {
    out->append(node->v.text.text);
  } else if (node->type == GUMBO_NODE_ELEMENT) {
    const GumboVector& kids = node->v.element.children;
    for (unsigned i = 0; i < kids.length; ++i) node_text(static_cast<const GumboNode*>(kids.data[i]), out);
  }
}

std::string collapse(const std::string& s) {
  TextSink sink;
  sink.text(s);
  return sink.take();
}

void walk_html(const GumboNode* node, TextSink* sink, std::string* title, std::string* first_h1) {
  switch (node->type) {
    case GUMBO_NODE_TEXT:
    case GUMBO_NODE_CDATA:
    case GUMBO_NODE_WHITESPACE: sink->text(node->v.text.text); return;
    case GUMBO_NODE_DOCUMENT:
    case GUMBO_NODE_ELEMENT:
    case GUMBO_NODE_TEMPLATE: break;
    default:  // comments
      return;
  }
  const GumboVector* kids = node->type == GUMBO_NODE_DOCUMENT ? &node->v.document.children : &node->v.element.children;
  if (node->type != GUMBO_NODE_DOCUMENT) {
    const GumboTag tag = node->v.element.tag;
    if (tag == GUMBO_TAG_HEAD || tag == GUMBO_TAG_TITLE) {
      // The head holds no body text, only the title.
      for (unsigned i = 0; i < kids->length; ++i) {
        const auto* k = static_cast<const GumboNode*>(kids->data[i]);
        if (k->type == GUMBO_NODE_ELEMENT && k->v.element.tag == GUMBO_TAG_TITLE && title->empty()) {
          std::string t;
          node_text(k, &t);
          *title = collapse(t);
        }
      }
      if (tag == GUMBO_TAG_TITLE && title->empty()) {
        std::string t;
        node_text(node, &t);
        *title = collapse(t);
      }
      return;
    }
    if (dropped(tag)) return;
    if (tag == GUMBO_TAG_BR) {
      sink->line_break();
      return;
    }
    if (tag == GUMBO_TAG_H1 && first_h1->empty()) {
      std::string t;
      node_text(node, &t);
      *first_h1 = collapse(t);
    }
    if (is_block(tag))
      sink->paragraph_break();
    else if (tag == GUMBO_TAG_TD || tag == GUMBO_TAG_TH)
      sink->text(" ");
    for (unsigned i = 0; i < kids->length; ++i)
      walk_html(static_cast<const GumboNode*>(kids->data[i]), sink, title, first_h1);
    if (is_block(tag)) sink->paragraph_break();
    return;
  }
  for (unsigned i = 0; i < kids->length; ++i)
    walk_html(static_cast<const GumboNode*>(kids->data[i]), sink, title, first_h1);
}

const char* attribute(const GumboNode* node, const char* name) {
  if (node->type != GUMBO_NODE_ELEMENT) return nullptr;
  const GumboAttribute* a = gumbo_get_attribute(&node->v.element.attributes, name);
  return a ? a->value : nullptr;
}

// The first element (document order) whose `attr` is `value` (for "class":
// one of its classes).
const GumboNode* find_element(const GumboNode* node, const char* attr, const char* value) {
  if (node->type == GUMBO_NODE_ELEMENT) {
    if (const char* v = attribute(node, attr)) {
      if (std::strcmp(attr, "class") != 0 ? std::strcmp(v, value) == 0 : [&] {
            const std::string classes = std::string(" ") + v + " ";
            return classes.find(std::string(" ") + value + " ") != std::string::npos;
          }())
        return node;
    }
  } else if (node->type != GUMBO_NODE_DOCUMENT) {
    return nullptr;
  }
  const GumboVector& kids = node->type == GUMBO_NODE_DOCUMENT ? node->v.document.children : node->v.element.children;
  for (unsigned i = 0; i < kids.length; ++i)
    if (const GumboNode* found = find_element(static_cast<const GumboNode*>(kids.data[i]), attr, value)) return found;
  return nullptr;
}

void list_items(const GumboNode* node, std::vector<std::string>* out) {
  if (node->type != GUMBO_NODE_ELEMENT) return;
  if (node->v.element.tag == GUMBO_TAG_LI) {
    std::string t;
    node_text(node, &t);
    if (!collapse(t).empty()) out->push_back(collapse(t));
    return;
  }
  const GumboVector& kids = node->v.element.children;
  for (unsigned i = 0; i < kids.length; ++i) list_items(static_cast<const GumboNode*>(kids.data[i]), out);
}

// The last "on Mon DD, YYYY" of Confluence's page metadata line, as UTC midnight.
std::optional<int64_t> confluence_date(const std::string& line) {
  static const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  std::optional<int64_t> found;
  for (size_t p = line.find(" on "); p != std::string::npos; p = line.find(" on ", p + 1)) {
    const std::string rest = line.substr(p + 4);
    for (int m = 0; m < 12; ++m) {
      if (rest.compare(0, 3, kMonths[m]) != 0) continue;
      int day = 0, year = 0;
      if (std::sscanf(rest.c_str() + 3, " %d, %d", &day, &year) != 2 || day < 1 || day > 31 || year < 1970) continue;
      char iso[32];
      std::snprintf(iso, sizeof iso, "%04d-%02d-%02d", year, m + 1, day);
      auto ts = parse_timestamp(iso);
      if (ts.is_ok()) found = ts.value();
    }
  }
  return found;
}

}  // namespace

MarkupText html_to_text(std::string_view html) {
  GumboOutput* out = gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size());
  MarkupText r;
  if (out == nullptr) return r;
  TextSink sink;
  std::string first_h1;
  // A Confluence export's page: only its content, its own title and record.
  const GumboNode* main = find_element(out->document, "id", "main-content");
  nlohmann::json meta = nlohmann::json::object();
  if (main != nullptr) {
    std::string ignored;
    TextSink discard;
    walk_html(out->document, &discard, &r.title, &first_h1);  // the <title>
    walk_html(main, &sink, &ignored, &ignored);
    const size_t sep = r.title.find(" : ");
    if (sep != std::string::npos) {
      meta["space"] = r.title.substr(0, sep);
      r.title = r.title.substr(sep + 3);
    }
    if (const GumboNode* crumbs = find_element(out->document, "id", "breadcrumbs")) {
      std::vector<std::string> items;
      list_items(crumbs, &items);
      if (!items.empty()) meta["breadcrumbs"] = items;
    }
    if (const GumboNode* record = find_element(out->document, "class", "page-metadata")) {
      std::string t;
      node_text(record, &t);
      r.timestamp = confluence_date(collapse(t));
    }
    r.metadata_json = meta.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  } else {
    walk_html(out->document, &sink, &r.title, &first_h1);
  }
  gumbo_destroy_output(&kGumboDefaultOptions, out);
  r.text = sink.take();
  if (r.title.empty()) r.title = first_h1;
  return r;
}

MarkupText markdown_to_text(std::string_view original) {
  MarkupText r;
  const FrontMatter fm = split_front_matter(original);
  const ObsidianText obsidian = obsidian_to_markdown(fm.body);
  const std::string& markdown = obsidian.markdown;
  nlohmann::ordered_json fields = nlohmann::ordered_json::parse(fm.fields_json, nullptr, false);
  if (!fields.is_object()) fields = nlohmann::ordered_json::object();
  std::string fm_title;
  if (auto t = fields.find("title"); t != fields.end() && t->is_string()) fm_title = t->get<std::string>();
  for (const char* key : {"updated", "modified", "lastmod", "last_modified", "date", "created"}) {
    auto f = fields.find(key);
    if (f == fields.end() || r.timestamp) continue;
    if (f->is_number_integer()) {
      r.timestamp = f->get<int64_t>();
    } else if (f->is_string()) {
      std::string v = f->get<std::string>();
      if (v.size() > 10 && v[10] == ' ') v[10] = 'T';  // "2024-03-05 10:00"
      if (auto ts = parse_timestamp(v); ts.is_ok()) r.timestamp = ts.value();
    }
  }
  if (auto a = fields.find("acl"); a != fields.end()) {
    if (a->is_string()) r.acl.push_back(a->get<std::string>());
    if (a->is_array())
      for (const auto& x : *a)
        if (x.is_string()) r.acl.push_back(x.get<std::string>());
  }
  fields.erase("title");
  fields.erase("acl");
  if (!obsidian.tags.empty()) {
    nlohmann::ordered_json tags = nlohmann::ordered_json::array();
    if (auto t = fields.find("tags"); t != fields.end()) {
      if (t->is_array())
        tags = *t;
      else if (t->is_string())
        tags.push_back(*t);
    }
    for (const auto& tag : obsidian.tags)
      if (std::find(tags.begin(), tags.end(), nlohmann::ordered_json(tag)) == tags.end()) tags.push_back(tag);
    fields["tags"] = tags;
  }
  r.metadata_json = fields.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::unique_ptr<cmark_node, decltype(&cmark_node_free)> doc(
      cmark_parse_document(markdown.data(), markdown.size(), CMARK_OPT_DEFAULT), &cmark_node_free);
  if (!doc) return r;
  std::unique_ptr<cmark_iter, decltype(&cmark_iter_free)> it(cmark_iter_new(doc.get()), &cmark_iter_free);
  TextSink sink;
  std::string heading;
  bool in_first_heading = false;
  cmark_event_type ev;
  while ((ev = cmark_iter_next(it.get())) != CMARK_EVENT_DONE) {
    cmark_node* n = cmark_iter_get_node(it.get());
    const cmark_node_type type = cmark_node_get_type(n);
    switch (type) {
      case CMARK_NODE_TEXT:
      case CMARK_NODE_CODE: {
        const char* lit = cmark_node_get_literal(n);
        if (lit) {
          sink.text(lit);
          if (in_first_heading) heading += lit;
        }
        break;
      }
      case CMARK_NODE_SOFTBREAK:
        sink.text(" ");
        if (in_first_heading) heading += " ";
        break;
      case CMARK_NODE_LINEBREAK: sink.line_break(); break;
      case CMARK_NODE_CODE_BLOCK: {
        sink.paragraph_break();
        const char* lit = cmark_node_get_literal(n);
        if (lit) sink.text(lit);
        sink.paragraph_break();
        break;
      }
      case CMARK_NODE_HEADING:
        if (ev == CMARK_EVENT_ENTER && r.title.empty() && heading.empty()) in_first_heading = true;
        if (ev == CMARK_EVENT_EXIT && in_first_heading) {
          in_first_heading = false;
          r.title = collapse(heading);
        }
        sink.paragraph_break();
        break;
      case CMARK_NODE_PARAGRAPH:
      case CMARK_NODE_ITEM:
      case CMARK_NODE_BLOCK_QUOTE:
      case CMARK_NODE_LIST:
      case CMARK_NODE_THEMATIC_BREAK: sink.paragraph_break(); break;
      default:  // emphasis, links, images (their text children stay), raw HTML (dropped)
        break;
    }
  }
  r.text = sink.take();
  if (!fm_title.empty()) r.title = fm_title;
  return r;
}

}  // namespace kbseek::indexer
