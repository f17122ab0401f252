// Documents chosen by conditions, not ranked: the ids of every document
// with a chunk that meets a query-language filter of conditions only
// (dept:hr, lang:zh, time:<2020, +"exact phrase", entity:..., AND/OR/NOT),
// for erasure (kbseek erase, DELETE /v1/documents?filter=).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "storage/index_folder.h"

namespace kbseek::query {

// Sorted, unique. InvalidArgument for a filter with words to score (a
// selection must not depend on ranking), without any condition, or one the
// parser could not read as written.
core::Result<std::vector<std::string>> select_documents(const storage::IndexFolder& index, std::string_view filter);

}  // namespace kbseek::query
