// The regex Split pre-tokenizers of byte-level BPE tokenizers, as hand-written
// matchers rather than a regex engine: a tokenizer.json names its pattern as
// text, this file recognises the few patterns it knows by that exact text,
// and every other pattern is refused by the loader.
//
// Known patterns:
//   kQwen2  (Qwen2 / Qwen2.5; transformers' Qwen2Converter and llama.cpp's
//           LLAMA_VOCAB_PRE_TYPE_QWEN2)
//     (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}
//     | ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+
//
// The matches are those of HF tokenizers' Regex::find_iter (Oniguruma; the
// same as fancy-regex): leftmost-first, the first alternative that matches
// at a position wins, quantifiers greedy with backtracking — so a run of
// spaces before a word leaves its last space to the word (" b" in "a   b"),
// and "\s*[\r\n]+" ends at the run's last line break. Classes: \p{L} and
// \p{N} are the Unicode general categories L* and N*, \s is White_Space
// (the same set as Oniguruma's \t\n\v\f\r, U+0085, Zs, Zl, Zp), (?i) folds
// case as Unicode simple folding does ('S, 'ſ, 'LL, 'Re). Classes come from
// ICU, plus the letters and numbers of Unicode 15.1/16.0 that tokenizers'
// Oniguruma knows and an older ICU does not; every code point is classified
// as tokenizers 0.23 classifies it.
//
// Thread-safety: pure functions.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

namespace kbseek::encoder {

enum class SplitRegex { kQwen2 };

// Qwen2's pattern exactly as tokenizer.json holds it (after JSON unescaping).
extern const std::string_view kQwen2SplitPattern;

// The known pattern whose text is `pattern`, or nullopt.
std::optional<SplitRegex> recognise_split_regex(std::string_view pattern);

// Byte offsets [begin, end) of a match in the text.
struct RegexMatch {
  size_t begin, end;
};

// Every match of `re` in `text` (valid UTF-8), left to right, none empty.
// For kQwen2 the matches tile the text: every character is in one.
std::vector<RegexMatch> find_regex_matches(SplitRegex re, std::string_view text);

}  // namespace kbseek::encoder
