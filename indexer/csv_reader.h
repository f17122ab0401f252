// Reads documents from CSV or TSV with a header row and a column mapping.
//
// CSV follows RFC 4180: fields separated by ',', optionally quoted with '"',
// a doubled quote inside quotes is a quote, and a quoted field may hold
// commas and newlines (so a record may span lines; rejections name the line
// it starts on). TSV is split at tabs, without quoting. The header names
// the columns; `CsvColumns` maps them (defaults id, title, text, timestamp;
// matched case-insensitively). A mapped column the header lacks is one
// error naming the file and the column, except id and the optional title
// and time columns when not asked for explicitly: without an id column, a
// record's id is "<file name>:<line>". A row with the wrong number of fields,
// or an empty text and title, is a rejection naming FILE:LINE; the reader
// moves on. Other columns go into the document's metadata object.
#pragma once

#include <functional>
#include <string>

#include "core/status.h"
#include "indexer/jsonl_reader.h"
#include "storage/types.h"

namespace kbseek::indexer {

struct CsvColumns {
  std::string id = "id";
  std::string title = "title";
  std::string text = "text";
  std::string time = "timestamp";
  bool id_explicit = false;  // the user named it: a missing column is an error
  bool title_explicit = false;
  bool time_explicit = false;
};

// `path` or "-" (standard input); gzip and non-UTF-8 encodings are handled
// as for JSONL. InvalidArgument naming the file and column for a bad
// header; IOError when the input cannot be read.
core::Status read_csv(const std::string& path, char separator, const CsvColumns& columns,
                      const std::function<bool(storage::Document&&, int64_t line)>& on_document,
                      const std::function<bool(const Rejection&)>& on_reject);

}  // namespace kbseek::indexer
