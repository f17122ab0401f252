// Snippet selection. Matching runs on code points of a lower-cased copy, so
// offsets map back to the original text one to one (ICU's full case folding
// can change lengths; simple lower-casing per code point cannot).
#include "query/snippet.h"

#include <unicode/brkiter.h>
#include <unicode/uchar.h>
#include <unicode/utext.h>

#include <algorithm>
#include <memory>

#include "core/utf8.h"
#include "storage/stop_words.h"

namespace kbseek::query {
namespace {

std::u32string lower(std::u32string s) {
  for (auto& c : s) c = static_cast<char32_t>(u_tolower(static_cast<UChar32>(c)));
  return s;
}

bool has_word_char(std::string_view w) {
  size_t pos = 0;
  while (pos < w.size()) {
    char32_t c = core::decode_utf8(w, &pos);
    if (u_isalnum(static_cast<UChar32>(c)) || u_hasBinaryProperty(static_cast<UChar32>(c), UCHAR_IDEOGRAPHIC))
      return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> query_words(std::string_view query) {
  std::vector<std::string> out;
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> it(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
  UText* ut = utext_openUTF8(nullptr, query.data(), static_cast<int64_t>(query.size()), &status);
  if (U_FAILURE(status) || !it) {
    if (ut) utext_close(ut);
    return out;
  }
  it->setText(ut, status);
  int32_t prev = it->first();
  for (int32_t p = it->next(); p != icu::BreakIterator::DONE; prev = p, p = it->next()) {
    std::string_view w = query.substr(prev, p - prev);
    if (!has_word_char(w)) continue;
    std::string lw = core::to_utf8(lower(core::to_u32(w)));
    if (std::find(out.begin(), out.end(), lw) == out.end()) out.push_back(lw);
  }
  utext_close(ut);
  return out;
}

namespace {
// Runs of white space (newlines in abstracts, indentation) read as one space in a snippet.
std::u32string collapse_space(const std::u32string& s) {
  std::u32string out;
  out.reserve(s.size());
  for (char32_t c : s) {
    const bool space = u_isUWhiteSpace(static_cast<UChar32>(c));
    if (space && (out.empty() || out.back() == U' ')) continue;
    out.push_back(space ? U' ' : c);
  }
  while (!out.empty() && out.back() == U' ') out.pop_back();
  return out;
}
}  // namespace

namespace {

// Matches of `words` in `low` (lower-cased), as (position, length), sorted.
std::vector<std::pair<size_t, size_t>> find_matches(const std::u32string& low,
                                                    const std::vector<std::u32string>& words) {
  std::vector<std::pair<size_t, size_t>> hits;
  for (const auto& uw : words) {
    if (uw.empty()) continue;
    for (size_t p = low.find(uw); p != std::u32string::npos; p = low.find(uw, p + uw.size()))
      hits.emplace_back(p, uw.size());
  }
  std::sort(hits.begin(), hits.end());
  return hits;
}

// Sentence boundaries of `s` (code point offsets, first 0, last s.size()).
std::vector<size_t> sentence_breaks(const std::u32string& s) {
  std::vector<size_t> out = {0};
  const std::string utf8 = core::to_utf8(s);
  UErrorCode status = U_ZERO_ERROR;
  // One iterator per thread: creating one costs more than breaking a chunk.
  thread_local std::unique_ptr<icu::BreakIterator> cached(
      icu::BreakIterator::createSentenceInstance(icu::Locale::getRoot(), status));
  icu::BreakIterator* it = cached.get();
  UText* ut = utext_openUTF8(nullptr, utf8.data(), static_cast<int64_t>(utf8.size()), &status);
  if (U_SUCCESS(status) && it) {
    it->setText(ut, status);
    // Byte offsets to code point offsets, walking once.
    size_t byte = 0, cp = 0;
    for (int32_t p = it->next(); p != icu::BreakIterator::DONE; p = it->next()) {
      while (byte < static_cast<size_t>(p) && byte < utf8.size()) {
        core::decode_utf8(utf8, &byte);
        ++cp;
      }
      if (cp > out.back()) out.push_back(cp);
    }
  }
  if (ut) utext_close(ut);
  if (out.back() != s.size()) out.push_back(s.size());
  return out;
}

}  // namespace

Snippet make_highlighted_snippet(std::string_view text, const std::vector<std::string>& words, int max_chars) {
  const std::u32string orig = collapse_space(core::to_u32(text));
  const std::u32string low = lower(orig);
  const size_t n = orig.size(), max = static_cast<size_t>(std::max(max_chars, 1));
  std::vector<std::u32string> marked;  // the words worth marking
  for (const auto& w : words)
    if (!storage::is_stop_word(w)) marked.push_back(core::to_u32(w));
  const auto hits = find_matches(low, marked);

  size_t start = 0, end = std::min(n, max);
  if (n > max && !hits.empty()) {
    // The best sentence: most distinct words, weighted by their length.
    const std::vector<size_t> breaks = sentence_breaks(orig);
    size_t best = 0, best_score = 0;
    for (size_t s = 0; s + 1 < breaks.size(); ++s) {
      size_t score = 0;
      const std::u32string sentence = low.substr(breaks[s], breaks[s + 1] - breaks[s]);
      for (const auto& w : marked)
        if (!w.empty() && sentence.find(w) != std::u32string::npos) score += w.size();
      if (score > best_score) {
        best_score = score;
        best = s;
      }
    }
    start = breaks[best];
    end = breaks[best + 1];
    if (end - start > max) {
      // Too long: the densest window of matches inside it.
      size_t best_weight = 0, j = 0, weight = 0, best_start = start;
      std::vector<std::pair<size_t, size_t>> in;
      for (const auto& h : hits)
        if (h.first >= start && h.first + h.second <= end) in.push_back(h);
      for (size_t i = 0; i < in.size(); ++i) {
        weight += in[i].second;
        while (in[i].first + in[i].second > in[j].first + max) weight -= in[j++].second;
        if (weight > best_weight) {
          best_weight = weight;
          best_start = in[j].first;
        }
      }
      // A little context before the first match, within the sentence.
      best_start = best_start > start + max / 5 ? best_start - max / 5 : start;
      start = std::min(best_start, end - max);
      end = start + max;
    } else {
      // Room to spare: the sentences after it while they fit.
      for (size_t s = best + 1; s + 1 < breaks.size() && breaks[s + 1] - start <= max; ++s) end = breaks[s + 1];
    }
    // A sentence ends in its trailing space: not shown.
    while (end > start && orig[end - 1] == U' ') --end;
  }
  Snippet out;
  const int offset = start > 0 ? 1 : 0;  // the leading "…"
  if (start > 0) out.text += "…";
  out.text += core::to_utf8(orig.substr(start, end - start));
  if (end < n) out.text += "…";
  for (const auto& [p, len] : hits) {
    if (p < start || p + len > end) continue;
    const int a = static_cast<int>(p - start) + offset, b = a + static_cast<int>(len);
    if (!out.highlights.empty() && a <= out.highlights.back().second) {
      out.highlights.back().second = std::max(out.highlights.back().second, b);
    } else {
      out.highlights.emplace_back(a, b);
    }
  }
  return out;
}

std::string make_snippet(std::string_view text, const std::vector<std::string>& words, int max_chars) {
  return make_highlighted_snippet(text, words, max_chars).text;
}

}  // namespace kbseek::query
