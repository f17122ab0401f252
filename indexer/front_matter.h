// What knowledge-base Markdown carries beyond CommonMark: YAML front matter
// (Obsidian, Hugo, Jekyll, MkDocs, Docusaurus) and Obsidian's own syntax.
//
// split_front_matter(): a block between a first line "---" and the next
// "---" (or "...") line, read as the YAML people write there: `key: value`,
// quoted values, `key: [a, b]`, `key:` followed by `- item` lines, `key: |`
// or `>` followed by indented lines, `#` comments. Other YAML (nested maps,
// anchors) is kept as its text. Values that read as integers, decimals or
// true/false become JSON numbers and booleans. No block (or one with a line
// that is not YAML-like: a document opening with a "---" rule): fields
// empty, the whole text the body.
//
// obsidian_to_markdown(): [[target]] -> target, [[target|alias]] -> alias,
// [[target#heading]] -> "target heading", ![[embed]] and %%comments%% go,
// and inline #tags (a letter, digit, _, -, / or non-ASCII run with at least
// one non-digit, after a space or a line start, outside code) are returned
// (the words stay in the text, without '#'). Fenced and inline code is left
// as it is.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kbseek::indexer {

struct FrontMatter {
  std::string fields_json = "{}";  // the block as a JSON object, keys in order
  std::string body;                // the Markdown after the block (all of it without one)
};

FrontMatter split_front_matter(std::string_view markdown);

struct ObsidianText {
  std::string markdown;
  std::vector<std::string> tags;  // in order of first appearance, without '#'
};

ObsidianText obsidian_to_markdown(std::string_view markdown);

}  // namespace kbseek::indexer
