// Query-dependent snippets: the window of a chunk that holds the most query words.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kbseek::query {

// Words of a query as they would appear in text: ICU word segments with a
// letter, digit or ideograph, lower-cased (ASCII and full Unicode via ICU).
std::vector<std::string> query_words(std::string_view query);

// A window of about `max_chars` code points of `text`, centred on the densest
// cluster of query-word matches (case-insensitive); the start of the text if
// nothing matches. "…" marks a cut. White-space runs read as one space.
// Always valid UTF-8, never splits a code point.
std::string make_snippet(std::string_view text, const std::vector<std::string>& words, int max_chars = 160);

}  // namespace kbseek::query
