// Query-dependent snippets: the sentence of a chunk that holds the most
// query words, with where they are.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace kbseek::query {

// Words of a query as they would appear in text: ICU word segments with a
// letter, digit or ideograph, lower-cased (ASCII and full Unicode via ICU).
std::vector<std::string> query_words(std::string_view query);

struct Snippet {
  std::string text;
  // Each match of a query word in `text`: [start, end) in characters (code
  // points, not bytes), in order, merged where they touch or overlap.
  // Stop words (the, how, 的 …: storage/stop_words.h) are not marked.
  std::vector<std::pair<int, int>> highlights;
};

// What shows why a chunk matched: the whole text when it fits in
// `max_chars` code points; else its best sentence (ICU sentence breaks, in
// Chinese and English: the one holding the most distinct query words, by
// their length, the first on a tie), followed by the next ones while they
// fit; a sentence longer than `max_chars` is cut to the window with the
// densest cluster of matches. The start of the text if nothing matches.
// "…" marks a cut; white-space runs read as one space; matching ignores
// case. Always valid UTF-8, never a split character.
Snippet make_highlighted_snippet(std::string_view text, const std::vector<std::string>& words, int max_chars = 160);

// make_highlighted_snippet(...).text
std::string make_snippet(std::string_view text, const std::vector<std::string>& words, int max_chars = 160);

}  // namespace kbseek::query
