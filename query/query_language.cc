// Script classification with ICU's uscript_getScript.
#include "query/query_language.h"

#include <unicode/uchar.h>
#include <unicode/uscript.h>

#include <set>

#include "core/utf8.h"

namespace kbseek::query {
namespace {

const char* script_class(char32_t c) {
  UErrorCode err = U_ZERO_ERROR;
  UScriptCode sc = uscript_getScript(static_cast<UChar32>(c), &err);
  if (U_FAILURE(err)) return "other";
  switch (sc) {
    case USCRIPT_HAN: return "han";
    case USCRIPT_HIRAGANA:
    case USCRIPT_KATAKANA: return "kana";
    case USCRIPT_HANGUL: return "hangul";
    case USCRIPT_LATIN: return "latin";
    case USCRIPT_CYRILLIC: return "cyrillic";
    case USCRIPT_ARABIC: return "arabic";
    default: return "other";
  }
}

// Which script classes a language code reads. Codes not listed are assumed
// to be Latin-script (most of the world's languages in model cards are).
std::set<std::string> scripts_of(const std::string& lang) {
  std::string base = lang.substr(0, lang.find_first_of("-_"));
  if (base == "zh" || base == "yue" || base == "wuu") return {"han"};
  if (base == "ja") return {"han", "kana"};
  if (base == "ko") return {"hangul", "han"};
  if (base == "ru" || base == "uk" || base == "bg" || base == "sr" || base == "be" || base == "mk" || base == "kk")
    return {"cyrillic"};
  if (base == "ar" || base == "fa" || base == "ur") return {"arabic"};
  if (base == "multilingual") return {"han", "kana", "hangul", "latin", "cyrillic", "arabic", "other"};
  return {"latin"};
}

}  // namespace

std::map<std::string, int> script_counts(std::string_view text) {
  std::map<std::string, int> counts;
  size_t pos = 0;
  bool in_latin_word = false;
  while (pos < text.size()) {
    char32_t c = core::decode_utf8(text, &pos);
    if (!u_isalpha(static_cast<UChar32>(c))) {
      in_latin_word = false;
      continue;
    }
    const char* cls = script_class(c);
    if (std::string_view(cls) == "latin" || std::string_view(cls) == "cyrillic" || std::string_view(cls) == "arabic") {
      if (!in_latin_word) ++counts[cls];  // alphabetic scripts: count words
      in_latin_word = true;
    } else {
      ++counts[cls];  // ideographic and syllabic scripts: count characters
      in_latin_word = false;
    }
  }
  return counts;
}

double readable_share(std::string_view text, const std::vector<std::string>& model_languages) {
  if (model_languages.empty()) return 1.0;
  std::set<std::string> readable;
  for (const auto& l : model_languages)
    for (const auto& s : scripts_of(l)) readable.insert(s);
  int total = 0, ok = 0;
  for (const auto& [cls, n] : script_counts(text)) {
    total += n;
    if (readable.count(cls)) ok += n;
  }
  return total == 0 ? 1.0 : static_cast<double>(ok) / total;
}

}  // namespace kbseek::query
