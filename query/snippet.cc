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

std::string make_snippet(std::string_view text, const std::vector<std::string>& words, int max_chars) {
  std::u32string orig = collapse_space(core::to_u32(text));
  const size_t n = orig.size();
  if (n <= static_cast<size_t>(max_chars)) return core::to_utf8(orig);
  std::u32string low = lower(orig);
  // Match positions, weighted by length so one long word beats stop-word noise.
  std::vector<std::pair<size_t, size_t>> hits;  // (position, length)
  for (const auto& w : words) {
    std::u32string uw = core::to_u32(w);
    if (uw.empty()) continue;
    for (size_t p = low.find(uw); p != std::u32string::npos; p = low.find(uw, p + uw.size()))
      hits.emplace_back(p, uw.size());
  }
  size_t best_start = 0;
  if (!hits.empty()) {
    std::sort(hits.begin(), hits.end());
    size_t best_weight = 0, j = 0, weight = 0;
    for (size_t i = 0; i < hits.size(); ++i) {
      weight += hits[i].second;
      while (hits[i].first + hits[i].second > hits[j].first + static_cast<size_t>(max_chars)) weight -= hits[j++].second;
      if (weight > best_weight) {
        best_weight = weight;
        best_start = hits[j].first;
      }
    }
    // Show a little context before the first match.
    best_start = best_start > static_cast<size_t>(max_chars) / 5 ? best_start - max_chars / 5 : 0;
  }
  best_start = std::min(best_start, n - static_cast<size_t>(max_chars));
  std::string out;
  if (best_start > 0) out += "…";
  out += core::to_utf8(orig.substr(best_start, max_chars));
  if (best_start + max_chars < n) out += "…";
  return out;
}

}  // namespace kbseek::query
