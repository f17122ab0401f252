// CSV/TSV records over DecodedLines.
#include "indexer/csv_reader.h"

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <vector>

#include "core/ascii.h"
#include "indexer/decoded_lines.h"

namespace kbseek::indexer {
namespace {

std::string trim(const std::string& s) {
  const size_t a = s.find_first_not_of(" \t");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t") - a + 1);
}

// Splits one CSV line into `fields`, continuing a quoted field from the
// previous line when `in_quotes`; returns whether a quote is still open.
bool split_csv(const std::string& line, std::vector<std::string>* fields, bool in_quotes) {
  if (fields->empty()) fields->emplace_back();
  std::string* cur = &fields->back();
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_quotes) {
      if (c == '"') {
        if (i + 1 < line.size() && line[i + 1] == '"') {
          cur->push_back('"');
          ++i;
        } else {
          in_quotes = false;
        }
      } else {
        cur->push_back(c);
      }
    } else if (c == ',') {
      fields->emplace_back();
      cur = &fields->back();
    } else if (c == '"' && cur->empty()) {
      in_quotes = true;
    } else {
      cur->push_back(c);
    }
  }
  return in_quotes;
}

}  // namespace

core::Status read_csv(const std::string& path, char separator, const CsvColumns& columns,
                      const std::function<bool(storage::Document&&, int64_t line)>& on_document,
                      const std::function<bool(const Rejection&)>& on_reject) {
  KB_ASSIGN_OR_RETURN(auto lines, DecodedLines::open(path));
  const std::string base = path == "-" ? "stdin" : path.substr(path.find_last_of('/') + 1);
  std::vector<std::string> header;
  int id_col = -1, title_col = -1, text_col = -1, time_col = -1;
  std::string line;
  std::vector<std::string> fields;
  bool in_quotes = false;
  int64_t record_line = 0;
  bool bad_bytes = false;
  DecodeReport first_report;
  for (;;) {
    DecodeReport report;
    KB_ASSIGN_OR_RETURN(bool more, lines->next(&line, &report));
    if (!more) {
      if (in_quotes)
        on_reject(Rejection{lines->path(), record_line, "CSV quoted field is not closed before the end of the input"});
      return core::Status::ok();
    }
    if (!in_quotes) {
      record_line = lines->line_number();
      fields.clear();
      bad_bytes = false;
      if (line.find_first_not_of(" \t") == std::string::npos) continue;
    } else {
      fields.back().push_back('\n');
    }
    if (report.bad_bytes > 0 && !bad_bytes) {
      bad_bytes = true;
      first_report = report;
    }
    if (separator == ',') {
      in_quotes = split_csv(line, &fields, in_quotes);
      if (in_quotes) continue;
    } else {
      size_t start = 0;
      for (;;) {
        const size_t tab = line.find(separator, start);
        fields.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
        if (tab == std::string::npos) break;
        start = tab + 1;
      }
    }
    if (header.empty()) {
      for (auto& f : fields) header.push_back(core::ascii_lower(trim(f)));
      auto find = [&](const std::string& name) {
        auto it = std::find(header.begin(), header.end(), core::ascii_lower(name));
        return it == header.end() ? -1 : static_cast<int>(it - header.begin());
      };
      id_col = find(columns.id);
      if (id_col < 0 && columns.id == "id") id_col = find("_id");
      title_col = find(columns.title);
      text_col = find(columns.text);
      time_col = find(columns.time);
      auto missing = [&](const std::string& what, const std::string& name) {
        return core::Status::invalid_argument(lines->path() + ":1: header has no column \"" + name + "\" (for the " +
                                              what + "; columns: " +
                                              [&] {
                                                std::string all;
                                                for (const auto& h : header) all += (all.empty() ? "" : ", ") + h;
                                                return all;
                                              }() +
                                              ")");
      };
      if (text_col < 0) return missing("text", columns.text);
      if (id_col < 0 && columns.id_explicit) return missing("id", columns.id);
      if (title_col < 0 && columns.title_explicit) return missing("title", columns.title);
      if (time_col < 0 && columns.time_explicit) return missing("timestamp", columns.time);
      continue;
    }
    auto reject = [&](const std::string& why) { return on_reject(Rejection{lines->path(), record_line, why}); };
    if (bad_bytes) {
      if (!reject(undecodable_reason(lines->decoder(), first_report))) return core::Status::ok();
      continue;
    }
    if (fields.size() != header.size()) {
      if (!reject("row has " + std::to_string(fields.size()) + " fields, the header " + std::to_string(header.size())))
        return core::Status::ok();
      continue;
    }
    storage::Document doc;
    doc.id = id_col >= 0 ? trim(fields[id_col]) : base + ":" + std::to_string(record_line);
    if (doc.id.empty()) {
      if (!reject("field \"" + columns.id + "\" is empty")) return core::Status::ok();
      continue;
    }
    if (title_col >= 0) doc.title = fields[title_col];
    doc.text = fields[text_col];
    if (doc.text.find_first_not_of(" \t\n") == std::string::npos && doc.title.empty()) {
      if (!reject("empty document: no text and no title")) return core::Status::ok();
      continue;
    }
    if (time_col >= 0 && !trim(fields[time_col]).empty()) {
      const std::string t = trim(fields[time_col]);
      const bool integer = t.find_first_not_of("0123456789", t[0] == '-' ? 1 : 0) == std::string::npos && t != "-";
      if (integer && t.size() < 19) {
        doc.timestamp = std::stoll(t);
      } else {
        auto ts = parse_timestamp(t);
        if (!ts.is_ok()) {
          if (!reject("field \"" + columns.time + "\": " + ts.status().message())) return core::Status::ok();
          continue;
        }
        doc.timestamp = ts.value();
      }
    }
    nlohmann::json meta = nlohmann::json::object();
    for (size_t i = 0; i < header.size(); ++i) {
      const int c = static_cast<int>(i);
      if (c != id_col && c != title_col && c != text_col && c != time_col && !header[i].empty())
        meta[header[i]] = fields[i];
    }
    doc.metadata_json = meta.dump();
    if (!on_document(std::move(doc), record_line)) return core::Status::ok();
  }
}

}  // namespace kbseek::indexer
