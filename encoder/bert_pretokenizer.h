// BERT's "basic tokenization": the BertNormalizer and BertPreTokenizer of
// Hugging Face tokenizers, reproduced character for character so WordPiece
// sees exactly the words the reference sees.
//
// Normalisation, in order (each step optional):
//   clean_text            drop U+0000, U+FFFD and "other" characters (Cc,
//                         Cf, Co; unassigned code points are kept); map
//                         whitespace to ' '
//   handle_chinese_chars  put spaces around CJK ideographs (BERT's ranges)
//   strip_accents         NFD (ICU), then drop non-spacing marks (Mn)
//   lowercase             per-character full lowercase mapping
// Pre-tokenisation: split on whitespace (removed), isolate each punctuation
// character (ASCII punctuation or a Unicode P* category).
//
// General categories (P*, Mn, Cf) are those of Unicode 8.0, the tables of
// the Rust `unicode_categories` crate HF tokenizers uses: ICU's data limited
// to characters assigned by 8.0, plus the few whose category changed since.
// NFD, lowercasing and White_Space use ICU's current data, as tokenizers
// uses current data for those.
//
// Thread-safe: all functions are pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace kbseek::encoder {

struct BertNormalizerOptions {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  bool strip_accents = true;
  bool lowercase = true;
};

// Normalises `text` (UTF-8; invalid bytes decode to U+FFFD and are dropped
// by clean_text) into code points.
std::u32string bert_normalize(std::string_view text, const BertNormalizerOptions& opts);

// Splits normalised text into words (UTF-8), appending them to *words.
void bert_pre_tokenize(const std::u32string& text, std::vector<std::string>* words);

// BERT's character classes, exposed for tests.
bool is_bert_whitespace(char32_t c);
bool is_bert_control(char32_t c);
bool is_bert_punctuation(char32_t c);
bool is_bert_chinese_char(char32_t c);

}  // namespace kbseek::encoder
