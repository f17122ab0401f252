// Entities in text: what users filter on (`entity:A100`) and what survives
// translation in a cross-lingual query. Here, beside the lexical analyzer,
// because both sides use it: the indexer extracts entities from chunks and
// the query layer normalises `entity:` filters the same way.
//
// Kinds and their normalised values:
//   date        2025年9月17日, 2025-09-17, 2025/9/17, 2025.09.17,
//               September 17, 2025, 17 Sep 2025      -> "2025-09-17" ("2025-09" for a month)
//   time        10:30, 10:30:15                      -> "10:30", "10:30:15"
//   money       ¥1,200 / ￥12万 / $5.5 / 1200元 / 3.5亿元 / 200 美元 / USD 5
//                                                    -> "CNY 1200", "CNY 120000", "USD 5.5"
//   percent     12.5%, 12.5％, 百分之十二 (digits only) -> "12.5%"
//   quantity    a number with a unit: 16 GB, 30 天, 5 km, 200ms  -> "16 gb", "30 天"
//   email       name@example.com                      -> lower case
//   url         http(s)://…, www.…                    -> as written, trailing punctuation cut
//   phone       138-0013-8000, +86 138 0013 8000, (555) 123-4567, 010-12345678
//                                                    -> digits (and a leading +)
//   version     CUDA 11.6, Python 3.12.1, v2.3.1      -> "cuda 11.6", "v2.3.1"
//   identifier  A100, H100, RTX4090, RFC 9110, ISO 27001, GB/T 7714
//                                                    -> upper case, one space
// plus the kinds of a user dictionary (`entity<TAB>type` lines): longest
// match, case-insensitive for Latin letters. Relative dates (昨天) are out of
// scope. Offsets are byte offsets into the text given. Pure, thread-safe
// (a dictionary is immutable once loaded).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "storage/types.h"

namespace kbseek::storage {

using Entity = ChunkEntity;

// A user dictionary of named entities.
class EntityDictionary {
 public:
  // One entry per line: entity TAB type (blank lines and lines starting
  // with # skipped). InvalidArgument naming FILE:LINE for a bad line;
  // IOError if the file cannot be read.
  static core::Result<std::shared_ptr<const EntityDictionary>> load(const std::string& path);
  static std::shared_ptr<const EntityDictionary> from_entries(
      const std::vector<std::pair<std::string, std::string>>& e);
  size_t size() const { return types_.size(); }

  // Appends the dictionary's matches in `text` (longest first, no overlaps).
  void find(std::string_view text, std::vector<Entity>* out) const;

 private:
  std::map<std::string, std::string> types_;  // folded entry -> type
  size_t max_len_ = 0;                        // bytes of the longest entry
};

// All entities of `text`, ordered by start offset, without overlaps (the
// longer or earlier one wins).
std::vector<Entity> extract_entities(std::string_view text, const EntityDictionary* dictionary = nullptr);

// The normalised value a query's `entity:X` filter compares with: X's own
// extracted value if it is one entity, else X with single spaces; lower
// case either way, as the index stores entity values (ASCII letters only).
std::string entity_filter_value(std::string_view text, const EntityDictionary* dictionary = nullptr);

}  // namespace kbseek::storage
