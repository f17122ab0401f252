// JSONL parsing with nlohmann::json; its exceptions stop here.
#include "indexer/jsonl_reader.h"

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>

#include "core/civil_date.h"
#include "core/utf8.h"
#include "indexer/decoded_lines.h"

namespace kbseek::indexer {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

const char* type_name(const json& v) { return v.type_name(); }

Status expect_string(const json& obj, const char* field, bool required, std::string* out) {
  auto it = obj.find(field);
  if (it == obj.end() || it->is_null()) {
    if (required) return Status::invalid_argument(std::string("missing required field \"") + field + "\"");
    return Status::ok();
  }
  if (!it->is_string())
    return Status::invalid_argument(std::string("field \"") + field + "\" must be a string, got " + type_name(*it));
  *out = it->get<std::string>();
  return Status::ok();
}

}  // namespace

Result<int64_t> parse_timestamp(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  std::string str(s);
  int consumed = 0;
  if (std::sscanf(str.c_str(), "%4d-%2d-%2d%n", &y, &mo, &d, &consumed) != 3 || consumed != 10)
    return Status::invalid_argument("timestamp \"" + str +
                                    "\" is not ISO-8601 (expected YYYY-MM-DD[THH:MM[:SS]][Z|±HH:MM])");
  size_t pos = 10;
  int64_t offset_s = 0;
  if (pos < str.size() && (str[pos] == 'T' || str[pos] == ' ')) {
    int n = 0;
    if (std::sscanf(str.c_str() + pos + 1, "%2d:%2d%n", &h, &mi, &n) != 2)
      return Status::invalid_argument("timestamp \"" + str + "\": bad time of day");
    pos += 1 + n;
    if (pos < str.size() && str[pos] == ':') {
      if (std::sscanf(str.c_str() + pos + 1, "%2d%n", &sec, &n) != 1)
        return Status::invalid_argument("timestamp \"" + str + "\": bad seconds");
      pos += 1 + n;
      if (pos < str.size() && str[pos] == '.') {  // fractional seconds are dropped
        ++pos;
        while (pos < str.size() && std::isdigit(static_cast<unsigned char>(str[pos]))) ++pos;
      }
    }
    if (pos < str.size() && str[pos] == 'Z') {
      ++pos;
    } else if (pos < str.size() && (str[pos] == '+' || str[pos] == '-')) {
      int oh = 0, om = 0;
      if (std::sscanf(str.c_str() + pos + 1, "%2d:%2d%n", &oh, &om, &n) != 2)
        return Status::invalid_argument("timestamp \"" + str + "\": bad UTC offset");
      offset_s = (str[pos] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
      pos += 1 + n;
    }
  }
  if (pos != str.size()) return Status::invalid_argument("timestamp \"" + str + "\": trailing characters");
  if (mo < 1 || mo > 12 || d < 1 || d > core::days_in_month(y, static_cast<unsigned>(mo)) || h > 23 || mi > 59 ||
      sec > 60)
    return Status::invalid_argument("timestamp \"" + str + "\": field out of range");
  return core::days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offset_s;
}

Result<storage::Document> parse_document_line(std::string_view line) {
  size_t bad = core::find_invalid_utf8(line);
  if (bad != std::string_view::npos)
    return Status::invalid_argument("invalid UTF-8 at byte " + std::to_string(bad + 1));
  json obj;
  try {
    obj = json::parse(line);
  } catch (const json::exception& e) {
    return Status::invalid_argument(std::string("invalid JSON: ") + e.what());
  }
  if (!obj.is_object()) return Status::invalid_argument(std::string("expected a JSON object, got ") + type_name(obj));

  storage::Document doc;
  const json* id = nullptr;
  if (auto it = obj.find("id"); it != obj.end() && !it->is_null())
    id = &*it;
  else if (auto it2 = obj.find("_id"); it2 != obj.end() && !it2->is_null())
    id = &*it2;
  if (id == nullptr) return Status::invalid_argument("missing required field \"id\" (or \"_id\")");
  if (id->is_string())
    doc.id = id->get<std::string>();
  else if (id->is_number_integer())
    doc.id = std::to_string(id->get<int64_t>());
  else
    return Status::invalid_argument(std::string("field \"id\" must be a string or integer, got ") + type_name(*id));
  if (doc.id.empty()) return Status::invalid_argument("field \"id\" must not be empty");

  KB_RETURN_IF_ERROR(expect_string(obj, "title", false, &doc.title));
  KB_RETURN_IF_ERROR(expect_string(obj, "text", true, &doc.text));
  if (doc.text.empty() && doc.title.empty())
    return Status::invalid_argument("fields \"title\" and \"text\" are both empty: nothing to index");

  if (auto it = obj.find("timestamp"); it != obj.end() && !it->is_null()) {
    if (it->is_number_integer()) {
      doc.timestamp = it->get<int64_t>();
    } else if (it->is_string()) {
      auto ts = parse_timestamp(it->get<std::string>());
      if (!ts.is_ok()) return Status::invalid_argument("field \"timestamp\": " + ts.status().message());
      doc.timestamp = ts.value();
    } else {
      return Status::invalid_argument(std::string("field \"timestamp\" must be an integer or ISO-8601 string, got ") +
                                      type_name(*it));
    }
  }
  if (auto it = obj.find("metadata"); it != obj.end() && !it->is_null()) {
    if (!it->is_object())
      return Status::invalid_argument(std::string("field \"metadata\" must be an object, got ") + type_name(*it));
    doc.metadata_json = it->dump();
  }
  if (auto it = obj.find("acl"); it != obj.end() && !it->is_null()) {
    if (!it->is_array())
      return Status::invalid_argument(std::string("field \"acl\" must be an array of strings, got ") + type_name(*it));
    for (size_t i = 0; i < it->size(); ++i) {
      const json& e = (*it)[i];
      if (!e.is_string())
        return Status::invalid_argument("field \"acl\"[" + std::to_string(i) + "] must be a string, got " +
                                        type_name(e));
      doc.acl.push_back(e.get<std::string>());
    }
  }
  return doc;
}

core::Status read_jsonl(const std::string& path,
                        const std::function<bool(storage::Document&&, int64_t line)>& on_document,
                        const std::function<bool(const Rejection&)>& on_reject) {
  KB_ASSIGN_OR_RETURN(auto lines, DecodedLines::open(path));
  std::string line;
  for (;;) {
    DecodeReport report;
    KB_ASSIGN_OR_RETURN(bool more, lines->next(&line, &report));
    if (!more) return Status::ok();
    const int64_t lineno = lines->line_number();
    if (report.bad_bytes > 0) {
      Rejection r{lines->path(), lineno, undecodable_reason(lines->decoder(), report)};
      if (!on_reject(r)) return Status::ok();
      continue;
    }
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    auto doc = parse_document_line(line);
    if (doc.is_ok()) {
      if (!on_document(std::move(doc).value(), lineno)) return Status::ok();
    } else {
      if (!on_reject(Rejection{lines->path(), lineno, doc.status().message()})) return Status::ok();
    }
  }
}

std::string rejection_category(const Rejection& r) {
  const std::string& s = r.reason;
  auto starts = [&](const char* p) { return s.rfind(p, 0) == 0; };
  if (starts("invalid JSON") || starts("expected a JSON object")) return "invalid JSON";
  if (starts("missing required field") || s.find("missing column") != std::string::npos) return "missing field";
  if (starts("fields \"title\" and \"text\" are both empty") || starts("empty document")) return "empty document";
  if (starts("field ") || starts("timestamp")) return "bad field value";
  if (s.find("not valid") != std::string::npos || starts("invalid UTF-8") || s.find("U+FFFD") != std::string::npos)
    return "undecodable bytes";
  if (starts("CSV") || starts("row has")) return "bad CSV row";
  return "unreadable input";
}

}  // namespace kbseek::indexer
