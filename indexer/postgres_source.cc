#include "indexer/postgres_source.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

namespace kbseek::indexer {

using core::Result;
using core::Status;

namespace {

// Type oids from PostgreSQL's pg_type.dat (stable across versions).
constexpr Oid kBool = 16, kInt8 = 20, kInt2 = 21, kInt4 = 23, kJson = 114, kFloat4 = 700, kFloat8 = 701, kDate = 1082,
              kTimestamp = 1114, kTimestampTz = 1184, kNumeric = 1700, kJsonb = 3802;

const std::set<std::string>& kbseek_params() {
  static const std::set<std::string> k = {"query", "table", "id", "text", "title", "time", "acl", "updated"};
  return k;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> percent_decode(const std::string& s, const std::string& name) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%') {
      const int hi = i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
      const int lo = i + 2 < s.size() ? hex_value(s[i + 2]) : -1;
      if (hi < 0 || lo < 0)
        return Status::invalid_argument("source parameter " + name + ": bad percent-encoding at \"" + s.substr(i, 3) +
                                        "\"");
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// "postgresql://user:secret@host/db?password=x" -> "postgresql://user:***@host/db?password=***".
std::string mask_password(const std::string& uri) {
  std::string out = uri;
  const size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    const size_t start = scheme + 3;
    const size_t end = out.find_first_of("/?", start);
    const size_t at = out.rfind('@', end == std::string::npos ? std::string::npos : end);
    if (at != std::string::npos && at >= start) {
      const size_t colon = out.find(':', start);
      if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
    }
  }
  for (size_t p = out.find("password="); p != std::string::npos; p = out.find("password=", p + 1)) {
    if (p > 0 && out[p - 1] != '?' && out[p - 1] != '&') continue;
    const size_t v = p + 9;
    const size_t e = out.find('&', v);
    out.replace(v, (e == std::string::npos ? out.size() : e) - v, "***");
  }
  return out;
}

struct ConnDeleter {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Conn = std::unique_ptr<PGconn, ConnDeleter>;
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

std::string pg_message(PGconn* c) {
  std::string m = PQerrorMessage(c);
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  return m;
}

Result<Conn> connect(const PostgresSource& s) {
  Conn c(PQconnectdb(s.conninfo.c_str()));
  if (!c) return Status::unavailable(s.display + ": out of memory for a connection");
  if (PQstatus(c.get()) != CONNECTION_OK)
    return Status::unavailable(s.display + ": cannot connect: " + pg_message(c.get()));
  // Text results in UTF-8 whatever the database's encoding; ISO dates.
  PgResult r(PQexec(c.get(), "SET client_encoding = 'UTF8'; SET DateStyle = 'ISO'; SET TimeZone = 'UTC'"));
  if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) return Status::unavailable(s.display + ": " + pg_message(c.get()));
  return c;
}

std::string quote_ident(PGconn* c, const std::string& name) {
  char* q = PQescapeIdentifier(c, name.c_str(), name.size());
  std::string out = q ? q : "\"\"";
  PQfreemem(q);
  return out;
}

struct Column {
  std::string name;
  Oid type = 0;
};

// The rows' columns, from the query run with LIMIT 0.
Result<std::vector<Column>> describe(PGconn* c, const PostgresSource& s) {
  const std::string sql = "SELECT * FROM (" + s.query + ") AS kbseek_rows LIMIT 0";
  PgResult r(PQexec(c, sql.c_str()));
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
    return Status::invalid_argument(s.display + ": the query fails: " + pg_message(c));
  std::vector<Column> cols;
  for (int i = 0; i < PQnfields(r.get()); ++i) cols.push_back({PQfname(r.get(), i), PQftype(r.get(), i)});
  return cols;
}

// The column mapping after defaults, checked against the rows' columns.
struct Mapping {
  std::string id, text, title, time, acl, updated;
};

Result<Mapping> map_columns(const PostgresSource& s, const std::vector<Column>& cols) {
  std::set<std::string> have;
  std::string list;
  for (const auto& c : cols) {
    have.insert(c.name);
    list += (list.empty() ? "" : ", ") + c.name;
  }
  Mapping m{s.id_column, s.text_column, s.title_column, s.time_column, s.acl_column, s.updated_column};
  if (m.title.empty() && have.count("title")) m.title = "title";
  if (m.time.empty() && have.count("timestamp")) m.time = "timestamp";
  const std::pair<const char*, const std::string*> named[] = {{"id", &m.id},       {"text", &m.text},
                                                              {"title", &m.title}, {"time", &m.time},
                                                              {"acl", &m.acl},     {"updated", &m.updated}};
  for (const auto& [param, col] : named) {
    if (!col->empty() && !have.count(*col))
      return Status::invalid_argument(s.display + ": " + param + "=" + *col +
                                      " names no column of the rows (they have: " + list + ")");
  }
  return m;
}

// The SELECT list: the time column as epoch seconds, the acl column as
// JSON, the rest as they are.
std::string select_list(PGconn* c, const std::vector<Column>& cols, const Mapping& m) {
  std::string sql;
  for (const auto& col : cols) {
    const std::string q = "kbseek_rows." + quote_ident(c, col.name);
    std::string expr = q;
    if (col.name == m.time && (col.type == kTimestamp || col.type == kTimestampTz || col.type == kDate))
      expr = "floor(extract(epoch from " + q + "))::bigint";
    else if (col.name == m.acl)
      expr = "to_jsonb(" + q + ")";
    sql += (sql.empty() ? "" : ", ") + expr + " AS " + quote_ident(c, col.name);
  }
  return sql;
}

nlohmann::json metadata_value(Oid type, const char* v) {
  switch (type) {
    case kBool: return std::string(v) == "t";
    case kInt2:
    case kInt4:
    case kInt8: return std::strtoll(v, nullptr, 10);
    case kFloat4:
    case kFloat8:
    case kNumeric: {
      char* end = nullptr;
      const double d = std::strtod(v, &end);
      if (end && *end == '\0') return d;
      return v;  // NaN, Infinity
    }
    case kJson:
    case kJsonb: {
      nlohmann::json j = nlohmann::json::parse(v, nullptr, false);
      return j.is_discarded() ? nlohmann::json(v) : j;
    }
    default: return v;
  }
}

// One row as a JSONL record, or the reason it is rejected.
Result<PostgresRow> to_record(const PGresult* r, const std::vector<Column>& cols, const Mapping& m) {
  nlohmann::json doc = nlohmann::json::object(), meta = nlohmann::json::object();
  PostgresRow row;
  for (int i = 0; i < static_cast<int>(cols.size()); ++i) {
    const std::string& name = cols[i].name;
    const bool null = PQgetisnull(r, 0, i);
    const char* v = null ? "" : PQgetvalue(r, 0, i);
    if (name == m.id) {
      if (null || !*v) return Status::invalid_argument("column \"" + name + "\" (the id) is NULL or empty");
      row.id = v;
      doc["id"] = v;
    } else if (name == m.text) {
      if (null || !*v) return Status::invalid_argument("column \"" + name + "\" (the text) is NULL or empty");
      doc["text"] = v;
    } else if (name == m.title) {
      if (!null) doc["title"] = v;
    } else if (name == m.time) {
      if (null) continue;
      char* end = nullptr;
      const long long t = std::strtoll(v, &end, 10);
      if (!end || *end != '\0')
        return Status::invalid_argument("column \"" + name +
                                        "\" (the time) is neither a date, a timestamp nor seconds: \"" +
                                        std::string(v) + "\"");
      doc["timestamp"] = t;
    } else if (name == m.acl) {
      if (null) continue;
      const nlohmann::json j = nlohmann::json::parse(v, nullptr, false);
      std::vector<std::string> acl;
      auto add = [&acl](std::string p) {
        const size_t b = p.find_first_not_of(' '), e = p.find_last_not_of(' ');
        if (b != std::string::npos) acl.push_back(p.substr(b, e - b + 1));
      };
      if (j.is_array()) {
        for (const auto& e : j)
          if (e.is_string()) add(e.get<std::string>());
      } else if (j.is_string()) {  // "finance, legal"
        const std::string s = j.get<std::string>();
        for (size_t p = 0; p <= s.size();) {
          const size_t q = std::min(s.find(',', p), s.size());
          add(s.substr(p, q - p));
          p = q + 1;
        }
      } else {
        return Status::invalid_argument("column \"" + name + "\" (the acl) is neither text[] nor text");
      }
      if (!acl.empty()) doc["acl"] = acl;
    } else if (!null) {
      meta[name] = metadata_value(cols[i].type, v);
    }
  }
  if (!meta.empty()) doc["metadata"] = meta;
  row.jsonl = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  return row;
}

}  // namespace

Result<PostgresSource> parse_postgres_uri(const std::string& uri) {
  if (uri.rfind("postgresql://", 0) != 0 && uri.rfind("postgres://", 0) != 0)
    return Status::invalid_argument("source \"" + uri + "\": not a postgresql:// URI");
  PostgresSource s;
  s.display = mask_password(uri);
  const size_t qmark = uri.find('?');
  std::string base = uri.substr(0, qmark);
  std::string kept;
  std::string table;
  std::map<std::string, std::string> ours;
  if (qmark != std::string::npos) {
    const std::string params = uri.substr(qmark + 1);
    for (size_t p = 0; p <= params.size();) {
      const size_t amp = std::min(params.find('&', p), params.size());
      const std::string item = params.substr(p, amp - p);
      p = amp + 1;
      if (item.empty()) continue;
      const size_t eq = item.find('=');
      const std::string key = item.substr(0, eq);
      if (kbseek_params().count(key)) {
        if (eq == std::string::npos)
          return Status::invalid_argument("source " + s.display + ": parameter " + key + " has no value");
        auto v = percent_decode(item.substr(eq + 1), key);
        if (!v.is_ok()) return v.status();
        ours[key] = v.value();
      } else {
        kept += (kept.empty() ? "?" : "&") + item;
      }
    }
  }
  s.conninfo = base + kept;
  const bool has_query = ours.count("query") && !ours["query"].empty();
  const bool has_table = ours.count("table") && !ours["table"].empty();
  if (has_query == has_table)
    return Status::invalid_argument("source " + s.display +
                                    ": give the rows as query=SELECT... or table=NAME (one of them)");
  if (has_query) {
    s.query = ours["query"];
  } else {
    // schema.name, each part quoted here (no connection yet: double the quotes).
    std::string quoted;
    const std::string& t = ours["table"];
    for (size_t p = 0; p <= t.size();) {
      const size_t dot = std::min(t.find('.', p), t.size());
      std::string part = t.substr(p, dot - p), q = "\"";
      for (char c : part) q += c == '"' ? std::string("\"\"") : std::string(1, c);
      quoted += (quoted.empty() ? "" : ".") + q + "\"";
      p = dot + 1;
    }
    s.query = "SELECT * FROM " + quoted;
  }
  if (ours.count("id")) s.id_column = ours["id"];
  if (ours.count("text")) s.text_column = ours["text"];
  if (ours.count("title")) s.title_column = ours["title"];
  if (ours.count("time")) s.time_column = ours["time"];
  if (ours.count("acl")) s.acl_column = ours["acl"];
  if (ours.count("updated")) s.updated_column = ours["updated"];
  return s;
}

Result<PostgresReadResult> read_postgres(const PostgresSource& source, const std::string& since,
                                         const std::function<void(PostgresRow&&)>& on_row,
                                         const std::function<void(PostgresRejection&&)>& on_reject) {
  KB_ASSIGN_OR_RETURN(Conn conn, connect(source));
  PGconn* c = conn.get();
  KB_ASSIGN_OR_RETURN(std::vector<Column> cols, describe(c, source));
  KB_ASSIGN_OR_RETURN(Mapping m, map_columns(source, cols));
  std::string sql = "SELECT " + select_list(c, cols, m);
  // The watermark is read from the updated column as the server prints it
  // (the time column, when the same, is converted in the list above).
  if (!m.updated.empty()) sql += ", kbseek_rows." + quote_ident(c, m.updated) + " AS kbseek_watermark";
  sql += " FROM (" + source.query + ") AS kbseek_rows";
  std::vector<const char*> params;
  int updated_index = -1;
  if (!m.updated.empty()) {
    const std::string u = "kbseek_rows." + quote_ident(c, m.updated);
    if (!since.empty()) {
      sql += " WHERE " + u + " >= $1";
      params.push_back(since.c_str());
    }
    sql += " ORDER BY " + u;
    updated_index = static_cast<int>(cols.size());  // the column as it is, after the mapped ones
  }
  if (!PQsendQueryParams(c, sql.c_str(), static_cast<int>(params.size()), nullptr, params.data(), nullptr, nullptr, 0))
    return Status::unavailable(source.display + ": " + pg_message(c));
  PQsetSingleRowMode(c);
  PostgresReadResult out;
  Status failure;
  for (;;) {
    PgResult r(PQgetResult(c));
    if (!r) break;
    const ExecStatusType st = PQresultStatus(r.get());
    if (st == PGRES_SINGLE_TUPLE) {
      ++out.rows;
      if (updated_index >= 0 && !PQgetisnull(r.get(), 0, updated_index))
        out.watermark = PQgetvalue(r.get(), 0, updated_index);
      auto row = to_record(r.get(), cols, m);
      if (row.is_ok()) {
        on_row(std::move(row.value()));
      } else {
        const int id_index = [&] {
          for (size_t i = 0; i < cols.size(); ++i)
            if (cols[i].name == m.id) return static_cast<int>(i);
          return -1;
        }();
        std::string id = id_index >= 0 && !PQgetisnull(r.get(), 0, id_index) ? PQgetvalue(r.get(), 0, id_index) : "";
        on_reject({out.rows, std::move(id), row.status().message()});
      }
    } else if (st != PGRES_TUPLES_OK && failure.is_ok()) {
      failure = Status::unavailable(source.display + ": reading the rows: " + pg_message(c));
    }
  }
  if (!failure.is_ok()) return failure;
  return out;
}

Result<std::vector<std::string>> postgres_ids(const PostgresSource& source) {
  KB_ASSIGN_OR_RETURN(Conn conn, connect(source));
  PGconn* c = conn.get();
  KB_ASSIGN_OR_RETURN(std::vector<Column> cols, describe(c, source));
  KB_ASSIGN_OR_RETURN(Mapping m, map_columns(source, cols));
  const std::string sql = "SELECT kbseek_rows." + quote_ident(c, m.id) + " FROM (" + source.query +
                          ") AS kbseek_rows WHERE kbseek_rows." + quote_ident(c, m.id) + " IS NOT NULL";
  PgResult r(PQexec(c, sql.c_str()));
  if (PQresultStatus(r.get()) != PGRES_TUPLES_OK)
    return Status::unavailable(source.display + ": listing the ids: " + pg_message(c));
  std::vector<std::string> ids;
  ids.reserve(PQntuples(r.get()));
  for (int i = 0; i < PQntuples(r.get()); ++i) ids.emplace_back(PQgetvalue(r.get(), i, 0));
  return ids;
}

}  // namespace kbseek::indexer
