// Every input kbseek index accepts, read into cleaned documents.
//
// An input is a file, a folder or "-" (standard input). Formats:
//   jsonl        one JSON document per line (indexer/jsonl_reader.h)
//   csv, tsv     a header row and a column mapping (indexer/csv_reader.h)
//   mediawiki    a MediaWiki XML dump, one document per article (indexer/mediawiki_reader.h)
//   txt, md, html  one document per file (Markdown through cmark, HTML
//                through gumbo: indexer/markup_text.h)
// "auto" picks by the file name after stripping ".gz" (.jsonl/.json/.ndjson,
// .csv, .tsv/.tab, .xml, .txt/.text, .md/.markdown, .html/.htm); standard input
// in auto is JSONL. A folder is walked recursively in sorted order; files
// of the three document formats are read (their id is the path relative to
// the folder, their timestamp the file's mtime, the title from <title>, the
// first heading, or nothing), others are skipped and counted by extension.
// gzip and the charsets of text_decoder.h are handled everywhere. Every
// document's title and text are cleaned with normalize_text(). A whole-file
// document with undecodable bytes is still indexed (U+FFFD) and reported
// as a warning; a record of a line format is rejected.
#pragma once

#include <functional>
#include <map>
#include <string>

#include "core/status.h"
#include "indexer/csv_reader.h"
#include "indexer/jsonl_reader.h"
#include "storage/types.h"

namespace kbseek::indexer {

enum class InputFormat { kAuto, kJsonl, kCsv, kTsv, kText, kMarkdown, kHtml, kMediaWiki };

// "auto", "jsonl", "csv", "tsv", "mediawiki", "txt", "md", "html"; InvalidArgument otherwise.
core::Result<InputFormat> parse_input_format(const std::string& name);
const char* input_format_name(InputFormat f);
// The format auto-detection gives `path` (kAuto if its extension is unknown).
InputFormat format_of_path(const std::string& path);

struct ReadOptions {
  InputFormat format = InputFormat::kAuto;
  CsvColumns columns;
  // Whole-file documents (folders, txt/md/html) carry the file's Unix
  // permissions as their acl: a file others may read is public; any other
  // is readable by its group's name and "user:<owner>" (a front matter acl
  // wins). `kbseek index --acl-from-owner`, `sync --source file:///P?acl=owner`.
  bool acl_from_owner = false;
};

struct ReadStats {
  std::map<std::string, int64_t> documents_by_format;   // "jsonl" -> count
  std::map<std::string, int64_t> skipped_by_extension;  // ".pdf" -> count (folders)
  int64_t input_bytes = 0;                              // bytes of input files fully read so far
};

// Called with each cleaned document, its format name and its location
// ("FILE:LINE" or a path); returns false to stop.
using DocumentSink = std::function<bool(storage::Document&& doc, const char* format)>;
using RejectSink = std::function<bool(const Rejection& r)>;

// Reads `input`. InvalidArgument for an unknown format or a bad CSV header,
// IOError/NotFound naming the path when an input cannot be read at all
// (a folder's unreadable file is a rejection instead, the others still go in).
core::Status read_input(const std::string& input, const ReadOptions& options, const DocumentSink& on_document,
                        const RejectSink& on_reject, ReadStats* stats);

// The ids read_input gives the documents of folder `dir` (the relative
// paths of the files it reads), sorted; without reading them.
std::vector<std::string> folder_document_ids(const std::string& dir);

// Bytes of `input` (a folder: of the files read_input would read), for progress.
int64_t input_size(const std::string& input, InputFormat format);

}  // namespace kbseek::indexer
