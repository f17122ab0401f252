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

struct Rejection {
  std::string source;  // file path
  int64_t line = 0;    // 1-based
  std::string reason;  // e.g. `field "text" must be a string`
  std::string to_string() const { return source + ":" + std::to_string(line) + ": " + reason; }
};

// Parses one JSONL line. InvalidArgument with the reason (no location) when bad.
core::Result<storage::Document> parse_document_line(std::string_view line);

// Parses an ISO-8601 date or date-time ("2025-09-17", "2025-09-17T10:30:00Z",
// "2025-09-17 10:30:00+08:00") to Unix seconds.
core::Result<int64_t> parse_timestamp(std::string_view s);

// Streams `path`, calling on_document for every valid line and on_reject for
// every bad one (blank lines are skipped silently). Callbacks return false to
// stop early. IOError only when the file itself cannot be read.
core::Status read_jsonl(const std::string& path,
                        const std::function<bool(storage::Document&&, int64_t line)>& on_document,
                        const std::function<bool(const Rejection&)>& on_reject);

}  // namespace kbseek::indexer
