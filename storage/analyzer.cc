// ICU normalisation + dictionary word segmentation + Snowball stemming.
#include "storage/analyzer.h"

#include <opencc/opencc.h>
#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/uvernum.h>
#include <xapian.h>

#include <algorithm>
#include <map>
#include <memory>

namespace kbseek::storage {
namespace {

// ICU break iterators and Snowball stemmers carry per-call state, so each
// thread keeps its own; creating a word iterator costs ~tens of µs, which is
// too much per short query but nothing once per thread.
struct ThreadTools {
  std::unique_ptr<icu::BreakIterator> words;
  std::unique_ptr<Xapian::Stem> stem;
};

ThreadTools& thread_tools() {
  thread_local ThreadTools tools;
  if (!tools.words) {
    UErrorCode status = U_ZERO_ERROR;
    tools.words.reset(icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
    if (U_FAILURE(status)) tools.words.reset();
  }
  if (!tools.stem) tools.stem = std::make_unique<Xapian::Stem>("english");
  return tools;
}

enum class Kind { kSkip, kLatin, kIdeographic, kOther };

// Classifies a segment by its code points: Han (and kana) words get the CJK
// treatment, words of Latin letters and digits are stemmed, anything else
// with a letter or digit (Cyrillic, Hangul, ...) is kept as it is.
Kind classify(const icu::UnicodeString& seg) {
  bool alnum = false, ideographic = false, non_latin = false;
  for (int32_t i = 0; i < seg.length();) {
    UChar32 c = seg.char32At(i);
    i += U16_LENGTH(c);
    UErrorCode err = U_ZERO_ERROR;
    UScriptCode script = uscript_getScript(c, &err);
    if (script == USCRIPT_HAN || script == USCRIPT_HIRAGANA || script == USCRIPT_KATAKANA) {
      ideographic = true;
    } else if (u_isalnum(c)) {
      alnum = true;
      if (script != USCRIPT_LATIN && script != USCRIPT_COMMON && script != USCRIPT_INHERITED) non_latin = true;
    }
  }
  if (ideographic) return Kind::kIdeographic;
  if (!alnum) return Kind::kSkip;
  return non_latin ? Kind::kOther : Kind::kLatin;
}

// OpenCC's tables: tw2sp = TW variants + TW phrases reversed + TS
// characters and phrases (`/usr/share/opencc/tw2sp.json`).
constexpr const char* kFoldConfig = "t2s.json";
// Query-side regional phrasing: to Taiwan (with phrases) and back to mainland.
constexpr const char* kToTaiwan = "s2twp.json";
constexpr const char* kToMainland = "tw2sp.json";

// OpenCC converters are kept per thread (their thread-safety is not
// documented); loading one takes a few milliseconds, once per thread.
opencc::SimpleConverter* thread_converter(const char* config) {
  thread_local std::map<std::string, std::unique_ptr<opencc::SimpleConverter>> convs;
  auto it = convs.find(config);
  if (it == convs.end()) {
    std::unique_ptr<opencc::SimpleConverter> conv;
    try {
      conv = std::make_unique<opencc::SimpleConverter>(config);
    } catch (const std::exception&) {
      conv.reset();  // create() reports it
    }
    it = convs.emplace(config, std::move(conv)).first;
  }
  return it->second.get();
}

opencc::SimpleConverter* thread_folder() { return thread_converter(kFoldConfig); }

std::string convert(const char* config, const std::string& text) {
  opencc::SimpleConverter* conv = thread_converter(config);
  if (conv == nullptr) return text;
  try {
    return conv->Convert(text);
  } catch (const std::exception&) {
    return text;
  }
}

bool has_cjk(std::string_view s) {
  for (unsigned char c : s)
    if (c >= 0xE2) return true;  // lead bytes of U+2000 and above; close enough to skip pure Latin text
  return false;
}

// Folds `text` to simplified (OpenCC t2s: characters and traditional
// phrases) if it holds any CJK character. t2s maps simplified text to
// itself, so simplified corpora keep their words; tw2sp, which also
// rewrites Taiwan phrasing written in shared characters (程式 -> 程序), cost
// simplified sets up to 0.005 nDCG@10 and is used on the query side only
// (analyze_query()). Every CJK text is converted, so documents and queries
// fold alike.
void fold_traditional(icu::UnicodeString* text) {
  opencc::SimpleConverter* conv = thread_folder();
  if (conv == nullptr) return;
  bool cjk = false;
  for (int32_t i = 0; i < text->length() && !cjk; ++i) cjk = text->charAt(i) >= 0x2E80;
  if (!cjk) return;
  std::string utf8;
  text->toUTF8String(utf8);
  try {
    *text = icu::UnicodeString::fromUTF8(conv->Convert(utf8));
  } catch (const std::exception&) {
    // Keep the unfolded text: it still matches itself.
  }
}

void emit(std::vector<std::string>* out, std::string term) {
  if (!term.empty() && term.size() <= Analyzer::kMaxTermBytes) out->push_back(std::move(term));
}

// Emits the overlapping character bigrams of `run`. Two-character words
// thereby count twice, which measured better than skipping those bigrams.
void emit_bigrams(const icu::UnicodeString& run, std::vector<std::string>* out) {
  std::vector<int32_t> starts;
  for (int32_t i = 0; i < run.length(); i += U16_LENGTH(run.char32At(i))) starts.push_back(i);
  starts.push_back(run.length());
  for (size_t i = 0; i + 2 < starts.size(); ++i) {
    std::string gram;
    run.tempSubStringBetween(starts[i], starts[i + 2]).toUTF8String(gram);
    emit(out, std::move(gram));
  }
}

}  // namespace

core::Result<Analyzer> Analyzer::create(AnalyzerOptions options) {
  UErrorCode status = U_ZERO_ERROR;
  icu::Normalizer2::getNFKCCasefoldInstance(status);
  if (U_FAILURE(status))
    return core::Status::unavailable(std::string("ICU NFKC_Casefold normaliser: ") + u_errorName(status));
  if (!thread_tools().words)
    return core::Status::unavailable("ICU word break iterator for the root locale could not be created");
  if (options.fold_traditional && thread_folder() == nullptr)
    return core::Status::unavailable(std::string("OpenCC configuration ") + kFoldConfig +
                                     " could not be loaded (is the opencc data package installed?)");
  return Analyzer(options);
}

std::string Analyzer::version() const {
  std::string v = "icu" + std::to_string(U_ICU_VERSION_MAJOR_NUM) + "-nfkc_cf-words";
  if (options_.stem_english) v += "+stem_en";
  if (options_.cjk_bigrams) v += "+cjk_bigrams";
  if (options_.fold_traditional) v += "+opencc_t2s";
  return v + "/1";
}

std::vector<std::string> Analyzer::analyze(std::string_view text) const {
  std::vector<std::string> terms;
  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfkc_cf = icu::Normalizer2::getNFKCCasefoldInstance(status);
  ThreadTools& tools = thread_tools();
  if (U_FAILURE(status) || !tools.words) return terms;  // create() already reported this

  icu::UnicodeString src =
      icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  icu::UnicodeString norm = nfkc_cf->normalize(src, status);
  if (U_FAILURE(status)) return terms;
  if (options_.fold_traditional) fold_traditional(&norm);

  icu::BreakIterator& words = *tools.words;
  words.setText(norm);
  // Consecutive ideographic words form a run for the bigram option, so that
  // bigrams also cross word boundaries the way a CJK bigram analyzer does.
  icu::UnicodeString han_run;
  auto flush_run = [&] {
    if (options_.cjk_bigrams) emit_bigrams(han_run, &terms);
    han_run.remove();
  };
  int32_t start = words.first();
  for (int32_t end = words.next(); end != icu::BreakIterator::DONE; start = end, end = words.next()) {
    icu::UnicodeString seg = norm.tempSubStringBetween(start, end);
    Kind kind = classify(seg);
    if (kind != Kind::kIdeographic) flush_run();
    if (kind == Kind::kSkip) continue;
    std::string word;
    seg.toUTF8String(word);
    if (kind == Kind::kIdeographic) {
      han_run.append(seg);
      emit(&terms, std::move(word));
    } else if (kind == Kind::kLatin && options_.stem_english) {
      emit(&terms, (*tools.stem)(word));
    } else {
      emit(&terms, std::move(word));
    }
  }
  flush_run();
  return terms;
}

std::vector<std::string> Analyzer::regional_variants(std::string_view query) const {
  std::vector<std::string> out;
  if (!options_.fold_traditional || !has_cjk(query)) return out;
  const std::string q(query);
  for (std::string variant : {convert(kToMainland, q), convert(kToTaiwan, q)}) {
    if (variant != q && std::find(out.begin(), out.end(), variant) == out.end()) out.push_back(std::move(variant));
  }
  return out;
}

std::vector<std::string> Analyzer::analyze_query(std::string_view query) const {
  return analyze_query(query, regional_variants(query));
}

std::vector<std::string> Analyzer::analyze_query(std::string_view query,
                                                 const std::vector<std::string>& variants) const {
  std::vector<std::string> terms = analyze(query);
  // The same question in the other region's phrasing: 数据库 -> 資料庫 (-> 资料库
  // after folding) and 資料庫 -> 数据库, so either phrasing finds both.
  std::vector<std::string> extra;
  for (const std::string& variant : variants) {
    for (auto& t : analyze(variant))
      if (std::find(terms.begin(), terms.end(), t) == terms.end() &&
          std::find(extra.begin(), extra.end(), t) == extra.end())
        extra.push_back(std::move(t));
  }
  terms.insert(terms.end(), extra.begin(), extra.end());
  return terms;
}

}  // namespace kbseek::storage
