// SentencePiece's text normaliser (sentencepiece/src/normalizer.cc), driven
// by a model's precompiled charsmap: for nmt_nfkc, NFKC plus the NMT clean-up
// rules compiled into a darts-clone double-array trie over UTF-8 bytes and a
// table of NUL-terminated replacements.
//
// normalize(text) reproduces Normalizer::Normalize byte for byte:
//   1. at each position the longest user-defined symbol, if any matches, is
//      copied through unchanged; otherwise the longest charsmap key that is a
//      prefix of the rest is replaced by its replacement; otherwise one UTF-8
//      character is copied (an invalid byte becomes U+FFFD, one byte consumed);
//   2. remove_extra_whitespaces: leading spaces (after normalisation) are
//      dropped, a replacement's leading spaces are dropped after a space, and
//      trailing space symbols are dropped;
//   3. add_dummy_prefix: one space symbol first (last when
//      treat_whitespace_as_suffix);
//   4. escape_whitespaces: every ' ' becomes U+2581 "▁".
// An input that is empty or only spaces normalises to "".
//
// Immutable after construction; normalize() is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "encoder/use/sp_model_proto.h"

namespace kbseek::encoder {

class SpNormalizer {
 public:
  // Validates the charsmap layout (<u32 trie bytes><trie><replacements>).
  // Corruption naming `source` when it is inconsistent.
  static core::Result<std::unique_ptr<SpNormalizer>> create(const SpNormalizerSpec& spec,
                                                            bool treat_whitespace_as_suffix,
                                                            std::vector<std::string> user_defined_symbols,
                                                            const std::string& source);

  SpNormalizer(const SpNormalizer&) = delete;
  SpNormalizer& operator=(const SpNormalizer&) = delete;

  std::string normalize(std::string_view text) const;

  // One step of step 1 above: what the text at the front of `input`
  // normalises to and how many input bytes that consumes (0 only for empty
  // input). The view points into the charsmap, `input` or a static.
  std::string_view normalize_prefix(std::string_view input, size_t* consumed) const;

 private:
  SpNormalizer() = default;
  // Longest charsmap key that prefixes `input`: its length (0 if none) and the
  // offset of its replacement.
  size_t longest_key(std::string_view input, uint32_t* value) const;

  SpNormalizerSpec spec_;  // without the charsmap, which lives on below
  bool whitespace_as_suffix_ = false;
  std::vector<uint32_t> units_;  // darts-clone double array
  std::string replacements_;     // NUL-terminated strings, addressed by leaf values
  std::vector<std::string> user_defined_;
  bool user_first_byte_[256] = {};
};

// Bytes in the UTF-8 character at the front of `s` if it is a valid one
// (sentencepiece's IsValidDecodeUTF8), else 0. `s` must not be empty.
size_t valid_utf8_char_len(std::string_view s);

}  // namespace kbseek::encoder
