// Dispatch by format; the folder walk; whole-file documents.
#include "indexer/document_source.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <vector>

#include "indexer/input_file.h"
#include "indexer/markup_text.h"
#include "indexer/mediawiki_reader.h"
#include "indexer/normalize.h"
#include "indexer/text_decoder.h"

namespace kbseek::indexer {

namespace fs = std::filesystem;

core::Result<InputFormat> parse_input_format(const std::string& name) {
  if (name == "auto") return InputFormat::kAuto;
  if (name == "jsonl") return InputFormat::kJsonl;
  if (name == "csv") return InputFormat::kCsv;
  if (name == "tsv") return InputFormat::kTsv;
  if (name == "txt") return InputFormat::kText;
  if (name == "md") return InputFormat::kMarkdown;
  if (name == "html") return InputFormat::kHtml;
  if (name == "mediawiki") return InputFormat::kMediaWiki;
  return core::Status::invalid_argument("--format \"" + name +
                                        "\" is not one of auto, jsonl, csv, tsv, mediawiki, txt, md, html");
}

const char* input_format_name(InputFormat f) {
  switch (f) {
    case InputFormat::kAuto: return "auto";
    case InputFormat::kJsonl: return "jsonl";
    case InputFormat::kCsv: return "csv";
    case InputFormat::kTsv: return "tsv";
    case InputFormat::kText: return "txt";
    case InputFormat::kMarkdown: return "md";
    case InputFormat::kHtml: return "html";
    case InputFormat::kMediaWiki: return "mediawiki";
  }
  return "auto";
}

namespace {

std::string extension_of(const std::string& path) {
  std::string name = fs::path(path).filename().string();
  if (name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0) name.resize(name.size() - 3);
  const size_t dot = name.find_last_of('.');
  std::string ext = dot == std::string::npos || dot == 0 ? "" : name.substr(dot);
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext;
}

bool whole_file_format(InputFormat f) {
  return f == InputFormat::kText || f == InputFormat::kMarkdown || f == InputFormat::kHtml;
}

// One txt/md/html file as one document; id as given.
// The acl a file's Unix permissions give: public when others may read it,
// else its group's name and "user:<owner>".
std::vector<std::string> owner_acl(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || (st.st_mode & S_IROTH)) return {};
  std::vector<std::string> acl;
  if (const group* g = ::getgrgid(st.st_gid))
    acl.emplace_back(g->gr_name);
  else
    acl.push_back("gid:" + std::to_string(st.st_gid));
  if (const passwd* u = ::getpwuid(st.st_uid))
    acl.push_back(std::string("user:") + u->pw_name);
  else
    acl.push_back("uid:" + std::to_string(st.st_uid));
  return acl;
}

bool read_file_document(const std::string& path, const std::string& id, InputFormat format, bool acl_from_owner,
                        const DocumentSink& on_document, const RejectSink& on_reject, ReadStats* stats) {
  auto input = InputFile::open(path);
  if (!input.is_ok()) return on_reject(Rejection{path, 0, input.status().message()});
  auto bytes = input.value()->read_rest();
  if (!bytes.is_ok()) return on_reject(Rejection{path, 0, bytes.status().message()});
  const std::string& raw = bytes.value();
  const TextDecoder decoder = TextDecoder::detect(std::string_view(raw).substr(0, 64 * 1024));
  DecodeReport report;
  std::string text = decoder.decode(std::string_view(raw).substr(TextDecoder::bom_length(raw)), &report);
  if (report.bad_bytes > 0 &&
      !on_reject(Rejection{path, 0,
                           std::to_string(report.bad_bytes) + " byte(s) not valid " + decoder.name() +
                               " (first at byte " + std::to_string(report.first_bad_offset + 1) + ") indexed as U+FFFD",
                           /*warning=*/true}))
    return false;
  storage::Document doc;
  doc.id = id;
  std::optional<int64_t> own_time;  // the document's own record of its time beats the file's mtime
  if (format == InputFormat::kHtml || format == InputFormat::kMarkdown) {
    MarkupText m = format == InputFormat::kHtml ? html_to_text(text) : markdown_to_text(text);
    doc.title = std::move(m.title);
    doc.text = std::move(m.text);
    doc.metadata_json = std::move(m.metadata_json);
    doc.acl = std::move(m.acl);
    own_time = m.timestamp;
  } else {
    doc.text = std::move(text);
    // A plain file's name is the best title it has ("vpn-reset.txt" -> "vpn-reset").
    std::string stem = fs::path(id).filename().string();
    if (stem.size() > 3 && stem.compare(stem.size() - 3, 3, ".gz") == 0) stem.resize(stem.size() - 3);
    doc.title = fs::path(stem).stem().string();
  }
  doc.title = normalize_text(doc.title);
  doc.text = normalize_text(doc.text);
  std::error_code ec;
  const auto mtime = fs::last_write_time(path, ec);
  if (own_time)
    doc.timestamp = own_time;
  else if (!ec)
    doc.timestamp =
        std::chrono::duration_cast<std::chrono::seconds>((mtime - fs::file_time_type::clock::now()) +
                                                         std::chrono::system_clock::now().time_since_epoch())
            .count();
  if (acl_from_owner && doc.acl.empty()) doc.acl = owner_acl(path);
  if (stats) stats->input_bytes += static_cast<int64_t>(raw.size());
  if (doc.text.find_first_not_of(" \n") == std::string::npos && doc.title.empty())
    return on_reject(Rejection{path, 0, "empty document: no text after cleaning"});
  if (stats) ++stats->documents_by_format[input_format_name(format)];
  return on_document(std::move(doc), input_format_name(format));
}

std::vector<std::string> folder_files(const std::string& dir, ReadStats* stats, InputFormat forced,
                                      std::vector<InputFormat>* formats) {
  std::vector<std::string> files;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    files.push_back(it->path().string());
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> kept;
  for (const auto& f : files) {
    InputFormat fmt = forced != InputFormat::kAuto ? forced : format_of_path(f);
    if (!whole_file_format(fmt)) {
      if (stats) {
        const std::string ext = extension_of(f);
        ++stats->skipped_by_extension[ext.empty() ? "(none)" : ext];
      }
      continue;
    }
    kept.push_back(f);
    formats->push_back(fmt);
  }
  return kept;
}

// A folder's document's id: its path relative to the folder (the path as
// given if that fails).
std::string folder_id(const std::string& file, const std::string& dir) {
  std::error_code ec;
  const std::string id = fs::relative(file, dir, ec).generic_string();
  return ec ? file : id;
}

}  // namespace

std::vector<std::string> folder_document_ids(const std::string& dir) {
  std::vector<InputFormat> formats;
  std::vector<std::string> ids;
  for (const auto& f : folder_files(dir, nullptr, InputFormat::kAuto, &formats)) ids.push_back(folder_id(f, dir));
  return ids;
}

InputFormat format_of_path(const std::string& path) {
  const std::string ext = extension_of(path);
  if (ext == ".jsonl" || ext == ".json" || ext == ".ndjson") return InputFormat::kJsonl;
  if (ext == ".csv") return InputFormat::kCsv;
  if (ext == ".tsv" || ext == ".tab") return InputFormat::kTsv;
  if (ext == ".xml") return InputFormat::kMediaWiki;  // the one XML input; others are refused by their root
  if (ext == ".txt" || ext == ".text") return InputFormat::kText;
  if (ext == ".md" || ext == ".markdown") return InputFormat::kMarkdown;
  if (ext == ".html" || ext == ".htm" || ext == ".xhtml") return InputFormat::kHtml;
  return InputFormat::kAuto;
}

core::Status read_input(const std::string& input, const ReadOptions& options, const DocumentSink& on_document,
                        const RejectSink& on_reject, ReadStats* stats) {
  std::error_code ec;
  if (input != "-" && fs::is_directory(input, ec)) {
    std::vector<InputFormat> formats;
    const std::vector<std::string> files = folder_files(input, stats, options.format, &formats);
    for (size_t i = 0; i < files.size(); ++i) {
      if (!read_file_document(files[i], folder_id(files[i], input), formats[i], options.acl_from_owner, on_document,
                              on_reject, stats))
        return core::Status::ok();
    }
    return core::Status::ok();
  }
  if (input != "-" && !fs::exists(input, ec)) return core::Status::not_found(input + ": no such file or folder");
  InputFormat fmt = options.format != InputFormat::kAuto ? options.format : format_of_path(input);
  if (fmt == InputFormat::kAuto) {
    if (input != "-")
      return core::Status::invalid_argument(input + ": cannot tell the format from the name; give --format");
    fmt = InputFormat::kJsonl;
  }
  if (whole_file_format(fmt)) {
    const std::string id = input == "-" ? "stdin" : fs::path(input).filename().string();
    read_file_document(input, id, fmt, options.acl_from_owner, on_document, on_reject, stats);
    return core::Status::ok();
  }
  const char* name = input_format_name(fmt);
  auto clean_and_pass = [&](storage::Document&& doc, int64_t) {
    doc.title = normalize_text(doc.title);
    doc.text = normalize_text(doc.text);
    if (stats) ++stats->documents_by_format[name];
    return on_document(std::move(doc), name);
  };
  if (fmt == InputFormat::kMediaWiki) {
    core::Status st = read_mediawiki(input, clean_and_pass, on_reject, nullptr);
    if (stats && input != "-") stats->input_bytes += static_cast<int64_t>(fs::file_size(input, ec));
    return st;
  }
  core::Status st = fmt == InputFormat::kJsonl ? read_jsonl(input, clean_and_pass, on_reject)
                                               : read_csv(input, fmt == InputFormat::kCsv ? ',' : '\t', options.columns,
                                                          clean_and_pass, on_reject);
  if (stats && input != "-") stats->input_bytes += static_cast<int64_t>(fs::file_size(input, ec));
  return st;
}

int64_t input_size(const std::string& input, InputFormat format) {
  std::error_code ec;
  if (input == "-") return 0;
  if (!fs::is_directory(input, ec)) {
    const auto n = fs::file_size(input, ec);
    return ec ? 0 : static_cast<int64_t>(n);
  }
  std::vector<InputFormat> formats;
  int64_t total = 0;
  for (const auto& f : folder_files(input, nullptr, format, &formats)) {
    const auto n = fs::file_size(f, ec);
    if (!ec) total += static_cast<int64_t>(n);
  }
  return total;
}

}  // namespace kbseek::indexer
