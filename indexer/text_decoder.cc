// Charset detection and conversion with ICU (ucsdet, ucnv).
#include "indexer/text_decoder.h"

#include <unicode/ucnv.h>
#include <unicode/ucnv_cb.h>
#include <unicode/ucsdet.h>
#include <unicode/unistr.h>

#include <cstring>
#include <memory>

#include "core/utf8.h"

namespace kbseek::indexer {
namespace {

struct BadByteCounter {
  int64_t bad_bytes = 0;
  int64_t first_bad = -1;
  const char* base = nullptr;  // start of the input, to turn pointers into offsets
};

// Counts each illegal or unassigned sequence, then substitutes U+FFFD as
// ICU's default callback would.
void count_and_substitute(const void* context, UConverterToUnicodeArgs* args, const char* /*code_units*/,
                          int32_t length, UConverterCallbackReason reason, UErrorCode* err) {
  if (reason == UCNV_ILLEGAL || reason == UCNV_IRREGULAR || reason == UCNV_UNASSIGNED) {
    auto* c = static_cast<BadByteCounter*>(const_cast<void*>(context));
    if (c->first_bad < 0 && c->base != nullptr && args->source != nullptr)
      c->first_bad = static_cast<int64_t>(args->source - c->base) - length;
    c->bad_bytes += length;
    *err = U_ZERO_ERROR;
    const UChar sub = 0xFFFD;
    ucnv_cbToUWriteUChars(args, &sub, 1, 0, err);
  }
}

std::string utf8_with_replacement(std::string_view bytes, DecodeReport* report) {
  size_t bad = core::find_invalid_utf8(bytes);
  if (bad == std::string_view::npos) return std::string(bytes);
  std::string out;
  out.reserve(bytes.size() + 8);
  out.append(bytes.substr(0, bad));
  size_t pos = bad;
  while (pos < bytes.size()) {
    const size_t before = pos;
    char32_t cp = core::decode_utf8(bytes, &pos);  // advances past one (maybe invalid) sequence
    if (cp == 0xFFFD && !(pos - before == 3 && bytes.compare(before, 3, "\xEF\xBF\xBD") == 0)) {
      if (report) {
        if (report->first_bad_offset < 0) report->first_bad_offset = static_cast<int64_t>(before);
        report->bad_bytes += static_cast<int64_t>(pos - before);
      }
    }
    core::append_utf8(&out, cp);
  }
  return out;
}

}  // namespace

const char* TextDecoder::name() const {
  switch (encoding_) {
    case Encoding::kUtf8: return "UTF-8";
    case Encoding::kUtf16LE: return "UTF-16LE";
    case Encoding::kUtf16BE: return "UTF-16BE";
    case Encoding::kGb18030: return "GB18030";
    case Encoding::kBig5: return "Big5";
  }
  return "UTF-8";
}

size_t TextDecoder::bom_length(std::string_view s) {
  if (s.substr(0, 3) == "\xEF\xBB\xBF") return 3;
  if (s.substr(0, 2) == "\xFF\xFE" || s.substr(0, 2) == "\xFE\xFF") return 2;
  return 0;
}

TextDecoder TextDecoder::detect(std::string_view sample) {
  if (sample.substr(0, 3) == "\xEF\xBB\xBF") return TextDecoder(Encoding::kUtf8);
  if (sample.substr(0, 2) == "\xFF\xFE") return TextDecoder(Encoding::kUtf16LE);
  if (sample.substr(0, 2) == "\xFE\xFF") return TextDecoder(Encoding::kUtf16BE);
  // A sample cut mid-character ends in an incomplete sequence: ignore up to 3 bytes.
  size_t bad = core::find_invalid_utf8(sample);
  if (bad == std::string_view::npos || bad + 4 > sample.size()) return TextDecoder(Encoding::kUtf8);
  UErrorCode err = U_ZERO_ERROR;
  std::unique_ptr<UCharsetDetector, decltype(&ucsdet_close)> det(ucsdet_open(&err), &ucsdet_close);
  if (U_FAILURE(err)) return TextDecoder(Encoding::kUtf8);
  ucsdet_setText(det.get(), sample.data(), static_cast<int32_t>(sample.size()), &err);
  int32_t n = 0;
  const UCharsetMatch** matches = ucsdet_detectAll(det.get(), &n, &err);
  if (U_FAILURE(err)) return TextDecoder(Encoding::kUtf8);
  // Only the encodings our users' files come in, in ICU's order of
  // confidence; a candidate must also decode the sample with fewer bad
  // bytes than UTF-8 does, so a UTF-8 file with a few stray bytes stays UTF-8.
  DecodeReport as_utf8;
  utf8_with_replacement(sample, &as_utf8);
  for (int32_t i = 0; i < n; ++i) {
    const char* name = ucsdet_getName(matches[i], &err);
    if (U_FAILURE(err) || name == nullptr) break;
    Encoding e;
    if (std::strcmp(name, "GB18030") == 0)
      e = Encoding::kGb18030;
    else if (std::strcmp(name, "Big5") == 0)
      e = Encoding::kBig5;
    else
      continue;
    DecodeReport as_candidate;
    TextDecoder(e).decode(sample.substr(0, sample.size() - 1), &as_candidate);  // the last byte may be cut
    if (as_candidate.bad_bytes < as_utf8.bad_bytes) return TextDecoder(e);
  }
  return TextDecoder(Encoding::kUtf8);
}

std::string TextDecoder::decode(std::string_view bytes, DecodeReport* report) const {
  if (encoding_ == Encoding::kUtf8) return utf8_with_replacement(bytes, report);
  UErrorCode err = U_ZERO_ERROR;
  std::unique_ptr<UConverter, decltype(&ucnv_close)> conv(ucnv_open(name(), &err), &ucnv_close);
  if (U_FAILURE(err)) return utf8_with_replacement(bytes, report);
  BadByteCounter counter;
  counter.base = bytes.data();
  ucnv_setToUCallBack(conv.get(), &count_and_substitute, &counter, nullptr, nullptr, &err);
  std::u16string utf16(bytes.size() + 1, u'\0');  // never more UTF-16 units than bytes for these
  UChar* target = reinterpret_cast<UChar*>(utf16.data());
  const char* source = bytes.data();
  ucnv_toUnicode(conv.get(), &target, target + utf16.size(), &source, bytes.data() + bytes.size(), nullptr,
                 /*flush=*/true, &err);
  const int32_t units = static_cast<int32_t>(target - reinterpret_cast<UChar*>(utf16.data()));
  std::string out;
  icu::UnicodeString(false, reinterpret_cast<const UChar*>(utf16.data()), units).toUTF8String(out);
  if (report) {
    report->bad_bytes += counter.bad_bytes;
    if (report->first_bad_offset < 0) report->first_bad_offset = counter.first_bad;
  }
  return out;
}

}  // namespace kbseek::indexer
