// ICU normalisation + dictionary word segmentation + Snowball stemming.
#include "storage/analyzer.h"

#include <unicode/brkiter.h>
#include <unicode/normalizer2.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/uscript.h>
#include <unicode/uvernum.h>
#include <opencc/opencc.h>
#include <xapian.h>

#include <atomic>
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
constexpr const char* kFoldConfig = "tw2sp.json";

opencc::SimpleConverter* thread_folder() {
  thread_local std::unique_ptr<opencc::SimpleConverter> conv;
  thread_local bool tried = false;
  if (!tried) {
    tried = true;
    try {
      conv = std::make_unique<opencc::SimpleConverter>(kFoldConfig);
    } catch (const std::exception&) {
      conv.reset();  // create() reports it
    }
  }
  return conv.get();
}

// Whether tw2sp changes a character on its own: 0 unknown, 1 no, 2 yes.
// Shared by all threads; a race only computes an entry twice.
constexpr UChar32 kFoldCacheSize = 0x30000;  // BMP and the CJK extensions B-F
std::atomic<uint8_t> fold_cache[kFoldCacheSize];

bool changed_by_folding(UChar32 c, opencc::SimpleConverter* conv) {
  if (c < 0x2E80 || c >= kFoldCacheSize) return false;  // below the CJK radicals: nothing to fold
  uint8_t v = fold_cache[c].load(std::memory_order_relaxed);
  if (v == 0) {
    std::string ch;
    icu::UnicodeString(c).toUTF8String(ch);
    std::string out;
    try {
      out = conv->Convert(ch);
    } catch (const std::exception&) {
      out = ch;
    }
    v = out == ch ? 1 : 2;
    fold_cache[c].store(v, std::memory_order_relaxed);
  }
  return v == 2;
}

// Folds `text` to simplified if any of its characters is traditional.
void fold_traditional(icu::UnicodeString* text) {
  opencc::SimpleConverter* conv = thread_folder();
  if (conv == nullptr) return;
  bool any = false;
  for (int32_t i = 0; i < text->length() && !any; i += U16_LENGTH(text->char32At(i)))
    any = changed_by_folding(text->char32At(i), conv);
  if (!any) return;
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
  if (options_.fold_traditional) v += "+opencc_tw2sp";
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

}  // namespace kbseek::storage
