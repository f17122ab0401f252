// A PostgreSQL table or query as a document source, for
// `kbseek sync --source postgresql://...` (libpq, Debian's libpq-dev).
//
// The URI is libpq's own connection URI plus kbseek's parameters, which are
// taken out before libpq sees it:
//   postgresql://USER[:PASSWORD]@HOST[:PORT]/DB?table=docs&updated=modified
//   postgresql:///kb?host=/run/postgresql&query=SELECT%20...&id=doc_id&acl=groups
//   query=SQL | table=[SCHEMA.]NAME   the rows (one of them; percent-encoded)
//   id=COL       the document id (default "id"); NULL rejects the row
//   text=COL     the body (default "text"); NULL or empty rejects the row
//   title=COL    default "title" when the rows have such a column
//   time=COL     the document's timestamp: timestamp, timestamptz, date or
//                seconds since the epoch (default "timestamp" when present)
//   acl=COL      principals allowed to read: text[] or "a,b" text; NULL or
//                empty = public. The source's permissions travel with it.
//   updated=COL  makes runs incremental: only rows with COL >= the largest
//                value seen by the previous run are read (>=, so rows that
//                share the last value are read again rather than missed;
//                their content hash makes them no-ops). A row changed without
//                its COL moving forward is not seen until a run without a
//                watermark. Without updated= every run reads every row.
// Every other parameter (sslmode, host, port, connect_timeout…) is libpq's.
// Every other column of the rows goes into the document's metadata
// (integers, floats and numerics as numbers, booleans, json/jsonb as JSON,
// the rest as text), so `field:value` filters and facets work on it.
// The password (in the URI or password=) is never printed: `display` masks
// it; libpq's PGPASSWORD and ~/.pgpass work as usual.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace kbseek::indexer {

struct PostgresSource {
  std::string conninfo;  // for libpq: the URI without kbseek's parameters
  std::string display;   // the URI as given, password masked
  std::string query;     // the SELECT that gives the rows
  std::string id_column = "id";
  std::string text_column = "text";
  std::string title_column;  // "" = "title" if present
  std::string time_column;   // "" = "timestamp" if present
  std::string acl_column;
  std::string updated_column;  // "" = every run reads every row
};

// InvalidArgument naming the parameter for a URI that is not postgresql://
// or postgres://, lacks query= / table=, has both, or is badly encoded.
core::Result<PostgresSource> parse_postgres_uri(const std::string& uri);

struct PostgresRow {
  std::string jsonl;  // the row as one record of indexer/jsonl_reader.h
  std::string id;
};

struct PostgresRejection {
  int64_t row = 0;  // 1-based, in the order read
  std::string id;   // "" when the id itself is missing
  std::string message;
};

struct PostgresReadResult {
  int64_t rows = 0;       // read, rejected ones included
  std::string watermark;  // the largest `updated` value read; "" without updated= or rows
};

// Reads the rows whose `updated` column is >= `since` ("" = all rows), in
// `updated` order, one at a time (libpq single-row mode: memory does not
// grow with the table). A row without an id or text goes to on_reject.
// Errors (connection, SQL, a named column the rows lack) name the source
// and, for columns, list the columns the rows have.
core::Result<PostgresReadResult> read_postgres(const PostgresSource& source, const std::string& since,
                                               const std::function<void(PostgresRow&&)>& on_row,
                                               const std::function<void(PostgresRejection&&)>& on_reject);

// Every id the rows have now (NULLs skipped), for finding deletions.
core::Result<std::vector<std::string>> postgres_ids(const PostgresSource& source);

}  // namespace kbseek::indexer
