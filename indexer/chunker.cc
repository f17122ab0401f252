// Chunking over ICU break iterators opened on UTF-8 UText, so boundaries are
// byte offsets without a UTF-16 round trip.
#include "indexer/chunker.h"

#include <unicode/brkiter.h>
#include <unicode/utext.h>

#include <memory>

namespace kbseek::indexer {
namespace {

bool is_blank(std::string_view s) {
  for (unsigned char c : s)
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') return false;
  return true;
}

// Shrinks [b, e) past ASCII whitespace at both ends.
void trim(std::string_view text, int64_t* b, int64_t* e) {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  while (*b < *e && ws(text[*b])) ++*b;
  while (*e > *b && ws(text[*e - 1])) --*e;
}

std::vector<int64_t> boundaries(std::string_view text, bool words) {
  std::vector<int64_t> out;
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> it(
      words ? icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status)
            : icu::BreakIterator::createSentenceInstance(icu::Locale::getRoot(), status));
  UText* ut = utext_openUTF8(nullptr, text.data(), static_cast<int64_t>(text.size()), &status);
  if (U_FAILURE(status) || !it) {
    if (ut) utext_close(ut);
    return {0, static_cast<int64_t>(text.size())};  // ICU data missing: one piece, still correct offsets
  }
  it->setText(ut, status);
  for (int32_t p = it->first(); p != icu::BreakIterator::DONE; p = it->next()) out.push_back(p);
  utext_close(ut);
  if (out.empty() || out.front() != 0) out.insert(out.begin(), 0);
  if (out.back() != static_cast<int64_t>(text.size())) out.push_back(static_cast<int64_t>(text.size()));
  return out;
}

// Cuts an over-long sentence at word boundaries into pieces within budget.
void split_long(std::string_view text, ChunkSpan s, int budget, const TokenCounter& count,
                std::vector<ChunkSpan>* out) {
  std::string_view sub = text.substr(s.start_byte, s.end_byte - s.start_byte);
  std::vector<int64_t> wb = boundaries(sub, /*words=*/true);
  ChunkSpan cur{s.start_byte, s.start_byte, 0};
  for (size_t i = 1; i < wb.size(); ++i) {
    std::string_view word = sub.substr(wb[i - 1], wb[i] - wb[i - 1]);
    int t = is_blank(word) ? 0 : count(word);
    if (cur.tokens + t > budget && cur.tokens > 0) {
      out->push_back(cur);
      cur = ChunkSpan{s.start_byte + wb[i - 1], s.start_byte + wb[i - 1], 0};
    }
    // A single "word" over budget (e.g. a 5,000-char URL) stays whole; the
    // encoder truncates it, which loses less than cutting inside a word.
    cur.end_byte = s.start_byte + wb[i];
    cur.tokens += t;
  }
  if (cur.end_byte > cur.start_byte) out->push_back(cur);
}

}  // namespace

std::vector<ChunkSpan> split_sentences(std::string_view text) {
  std::vector<ChunkSpan> out;
  std::vector<int64_t> sb = boundaries(text, /*words=*/false);
  for (size_t i = 1; i < sb.size(); ++i) {
    int64_t b = sb[i - 1], e = sb[i];
    trim(text, &b, &e);
    if (e > b) out.push_back(ChunkSpan{b, e, 0});
  }
  return out;
}

std::vector<ChunkSpan> chunk_text(std::string_view text, const ChunkerOptions& options,
                                  const TokenCounter& count_tokens) {
  const int budget = std::max(8, options.max_tokens);
  std::vector<ChunkSpan> pieces;
  for (ChunkSpan s : split_sentences(text)) {
    s.tokens = count_tokens(text.substr(s.start_byte, s.end_byte - s.start_byte));
    if (s.tokens > budget)
      split_long(text, s, budget, count_tokens, &pieces);
    else
      pieces.push_back(s);
  }

  std::vector<ChunkSpan> chunks;
  size_t i = 0;
  while (i < pieces.size()) {
    size_t first = i;
    ChunkSpan cur = pieces[i];
    ++i;
    while (i < pieces.size() && cur.tokens + pieces[i].tokens <= budget) {
      cur.end_byte = pieces[i].end_byte;
      cur.tokens += pieces[i].tokens;
      ++i;
    }
    chunks.push_back(cur);
    if (i >= pieces.size()) break;
    // Step back over whole trailing pieces for the overlap, never to or
    // before this chunk's first piece (that would loop forever).
    int overlap = 0;
    size_t back = i;
    while (back > first + 1 && overlap + pieces[back - 1].tokens <= options.overlap_tokens &&
           overlap + pieces[back - 1].tokens + pieces[i].tokens <= budget) {
      overlap += pieces[back - 1].tokens;
      --back;
    }
    i = back;
  }
  return chunks;
}

}  // namespace kbseek::indexer
