// Conditions through the lexical index, chunks to their documents.
#include "query/selection.h"

#include <set>

#include "query/query.h"

namespace kbseek::query {

core::Result<std::vector<std::string>> select_documents(const storage::IndexFolder& index, std::string_view filter) {
  const std::string what(filter);
  KB_ASSIGN_OR_RETURN(const Query q, parse_query(what, &index));
  if (!q.warnings.empty()) return core::Status::invalid_argument("filter \"" + what + "\": " + q.warnings[0]);
  if (!q.text.empty() || q.must.empty())
    return core::Status::invalid_argument(
        "a filter holds conditions only (field:value, lang:, time:, +\"phrase\"), "
        "not words to score: \"" +
        what + "\"");
  KB_ASSIGN_OR_RETURN(auto hits, index.search_lexical(storage::LexicalQuery{{}, q.must},
                                                      static_cast<int>(index.chunk_count() + 1), nullptr));
  std::vector<int64_t> chunks;
  for (const auto& h : hits) chunks.push_back(h.chunk_id);
  KB_ASSIGN_OR_RETURN(auto docs, index.chunk_documents(chunks));
  std::set<std::string> unique(docs.begin(), docs.end());
  unique.erase("");
  return std::vector<std::string>(unique.begin(), unique.end());
}

}  // namespace kbseek::query
