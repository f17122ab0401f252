// Reads documents from JSON Lines files, one document per line.
//
// Accepted fields: "id" (or BEIR's "_id"; string or integer), "title"
// (string, optional), "text" (string, required), "timestamp" (optional:
// integer Unix seconds or an ISO-8601 date/time string), "metadata" (object,
// optional), "acl" (array of strings, optional). Unknown fields are ignored.
// A bad line never stops the read: it is reported as a Rejection naming
// "FILE:LINE: reason" and the reader moves on.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "core/status.h"
#include "storage/types.h"

namespace kbseek::indexer {

// A record that was not indexed (or, when `warning`, indexed with a
// caveat), with where it came from and why.
struct Rejection {
  std::string source;    // file path, folder file path or <stdin>
  int64_t line = 0;      // 1-based line of the record's start; 0 for a whole file
  std::string reason;    // e.g. `field "text" must be a string`
  bool warning = false;  // the document was still indexed (e.g. bytes replaced by U+FFFD)
  std::string to_string() const {
    return source + (line > 0 ? ":" + std::to_string(line) : std::string()) + ": " + (warning ? "warning: " : "") +
           reason;
  }
};

// A short, stable class of a rejection's reason for summaries ("invalid
// JSON", "missing field", "bad field", "empty document", "undecodable
// bytes", "bad CSV row", "unreadable input", …).
std::string rejection_category(const Rejection& r);

// Parses one JSONL line. InvalidArgument with the reason (no location) when bad.
core::Result<storage::Document> parse_document_line(std::string_view line);

// Parses an ISO-8601 date or date-time ("2025-09-17", "2025-09-17T10:30:00Z",
// "2025-09-17 10:30:00+08:00") to Unix seconds.
core::Result<int64_t> parse_timestamp(std::string_view s);

// Streams `path` ("-" for standard input; gzip and GB18030/Big5/UTF-16 are
// detected and decoded, see indexer/input_file.h and text_decoder.h),
// calling on_document for every valid line and on_reject for every bad one
// (blank lines are skipped silently; a line with undecodable bytes is
// rejected naming the byte). Callbacks return false to stop early. IOError
// only when the file itself cannot be read.
core::Status read_jsonl(const std::string& path,
                        const std::function<bool(storage::Document&&, int64_t line)>& on_document,
                        const std::function<bool(const Rejection&)>& on_reject);

}  // namespace kbseek::indexer
