// Filter syntax: NAME:VALUE or NAME:"VALUE WITH SPACES", NAME in {entity, type}.
#include "query/query_filters.h"

#include "storage/entities.h"
#include "storage/lexical_index.h"

namespace kbseek::query {

ParsedQuery parse_query_filters(std::string_view q) {
  ParsedQuery out;
  size_t i = 0;
  auto append_text = [&](std::string_view s) {
    if (s.empty()) return;
    if (!out.text.empty()) out.text += ' ';
    out.text.append(s);
  };
  while (i < q.size()) {
    while (i < q.size() && (q[i] == ' ' || q[i] == '\t')) ++i;
    if (i >= q.size()) break;
    size_t end = i;
    while (end < q.size() && q[end] != ' ' && q[end] != '\t') ++end;
    std::string_view token = q.substr(i, end - i);
    std::string_view name;
    for (std::string_view n : {"entity:", "type:"})
      if (token.substr(0, n.size()) == n && token.size() > n.size()) name = n;
    if (name.empty()) {
      append_text(token);
      i = end;
      continue;
    }
    size_t vstart = i + name.size(), vend = end;
    if (q[vstart] == '"') {  // a quoted value runs to the closing quote
      const size_t close = q.find('"', vstart + 1);
      if (close != std::string_view::npos) {
        vend = close;
        end = close + 1;
        ++vstart;
      }
    }
    const std::string value(q.substr(vstart, vend - vstart));
    if (name == "entity:") {
      const std::string v = storage::entity_filter_value(value);
      out.filters.push_back(storage::entity_filter_term(v));
      out.described.push_back("entity:" + v);
    } else {
      out.filters.push_back(storage::entity_type_filter_term(value));
      out.described.push_back("type:" + value);
    }
    i = end;
  }
  return out;
}

}  // namespace kbseek::query
