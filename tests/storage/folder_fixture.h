// A small bilingual corpus with chunks and vectors for the index folder tests.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "storage/index_folder.h"
#include "tests/storage/test_util.h"

namespace kbseek::storage::testing {

constexpr int kFolderDim = 16;

inline IndexOptions folder_options(int64_t ivf_threshold = FaissOptions{}.ivf_threshold) {
  IndexOptions o;
  o.model_name = "test-model";
  o.model_fingerprint = "sha256:0123";
  o.dimension = kFolderDim;
  o.ivf_threshold = ivf_threshold;
  return o;
}

// Splits after every occurrence of `sep` (kept in the chunk), recording byte offsets.
inline std::vector<Chunk> split_chunks(const std::string& text, const std::string& sep) {
  std::vector<Chunk> chunks;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(sep, start);
    end = end == std::string::npos ? text.size() : end + sep.size();
    Chunk c;
    c.ordinal = static_cast<int>(chunks.size());
    c.text = text.substr(start, end - start);
    c.start_byte = static_cast<int64_t>(start);
    c.end_byte = static_cast<int64_t>(end);
    chunks.push_back(c);
    start = end;
  }
  return chunks;
}

struct Entry {
  Document doc;
  std::vector<Chunk> chunks;
  std::vector<float> vectors;  // chunks.size() x kFolderDim
};

inline Entry make_entry(const std::string& id, const std::string& title, const std::string& text,
                        const std::string& sep, unsigned seed) {
  Entry e;
  e.doc.id = id;
  e.doc.title = title;
  e.doc.text = text;
  e.chunks = split_chunks(text, sep);
  e.vectors = random_unit_vectors(e.chunks.size(), kFolderDim, seed);
  return e;
}

inline std::vector<Entry> small_corpus() {
  std::vector<Entry> c;
  c.push_back(make_entry("zh-db", "数据库",
                         "数据库管理系统是一种操纵和管理数据库的大型软件。它用于建立、使用和维护数据库。", "。", 11));
  c.push_back(make_entry("en-dogs", "Dogs",
                         "The dogs were running in the park. Cats prefer sleeping on warm windowsills.", ". ", 12));
  c.push_back(make_entry("mixed", "groff", "用 groff 模拟 nroff 命令。groff 是 GNU 的排版系统。", "。", 13));
  c.push_back(make_entry("zh-life", "", "研究生命起源是生物学的重要课题。", "。", 14));
  c[0].doc.timestamp = 1700000000;
  c[0].doc.acl = {"alice"};
  c[0].doc.metadata_json = R"({"source":"wiki"})";
  return c;
}

}  // namespace kbseek::storage::testing
