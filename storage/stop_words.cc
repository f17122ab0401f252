// The lists: English from the classic SMART/Snowball core, Chinese function
// words (particles, pronouns, prepositions, conjunctions) as ICU segments them.
#include "storage/stop_words.h"

#include <xapian.h>

#include <unordered_set>

namespace kbseek::storage {
namespace {

const std::unordered_set<std::string>& stop_set() {
  static const std::unordered_set<std::string> set = [] {
    const char* english[] = {
        "a",     "an",    "the",   "and",   "or",     "but",   "if",    "of",      "at",    "by",    "for",   "with",
        "about", "to",    "from",  "in",    "on",     "into",  "onto",  "over",    "under", "than",  "then",  "so",
        "as",    "is",    "are",   "was",   "were",   "be",    "been",  "being",   "am",    "do",    "does",  "did",
        "doing", "have",  "has",   "had",   "having", "it",    "its",   "this",    "that",  "these", "those", "there",
        "here",  "i",     "me",    "my",    "we",     "our",   "you",   "your",    "he",    "him",   "his",   "she",
        "her",   "they",  "them",  "their", "what",   "which", "who",   "whom",    "whose", "how",   "when",  "where",
        "why",   "can",   "could", "would", "should", "will",  "shall", "may",     "might", "must",  "not",   "no",
        "nor",   "any",   "all",   "each",  "some",   "such",  "very",  "too",     "also",  "just",  "only",  "own",
        "same",  "other", "up",    "down",  "out",    "off",   "again", "further", "once",  "both",  "few",   "more",
        "most",  "s",     "t"};
    const char* chinese[] = {"的",   "了",   "着",   "过",   "是",   "在",   "和",   "与",   "及",   "或",   "也",
                             "就",   "都",   "而",   "等",   "这",   "那",   "之",   "其",   "被",   "把",   "对",
                             "为",   "以",   "于",   "从",   "向",   "由",   "啊",   "吗",   "呢",   "吧",   "呀",
                             "么",   "个",   "我",   "你",   "他",   "她",   "它",   "我们", "你们", "他们", "什么",
                             "哪",   "哪些", "如何", "怎么", "怎样", "是否", "一个", "有",   "没有", "这个", "那个",
                             "这些", "那些", "并",   "且",   "但",   "而且", "因为", "所以", "如果", "则",   "呢",
                             "之",   "乎",   "者",   "得",   "地"};
    std::unordered_set<std::string> s;
    Xapian::Stem stem("english");
    for (const char* w : english) {
      s.insert(w);
      s.insert(stem(w));
    }
    for (const char* w : chinese) s.insert(w);
    (void)chinese;
    return s;
  }();
  return set;
}

}  // namespace

bool is_stop_word(const std::string& term) { return stop_set().count(term) > 0; }

std::vector<std::string> drop_stop_words(const std::vector<std::string>& terms) {
  std::vector<std::string> kept;
  kept.reserve(terms.size());
  for (const auto& t : terms)
    if (!is_stop_word(t)) kept.push_back(t);
  return kept.empty() ? terms : kept;
}

}  // namespace kbseek::storage
