// The Qwen2 split pattern as a scanner over code points. Each alternative
// below is the regex's, in its order; the comments give the backtracking
// result that the code computes directly, so a match costs O(its length)
// (plus one look at the whitespace run it starts) and the whole scan is
// linear — no engine, no catastrophic cases on long runs of spaces.
#include "encoder/pretokenize_regex.h"

#include <unicode/uchar.h>

#include "core/utf8.h"

namespace kbseek::encoder {

const std::string_view kQwen2SplitPattern =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

std::optional<SplitRegex> recognise_split_regex(std::string_view pattern) {
  if (pattern == kQwen2SplitPattern) return SplitRegex::kQwen2;
  return std::nullopt;
}

namespace {

enum Class : unsigned char { kLetter, kNumber, kSpace, kOther };

// Letters and numbers assigned in Unicode 15.1 and 16.0, which HF tokenizers'
// Oniguruma (tokenizers 0.23) knows and ICU 72 (Unicode 15.0, Debian 12)
// does not: CJK Extension I, Egyptian Hieroglyphs Extended-A, Garay, Todhri,
// Tulu-Tigalari, Sunuwar, Gurung Khema, Kirat Rai, Ol Onal, Khitan, …
// Found by classifying every code point both ways; with them the two agree
// on all 1,112,064. Consulted only for what ICU calls unassigned, so a newer
// ICU makes the table redundant, never wrong.
struct Unicode16Range {
  char32_t first, last;
  Class cls;
};
constexpr Unicode16Range kUnicode16[] = {
    {0x1C89, 0x1C8A, kLetter},   {0xA7CB, 0xA7CD, kLetter},   {0xA7DA, 0xA7DC, kLetter},   {0x105C0, 0x105F3, kLetter},
    {0x10D40, 0x10D49, kNumber}, {0x10D4A, 0x10D65, kLetter}, {0x10D6F, 0x10D85, kLetter}, {0x10EC2, 0x10EC4, kLetter},
    {0x11380, 0x11389, kLetter}, {0x1138B, 0x1138B, kLetter}, {0x1138E, 0x1138E, kLetter}, {0x11390, 0x113B5, kLetter},
    {0x113B7, 0x113B7, kLetter}, {0x113D1, 0x113D1, kLetter}, {0x113D3, 0x113D3, kLetter}, {0x116D0, 0x116E3, kNumber},
    {0x11BC0, 0x11BE0, kLetter}, {0x11BF0, 0x11BF9, kNumber}, {0x13460, 0x143FA, kLetter}, {0x16100, 0x1611D, kLetter},
    {0x16130, 0x16139, kNumber}, {0x16D40, 0x16D6C, kLetter}, {0x16D70, 0x16D79, kNumber}, {0x18CFF, 0x18CFF, kLetter},
    {0x1CCF0, 0x1CCF9, kNumber}, {0x1E5D0, 0x1E5ED, kLetter}, {0x1E5F0, 0x1E5F0, kLetter}, {0x1E5F1, 0x1E5FA, kNumber},
    {0x2EBF0, 0x2EE5D, kLetter},
};

Class classify_unassigned(char32_t c) {
  for (const Unicode16Range& r : kUnicode16) {
    if (c < r.first) break;
    if (c <= r.last) return r.cls;
  }
  return kOther;
}

Class classify(char32_t c) {
  if (c < 0x80) {  // the common case without a table lookup
    if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return kLetter;
    if (c >= '0' && c <= '9') return kNumber;
    if (c == ' ' || (c >= '\t' && c <= '\r')) return kSpace;
    return kOther;
  }
  const uint32_t mask = U_GET_GC_MASK(static_cast<UChar32>(c));
  if (mask & U_GC_L_MASK) return kLetter;
  if (mask & U_GC_N_MASK) return kNumber;
  if (u_isUWhiteSpace(static_cast<UChar32>(c))) return kSpace;
  if (mask & U_GC_CN_MASK) return classify_unassigned(c);
  return kOther;
}

bool is_line_break(char32_t c) { return c == '\r' || c == '\n'; }

// Simple case folding as far as the contractions need it: ſ (U+017F) folds to s.
char32_t fold(char32_t c) {
  if (c >= 'A' && c <= 'Z') return c + ('a' - 'A');
  if (c == 0x017F) return 's';
  return c;
}

class Qwen2Scanner {
 public:
  explicit Qwen2Scanner(std::string_view text) {
    for (size_t pos = 0; pos < text.size();) {
      offsets_.push_back(pos);
      const char32_t c = core::decode_utf8(text, &pos);
      cps_.push_back(c);
      classes_.push_back(classify(c));
    }
    offsets_.push_back(text.size());
    n_ = cps_.size();
  }

  std::vector<RegexMatch> run() const {
    std::vector<RegexMatch> out;
    for (size_t i = 0; i < n_;) {
      const size_t end = match_at(i);
      out.push_back({offsets_[i], offsets_[end]});
      i = end;
    }
    return out;
  }

 private:
  // End (code point index, > i) of the match starting at i. Every code point
  // starts a match: letters match alternative 2, numbers 3, whitespace 7 at
  // the latest, anything else 4.
  size_t match_at(size_t i) const {
    const char32_t c = cps_[i];
    // (?i:'s|'t|'re|'ve|'m|'ll|'d)
    if (c == '\'' && i + 1 < n_) {
      const char32_t a = fold(cps_[i + 1]);
      if (a == 's' || a == 't' || a == 'm' || a == 'd') return i + 2;
      if (i + 2 < n_) {
        const char32_t b = fold(cps_[i + 2]);
        if ((a == 'r' && b == 'e') || (a == 'v' && b == 'e') || (a == 'l' && b == 'l')) return i + 3;
      }
    }
    // [^\r\n\p{L}\p{N}]?\p{L}+ : the optional character is taken only when a
    // letter follows it; a letter here is matched by \p{L}+ itself.
    if (classes_[i] == kLetter) return letters_end(i);
    if (classes_[i] != kNumber && !is_line_break(c) && i + 1 < n_ && classes_[i + 1] == kLetter) {
      return letters_end(i + 1);
    }
    // \p{N}
    if (classes_[i] == kNumber) return i + 1;
    // " ?[^\s\p{L}\p{N}]+[\r\n]*"
    size_t j = (c == ' ' && i + 1 < n_ && classes_[i + 1] == kOther) ? i + 1 : i;
    if (classes_[j] == kOther) {
      while (j < n_ && classes_[j] == kOther) ++j;
      while (j < n_ && is_line_break(cps_[j])) ++j;
      return j;
    }
    // Whitespace from here on; q is the end of its run.
    size_t q = i;
    while (q < n_ && classes_[q] == kSpace) ++q;
    // \s*[\r\n]+ : \s* backs off to the run's last line break, [\r\n]+ takes it.
    for (size_t k = q; k > i; --k) {
      if (is_line_break(cps_[k - 1])) return k;
    }
    // \s+(?!\S) : the whole run at the end of the text, else all but its last
    // character (which is then followed by whitespace), if that leaves any.
    if (q == n_) return q;
    if (q - i >= 2) return q - 1;
    // \s+
    return q;
  }

  size_t letters_end(size_t i) const {
    while (i < n_ && classes_[i] == kLetter) ++i;
    return i;
  }

  std::vector<char32_t> cps_;
  std::vector<Class> classes_;
  std::vector<size_t> offsets_;  // byte offset of each code point, and the text's end
  size_t n_ = 0;
};

}  // namespace

std::vector<RegexMatch> find_regex_matches(SplitRegex re, std::string_view text) {
  switch (re) {
    case SplitRegex::kQwen2: return Qwen2Scanner(text).run();
  }
  return {};
}

}  // namespace kbseek::encoder
