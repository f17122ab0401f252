// GPT-2's byte-level alphabet: every byte has a printable stand-in character
// (bytes_to_unicode in openai/gpt-2's encoder.py, the ByteLevel pre-tokenizer
// and decoder of HF tokenizers), so a byte-level BPE vocabulary spells
// " the" as "Ġthe" and "\n" as "Ċ", and no text is ever unknown to it.
//
// The map: the printable Latin-1 bytes '!'..'~', '¡'..'¬' and '®'..'ÿ' stand
// for themselves; the other 68 bytes (controls, space, DEL, NBSP, soft
// hyphen) become U+0100 + n in byte order (0x00 → 'Ā', 0x20 → 'Ġ',
// 0x0A → 'Ċ', 0xA0 → 'ł', 0xAD → 'Ń').
//
// Thread-safety: pure functions over a constant table.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kbseek::encoder {

// The stand-in code point of byte `b`.
char32_t byte_to_unicode(unsigned char b);

// The byte a stand-in code point denotes, or nullopt for any other code point.
std::optional<unsigned char> unicode_to_byte(char32_t cp);

// Each byte of `bytes` (any bytes, UTF-8 or not) as its stand-in, in UTF-8:
// "Hi 你" → "HiĠä½ł".
std::string byte_level_encode(std::string_view bytes);

// The inverse: the bytes that the stand-ins of `text` denote. Characters that
// are not stand-ins (an added token's "<|im_end|>" is not) are copied as
// they are, as HF's ByteLevel decoder does with its lossy fallback.
std::string byte_level_decode(std::string_view text);

}  // namespace kbseek::encoder
