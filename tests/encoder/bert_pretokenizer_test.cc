// BERT basic tokenization: character classes and normalisation examples.
#include "encoder/bert_pretokenizer.h"

#include <gtest/gtest.h>

#include "core/utf8.h"

namespace kbseek::encoder {
namespace {

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  bert_pre_tokenize(bert_normalize(text, BertNormalizerOptions{}), &out);
  return out;
}

TEST(BertPreTokenizerTest, CharacterClasses) {
  EXPECT_TRUE(is_bert_punctuation(U'$'));     // ASCII symbol counts as punctuation
  EXPECT_TRUE(is_bert_punctuation(U'，'));    // U+FF0C, Po
  EXPECT_TRUE(is_bert_punctuation(0x166D));   // Po in Unicode 8, So today
  EXPECT_FALSE(is_bert_punctuation(0x2E43));  // assigned in Unicode 9
  EXPECT_FALSE(is_bert_punctuation(U'a'));
  EXPECT_TRUE(is_bert_control(0x200B));  // zero-width space, Cf
  EXPECT_TRUE(is_bert_control(0x00AD));  // soft hyphen, Cf
  EXPECT_TRUE(is_bert_control(0xE001));  // private use
  EXPECT_FALSE(is_bert_control(U'\n'));
  EXPECT_TRUE(is_bert_whitespace(0x3000));
  EXPECT_TRUE(is_bert_whitespace(0x2028));
  EXPECT_FALSE(is_bert_whitespace(0x001F));
  EXPECT_TRUE(is_bert_chinese_char(0x4E2D));
  EXPECT_FALSE(is_bert_chinese_char(0x2B820));  // HF's range starts at 0x2B920
  EXPECT_TRUE(is_bert_chinese_char(0x2B920));
  EXPECT_FALSE(is_bert_chinese_char(0x3042));  // hiragana is not split
}

TEST(BertPreTokenizerTest, NormalisesLikeBertNormalizer) {
  EXPECT_EQ(words("Héllo WÖRLD"), (std::vector<std::string>{"hello", "world"}));
  EXPECT_EQ(words("e\xCC\x81"), (std::vector<std::string>{"e"}));  // decomposed accent
  EXPECT_EQ(words("a\tb\nc\x01"
                  "d"),
            (std::vector<std::string>{"a", "b", "cd"}));
  EXPECT_EQ(words("我爱NLP!"), (std::vector<std::string>{"我", "爱", "nlp", "!"}));
  EXPECT_EQ(words("ΣΑΣ"), (std::vector<std::string>{"σασ"}));  // no final-sigma rule
  EXPECT_EQ(words("İ"), (std::vector<std::string>{"i"}));
  EXPECT_EQ(words("   "), (std::vector<std::string>{}));
}

TEST(BertPreTokenizerTest, OptionsCanBeTurnedOff) {
  BertNormalizerOptions cased;
  cased.lowercase = false;
  cased.strip_accents = false;
  std::vector<std::string> out;
  bert_pre_tokenize(bert_normalize("Café", cased), &out);
  EXPECT_EQ(out, (std::vector<std::string>{"Café"}));
  BertNormalizerOptions keep_marks;
  keep_marks.strip_accents = false;
  out.clear();
  bert_pre_tokenize(bert_normalize("İ", keep_marks), &out);
  EXPECT_EQ(out, (std::vector<std::string>{"i\xCC\x87"}));  // full lowercase mapping
}

}  // namespace
}  // namespace kbseek::encoder
