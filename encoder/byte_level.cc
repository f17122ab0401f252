// GPT-2's bytes_to_unicode table, built once, in both directions.
#include "encoder/byte_level.h"

#include <array>

#include "core/utf8.h"

namespace kbseek::encoder {
namespace {

struct Tables {
  std::array<char32_t, 256> to_cp{};
  std::array<std::string, 256> to_utf8;  // the stand-in already encoded: the hot path appends it
  std::array<int, 0x144> from_cp;        // the stand-ins are all below U+0144; -1 for the rest
  Tables() {
    from_cp.fill(-1);
    int n = 0;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      to_cp[b] = printable ? static_cast<char32_t>(b) : static_cast<char32_t>(256 + n++);
      core::append_utf8(&to_utf8[b], to_cp[b]);
      from_cp[to_cp[b]] = b;
    }
  }
};

const Tables& tables() {
  static const Tables t;
  return t;
}

}  // namespace

char32_t byte_to_unicode(unsigned char b) { return tables().to_cp[b]; }

std::optional<unsigned char> unicode_to_byte(char32_t cp) {
  if (cp >= 0x144 || tables().from_cp[cp] < 0) return std::nullopt;
  return static_cast<unsigned char>(tables().from_cp[cp]);
}

std::string byte_level_encode(std::string_view bytes) {
  const Tables& t = tables();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) out += t.to_utf8[b];
  return out;
}

std::string byte_level_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    const size_t begin = pos;
    const char32_t cp = core::decode_utf8(text, &pos);
    if (auto b = unicode_to_byte(cp)) {
      out.push_back(static_cast<char>(*b));
    } else {
      out.append(text, begin, pos - begin);
    }
  }
  return out;
}

}  // namespace kbseek::encoder
