// MediaWiki XML dumps (Special:Export, dumpBackup.php; export schema 0.10
// and 0.11), read as they stream (expat, Debian's libexpat1-dev: dumps run
// to gigabytes, and a conformant streaming XML parser is not ours to
// write). Plain or gzip (InputFile).
//
// One document per <page> in the main namespace (<ns>0</ns>) that is not a
// redirect, from its last <revision>: id = the page title, title = the
// title, timestamp = the revision's, text = wikitext_to_text(), metadata =
// {"categories": [...], "page_id": "..."} (from [[Category:...]] links and
// <id>). Pages of other namespaces and redirects are counted, not indexed.
// A page without text is a rejection naming the page; malformed XML stops
// the file with a rejection naming its line (the pages before it are in).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "indexer/jsonl_reader.h"
#include "storage/types.h"

namespace kbseek::indexer {

struct WikiText {
  std::string text;                     // paragraphs separated by a blank line
  std::vector<std::string> categories;  // [[Category:X]] and [[Kategorie:X]]-style: X
};

// Wikitext to plain text: comments, <ref>s, templates ({{...}}, nested),
// tables' markup ({| |- | || ! |}: cell text stays, one row a line), file
// and image links, magic words (__TOC__) and HTML tags go; [[target|label]]
// keeps label, [[target]] target; [url label] keeps label; ''italic'' and
// '''bold''' markup goes; == headings == and list items (* # : ;) become
// their own paragraphs or lines; &nbsp; &amp; &lt; &gt; &quot; decoded.
// Category links leave the text and are returned. Pure.
WikiText wikitext_to_text(std::string_view wikitext);

struct MediaWikiStats {
  int64_t pages = 0;    // every <page>
  int64_t indexed = 0;  // passed to on_document
  int64_t other_namespace = 0;
  int64_t redirects = 0;
};

// Reads `path` (file or .gz); the documents go to on_document (its line:
// where the page starts), rejections to on_reject. Either returning false
// stops the read. IOError/NotFound when the file cannot be opened;
// InvalidArgument when its root element is not <mediawiki>.
core::Status read_mediawiki(const std::string& path,
                            const std::function<bool(storage::Document&&, int64_t line)>& on_document,
                            const std::function<bool(const Rejection&)>& on_reject, MediaWikiStats* stats);

}  // namespace kbseek::indexer
