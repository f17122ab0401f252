// Stop words of English and Chinese, which BM25 queries can leave out
// (XapianOptions::drop_stop_words; off by default, as measured there).
//
// They stay in the index (documents are analysed in full), so a query made
// only of stop words ("to be or not to be", "的") still finds what holds
// them: drop_stop_words() keeps a query's terms when removing the stop words
// would leave nothing. The lists are small and conservative: function words
// whose BM25 weight is near zero anyway, whose removal mostly saves time on
// long queries and avoids matching on them alone. English entries are
// compared after the analyzer's stemming ("was" -> "was", "being" -> "be").
#pragma once

#include <string>
#include <vector>

namespace kbseek::storage {

// Whether `term` (an analyzer term) is a stop word.
bool is_stop_word(const std::string& term);

// `terms` without stop words, or `terms` itself if all are stop words.
std::vector<std::string> drop_stop_words(const std::vector<std::string>& terms);

}  // namespace kbseek::storage
