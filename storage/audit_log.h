// The index folder's audit log: <dir>/audit.jsonl, one JSON object a line,
// appended and fsync'd, never rewritten by kbseek. Erasures (kbseek erase)
// record who erased what, when and why: the ids, never the content.
#pragma once

#include <string>

#include "core/status.h"

namespace kbseek::storage {

inline constexpr const char* kAuditLogFile = "audit.jsonl";

// Appends `record` (one JSON object, no newline) as a line; durable when it
// returns. IOError naming the file.
core::Status append_audit_record(const std::string& index_dir, const std::string& record);

}  // namespace kbseek::storage
