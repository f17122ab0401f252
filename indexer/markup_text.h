// Text out of markup: HTML through a conformant HTML5 parser (gumbo), and
// Markdown through the CommonMark reference parser (cmark).
//
// html_to_text(): script, style, noscript, template, nav, head (except
// <title>), svg, iframe, form controls and comments are dropped; headings,
// paragraphs, list items, table rows, blockquotes and other blocks become
// paragraphs separated by a blank line; <br> is a line break; whitespace
// inside a block collapses to one space; entities are decoded by the
// parser. The title is <title>, else the first <h1>.
// markdown_to_text(): the same paragraph structure from the CommonMark
// tree; emphasis, link and image markup go (link text and image alt text
// stay); code spans and code blocks keep their text; raw HTML is dropped.
// The title is the first heading.
// Markdown as knowledge bases write it (indexer/front_matter.h): YAML front
// matter gives the title (`title:`), the time (`updated:`, `modified:`,
// `lastmod:`, `date:`, `created:`, first found), the acl (`acl:`, a list:
// who may read the note) and the rest of the metadata (tags, aliases…);
// Obsidian's [[links]], embeds, %%comments%% and inline #tags (added to
// "tags") are read as Obsidian shows them.
// A Confluence HTML export's page (an element id="main-content") gives only
// that element's text (no breadcrumbs, navigation or footer), its title
// without the "Space : " prefix, metadata {"space", "breadcrumbs"} and the
// time of its "Created by … on Mon DD, YYYY" / "last modified … on …" line.
// Both accept any bytes (invalid UTF-8 is the caller's to have decoded);
// pure, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kbseek::indexer {

struct MarkupText {
  std::string title;
  std::string text;
  std::optional<int64_t> timestamp;  // from front matter or the page's own record
  std::string metadata_json = "{}";
  std::vector<std::string> acl;  // front matter's acl:
};

MarkupText html_to_text(std::string_view html);
MarkupText markdown_to_text(std::string_view markdown);

}  // namespace kbseek::indexer
