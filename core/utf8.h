// UTF-8 validation and decoding shared by the tokenizer, analyzer and readers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kbseek::core {

// Byte offset of the first invalid sequence, or npos if `s` is valid UTF-8
// (overlongs, surrogates and code points above U+10FFFF are invalid).
size_t find_invalid_utf8(std::string_view s);
inline bool is_valid_utf8(std::string_view s) { return find_invalid_utf8(s) == std::string_view::npos; }

// Decodes one code point at s[*pos] and advances *pos. Invalid bytes decode
// to U+FFFD and advance by one byte.
char32_t decode_utf8(std::string_view s, size_t* pos);

std::u32string to_u32(std::string_view s);
void append_utf8(std::string* out, char32_t cp);
std::string to_utf8(std::u32string_view s);

// Longest prefix of `s` that is at most `max_bytes` long and ends on a code point boundary.
size_t utf8_prefix_len(std::string_view s, size_t max_bytes);

}  // namespace kbseek::core
