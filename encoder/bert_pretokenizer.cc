// BERT basic tokenization. Follows tokenizers/src/normalizers/bert.rs and
// pre_tokenizers/bert.rs; the Unicode-8 age filter mirrors the tables of the
// `unicode_categories` crate (0.1.1) those files use.
#include "encoder/bert_pretokenizer.h"

#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>

#include "core/utf8.h"

namespace kbseek::encoder {
namespace {

bool assigned_by_unicode_8(char32_t c) {
  UVersionInfo age;
  u_charAge(static_cast<UChar32>(c), age);
  return age[0] < 8 || (age[0] == 8 && age[1] == 0);
}

int8_t category(char32_t c) { return u_charType(static_cast<UChar32>(c)); }

// The few characters assigned by Unicode 8 whose category changed later in a
// way BERT tokenization sees (found by comparing ICU with the crate's tables
// over every code point):
//   U+166D  Po -> So (Unicode 12)   still punctuation to tokenizers
//   U+111C9 Po -> Mn (Unicode 13)   punctuation, not a mark
//   U+1734  Mn -> Mc (Unicode 14)   still a non-spacing mark
//   U+1885, U+1886  Lo -> Mn (9.0), U+A9BD Mc -> Mn (12.0)   not marks
bool is_nonspacing_mark(char32_t c) {
  if (c == 0x1734) return true;
  if (c == 0x1885 || c == 0x1886 || c == 0xA9BD || c == 0x111C9) return false;
  return category(c) == U_NON_SPACING_MARK && assigned_by_unicode_8(c);
}

// Full lowercase mapping per character, as Rust's char::to_lowercase: only
// U+0130 maps to more than one character.
void append_lowercase(char32_t c, std::u32string* out) {
  if (c < 0x80) {
    out->push_back(c >= 'A' && c <= 'Z' ? c + 32 : c);
  } else if (c == 0x130) {
    out->push_back(U'i');
    out->push_back(0x307);
  } else {
    out->push_back(static_cast<char32_t>(u_tolower(static_cast<UChar32>(c))));
  }
}

std::u32string nfd(const std::u32string& text) {
  bool ascii = true;
  for (char32_t c : text) ascii = ascii && c < 0xC0;  // nothing below U+00C0 decomposes
  if (ascii) return text;
  UErrorCode err = U_ZERO_ERROR;
  const icu::Normalizer2* norm = icu::Normalizer2::getNFDInstance(err);
  if (U_FAILURE(err)) return text;  // ICU data missing: keep the text rather than lose it
  icu::UnicodeString src =
      icu::UnicodeString::fromUTF32(reinterpret_cast<const UChar32*>(text.data()), static_cast<int32_t>(text.size()));
  icu::UnicodeString dst = norm->normalize(src, err);
  if (U_FAILURE(err)) return text;
  std::u32string out(static_cast<size_t>(dst.countChar32()), U'\0');
  err = U_ZERO_ERROR;
  dst.toUTF32(reinterpret_cast<UChar32*>(out.data()), static_cast<int32_t>(out.size()), err);
  return out;
}

}  // namespace

bool is_bert_whitespace(char32_t c) {
  return c == U' ' || c == U'\t' || c == U'\n' || c == U'\r' ||
         ((c >= 0x80 || c == 0x0B || c == 0x0C) && u_isUWhiteSpace(static_cast<UChar32>(c)));
}

bool is_bert_control(char32_t c) {
  if (c == U'\t' || c == U'\n' || c == U'\r') return false;
  const int8_t cat = category(c);
  if (cat == U_CONTROL_CHAR || cat == U_PRIVATE_USE_CHAR) return true;
  return cat == U_FORMAT_CHAR && assigned_by_unicode_8(c);
}

bool is_bert_punctuation(char32_t c) {
  if (c < 0x80) {
    return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
  }
  if (c == 0x166D || c == 0x111C9) return true;
  switch (category(c)) {
    case U_CONNECTOR_PUNCTUATION:
    case U_DASH_PUNCTUATION:
    case U_START_PUNCTUATION:
    case U_END_PUNCTUATION:
    case U_INITIAL_PUNCTUATION:
    case U_FINAL_PUNCTUATION:
    case U_OTHER_PUNCTUATION: return assigned_by_unicode_8(c);
    default: return false;
  }
}

bool is_bert_chinese_char(char32_t c) {
  // HF tokenizers' ranges (note 0x2B920, not BERT's 0x2B820, in the sixth).
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

std::u32string bert_normalize(std::string_view text, const BertNormalizerOptions& opts) {
  std::u32string s;
  s.reserve(text.size() + 8);
  size_t pos = 0;
  while (pos < text.size()) {
    char32_t c = core::decode_utf8(text, &pos);
    if (opts.clean_text) {
      if (c == 0 || c == 0xFFFD || is_bert_control(c)) continue;
      if (is_bert_whitespace(c)) c = U' ';
    }
    if (opts.handle_chinese_chars && is_bert_chinese_char(c)) {
      s.push_back(U' ');
      s.push_back(c);
      s.push_back(U' ');
    } else {
      s.push_back(c);
    }
  }
  if (opts.strip_accents) {
    std::u32string d = nfd(s);
    s.clear();
    for (char32_t c : d) {
      if (c < 0x300 || !is_nonspacing_mark(c)) s.push_back(c);
    }
  }
  if (opts.lowercase) {
    std::u32string lower;
    lower.reserve(s.size());
    for (char32_t c : s) append_lowercase(c, &lower);
    s.swap(lower);
  }
  return s;
}

void bert_pre_tokenize(const std::u32string& text, std::vector<std::string>* words) {
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words->push_back(std::move(word));
    word.clear();
  };
  for (char32_t c : text) {
    if (is_bert_whitespace(c)) {
      flush();
    } else if (is_bert_punctuation(c)) {
      flush();
      core::append_utf8(&word, c);
      flush();
    } else {
      core::append_utf8(&word, c);
    }
  }
  flush();
}

}  // namespace kbseek::encoder
