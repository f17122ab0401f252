// The language of a passage, by script: what the chunk table records and
// the dry run counts.
//
// Han characters count one each, Latin words one each (roughly the tokens a
// model sees); kana/Hangul count as "other". "zh" or "en" when that script
// holds at least 80% of the counted units, "mixed" when Han and Latin share
// the rest, "other" for other scripts, "" for text with nothing counted
// (numbers, punctuation). Pure, thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace kbseek::indexer {

std::string detect_language(std::string_view text);

}  // namespace kbseek::indexer
