// The fields a chunk is filtered by (storage/lexical_index.h's ChunkFields),
// from the chunk and its document, the same on first indexing and on a
// rebuild from docs.sqlite.
//
// - Entities: each one's value and type as filter terms (entity:, type:).
// - The chunk's language ("zh", "en", "mixed", "other"): lang:.
// - The document's timestamp: the number "time" (seconds), for time: ranges.
// - The document's metadata: each key whose name is a field name (a letter,
//   then letters, digits, '_', '.' or '-'; at most 64 bytes; lower-cased)
//   with a string, number or boolean value, or an array of them (each
//   value counts), and one level of nested objects as "outer.inner". A
//   number is also kept as a number, for ranges. The names entity, type,
//   lang and time are kbseek's own and not taken from metadata.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "storage/lexical_index.h"
#include "storage/types.h"

namespace kbseek::storage {

ChunkFields chunk_fields(const std::vector<ChunkEntity>& entities, std::string_view language,
                         std::optional<int64_t> timestamp, std::string_view metadata_json);

// Whether `name` is a field name as above (before lower-casing).
bool is_field_name(std::string_view name);

// kbseek's own field names, never taken from metadata.
bool is_reserved_field(std::string_view name);

}  // namespace kbseek::storage
