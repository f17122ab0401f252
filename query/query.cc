// parse_query: the filters, the features, the words and the lexical terms, once.
#include "query/query.h"

#include <unicode/uchar.h>

#include <algorithm>
#include <cctype>

#include "core/ascii.h"
#include "core/utf8.h"
#include "query/query_language.h"
#include "query/query_syntax.h"
#include "query/snippet.h"
#include "storage/entities.h"
#include "storage/index_folder.h"
#include "storage/lexical_index.h"

namespace kbseek::query {
namespace {

bool contains(std::string_view text, std::string_view word) { return text.find(word) != std::string_view::npos; }

// Runs of ASCII letters, digits and the joiners identifiers use, with
// leading and trailing joiners trimmed: "A100的显存", "std::vector?" ->
// "A100", "std::vector".
std::vector<std::string> ascii_tokens(std::string_view text) {
  std::vector<std::string> out;
  auto is_part = [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == ':' || c == '-' || c == ',';
  };
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && !is_part(text[i])) ++i;
    size_t end = i;
    while (end < text.size() && is_part(text[end])) ++end;
    std::string_view t = text.substr(i, end - i);
    while (!t.empty() && !std::isalnum(static_cast<unsigned char>(t.front()))) t.remove_prefix(1);
    while (!t.empty() && !std::isalnum(static_cast<unsigned char>(t.back()))) t.remove_suffix(1);
    if (!t.empty()) out.emplace_back(t);
    i = end;
  }
  return out;
}

bool is_number(std::string_view t) {
  bool digit = false;
  for (char c : t) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digit = true;
    } else if (c != '.' && c != ',') {
      return false;
    }
  }
  return digit;
}

bool is_identifier(std::string_view t) {
  int letters = 0, digits = 0, upper = 0, inner_upper = 0;
  for (size_t i = 0; i < t.size(); ++i) {
    const auto c = static_cast<unsigned char>(t[i]);
    if (std::isalpha(c)) ++letters;
    if (std::isdigit(c)) ++digits;
    if (std::isupper(c)) {
      ++upper;
      if (i > 0 && std::islower(static_cast<unsigned char>(t[i - 1]))) ++inner_upper;
    }
  }
  if (letters == 0) return false;
  if (digits > 0) return true;                                                                  // A100, gpt4o, RFC9110
  if (contains(t, "_") || contains(t, "::")) return true;                                       // max_k, std::vector
  if (inner_upper > 0) return true;                                                             // LangChain, iPhone
  return letters >= 2 && upper == letters && t.find_first_of(".,-") == std::string_view::npos;  // VPN
}

// Question words, most specific first: "什么时候" is when before "什么" is what.
struct Cue {
  std::string_view word;
  QuestionForm form;
};
constexpr Cue kChineseCues[] = {
    {"为什么", QuestionForm::kWhy},    {"为何", QuestionForm::kWhy},       {"什么时候", QuestionForm::kWhen},
    {"何时", QuestionForm::kWhen},     {"哪一年", QuestionForm::kWhen},    {"哪年", QuestionForm::kWhen},
    {"哪里", QuestionForm::kWhere},    {"哪儿", QuestionForm::kWhere},     {"在哪", QuestionForm::kWhere},
    {"何处", QuestionForm::kWhere},    {"多少", QuestionForm::kQuantity},  {"几个", QuestionForm::kQuantity},
    {"几年", QuestionForm::kQuantity}, {"几次", QuestionForm::kQuantity},  {"几种", QuestionForm::kQuantity},
    {"怎么", QuestionForm::kHow},      {"怎样", QuestionForm::kHow},       {"如何", QuestionForm::kHow},
    {"什么", QuestionForm::kWhat},     {"啥", QuestionForm::kWhat},        {"哪个", QuestionForm::kWhich},
    {"哪些", QuestionForm::kWhich},    {"哪位", QuestionForm::kWho},       {"谁", QuestionForm::kWho},
    {"是否", QuestionForm::kYesNo},    {"是不是", QuestionForm::kYesNo},   {"有没有", QuestionForm::kYesNo},
    {"能不能", QuestionForm::kYesNo},  {"可不可以", QuestionForm::kYesNo},
};

QuestionForm chinese_question(std::string_view text) {
  // The earliest cue wins ("为什么说…是什么" asks why); at one position, the
  // longest (kChineseCues lists longer words before their prefixes).
  size_t best_pos = std::string_view::npos;
  QuestionForm best = QuestionForm::kNone;
  for (const auto& cue : kChineseCues) {
    const size_t pos = text.find(cue.word);
    if (pos != std::string_view::npos && (best_pos == std::string_view::npos || pos < best_pos)) {
      best_pos = pos;
      best = cue.form;
    }
  }
  if (best != QuestionForm::kNone) return best;
  // A closing 吗 (or 吗？) makes a yes-no question.
  std::string_view t = text;
  while (!t.empty() && (t.back() == '?' || t.back() == ' ')) t.remove_suffix(1);
  for (std::string_view end : {"？", "吗", "么"}) {
    if (t.size() >= end.size() && t.substr(t.size() - end.size()) == end) {
      if (end == "？") {
        t.remove_suffix(end.size());
        continue;
      }
      return QuestionForm::kYesNo;
    }
  }
  return QuestionForm::kNone;
}

QuestionForm english_question(const std::vector<std::string>& words) {
  if (words.empty()) return QuestionForm::kNone;
  const std::string& w = words[0];
  const std::string next = words.size() > 1 ? words[1] : "";
  if (w == "how") return next == "many" || next == "much" ? QuestionForm::kQuantity : QuestionForm::kHow;
  if (w == "what") return QuestionForm::kWhat;
  if (w == "why") return QuestionForm::kWhy;
  if (w == "when") return QuestionForm::kWhen;
  if (w == "where") return QuestionForm::kWhere;
  if (w == "who" || w == "whom" || w == "whose") return QuestionForm::kWho;
  if (w == "which") return QuestionForm::kWhich;
  static const char* const kAux[] = {
      "is",   "are", "was", "were",  "do",   "does",  "did",    "can",     "could", "should", "will",  "would", "has",
      "have", "had", "may", "might", "must", "isn't", "aren't", "doesn't", "don't", "can't",  "won't", "didn't"};
  for (const char* a : kAux)
    if (w == a) return QuestionForm::kYesNo;
  return QuestionForm::kNone;
}

TimeIntent time_intent(std::string_view text, const std::vector<std::string>& lower_tokens) {
  TimeIntent out;
  for (std::string_view w : {"最新", "最近", "近期", "目前", "当前", "现在", "今年", "近年", "本月", "今天"})
    out.recent = out.recent || contains(text, w);
  for (const auto& t : lower_tokens) {
    for (std::string_view w : {"latest", "recent", "recently", "newest", "current", "currently", "today", "now"})
      out.recent = out.recent || t == w;
  }
  for (size_t i = 0; i + 1 < lower_tokens.size(); ++i)
    out.recent = out.recent || (lower_tokens[i] == "this" && lower_tokens[i + 1] == "year");
  // Years: four digits 1900-2099 not inside a longer number ("2025",
  // "2025年", "2025-09"), in order, once each.
  for (size_t i = 0; i + 4 <= text.size(); ++i) {
    auto digit = [&](size_t j) { return j < text.size() && std::isdigit(static_cast<unsigned char>(text[j])); };
    if (!(digit(i) && digit(i + 1) && digit(i + 2) && digit(i + 3))) continue;
    if ((i > 0 && digit(i - 1)) || digit(i + 4)) continue;
    const int year = std::stoi(std::string(text.substr(i, 4)));
    if (year >= 1900 && year <= 2099 && std::find(out.years.begin(), out.years.end(), year) == out.years.end())
      out.years.push_back(year);
  }
  return out;
}

void add_languages(Query* q) {
  const auto counts = script_counts(q->text);
  int total = 0;
  for (const auto& [script, n] : counts) total += n;
  q->length = total;
  if (total == 0) return;
  std::map<std::string, double> by_language;
  const bool kana = counts.count("kana") != 0;
  for (const auto& [script, n] : counts) {
    const double share = static_cast<double>(n) / total;
    q->script_shares[script] = share;
    std::string lang;
    if (script == "han")
      lang = kana ? "ja" : "zh";
    else if (script == "kana")
      lang = "ja";
    else if (script == "hangul")
      lang = "ko";
    else if (script == "latin")
      lang = "en";
    else if (script == "cyrillic")
      lang = "ru";
    else if (script == "arabic")
      lang = "ar";
    if (!lang.empty()) by_language[lang] += share;
  }
  std::vector<std::pair<std::string, double>> order(by_language.begin(), by_language.end());
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [lang, share] : order) q->languages.push_back(lang);
}

}  // namespace

const char* question_form_name(QuestionForm form) {
  switch (form) {
    case QuestionForm::kNone: return "none";
    case QuestionForm::kWhat: return "what";
    case QuestionForm::kHow: return "how";
    case QuestionForm::kWhy: return "why";
    case QuestionForm::kWhen: return "when";
    case QuestionForm::kWhere: return "where";
    case QuestionForm::kWho: return "who";
    case QuestionForm::kWhich: return "which";
    case QuestionForm::kQuantity: return "quantity";
    case QuestionForm::kYesNo: return "yes-no";
  }
  return "none";
}

core::Result<Query> parse_query(std::string_view raw, const storage::IndexFolder* index) {
  if (!core::is_valid_utf8(raw)) return core::Status::invalid_argument("query is not valid UTF-8");
  Query q;
  q.raw = std::string(raw);
  SyntaxContext context;
  storage::IndexedFields fields;
  // Only a field (name:value) or a phrase needs what the index holds: one
  // metadata read, spared for the plain queries that are most of them.
  const bool syntax = raw.find(':') != std::string_view::npos || raw.find('"') != std::string_view::npos;
  if (index != nullptr) {
    context.analyze = [index](std::string_view s) { return index->query_terms(s).known; };
  }
  if (index != nullptr && syntax) {
    auto f = index->indexed_fields();
    if (f.is_ok()) {
      fields = std::move(f).value();
    } else {
      q.warnings.push_back("fields of this index not read (" + f.status().to_string() + "); fields searched as words");
    }
    context.fields = &fields;
  }
  ParsedSyntax parsed = parse_syntax(raw, context);
  q.text = std::move(parsed.text);
  q.must = std::move(parsed.must);
  q.described = std::move(parsed.described);
  q.warnings.insert(q.warnings.end(), parsed.warnings.begin(), parsed.warnings.end());
  add_languages(&q);
  for (const auto& e : storage::extract_entities(q.text)) {
    std::string term = storage::entity_filter_term(e.value);
    if (std::find(q.entity_terms.begin(), q.entity_terms.end(), term) == q.entity_terms.end())
      q.entity_terms.push_back(std::move(term));
  }
  std::vector<std::string> lower_tokens;
  for (auto& t : ascii_tokens(q.text)) {
    if (is_number(t)) {
      q.numbers.push_back(t);
    } else if (is_identifier(t)) {
      q.identifiers.push_back(t);
    }
    lower_tokens.push_back(core::ascii_lower(t));
  }
  q.question = chinese_question(q.text);
  if (q.question == QuestionForm::kNone) q.question = english_question(lower_tokens);
  q.time = time_intent(q.text, lower_tokens);
  q.words = query_words(q.text);
  if (index != nullptr) {
    storage::QueryTerms terms = index->query_terms(q.text);
    q.search_terms = std::move(terms.search);
    q.known_terms = std::move(terms.known);
    // 数据库 also marks 資料庫 in a traditional passage that folding found.
    for (const std::string& variant : terms.variants)
      for (std::string& w : query_words(variant))
        if (std::find(q.words.begin(), q.words.end(), w) == q.words.end()) q.words.push_back(std::move(w));
  }
  return q;
}

}  // namespace kbseek::query
