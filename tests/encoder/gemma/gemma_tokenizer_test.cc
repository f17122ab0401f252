// BpeTokenizer on EmbeddingGemma's tokenizer.json against HF tokenizers: the
// hand-written fixture (>= 300 strings) and the code-point sweep, written by
// tests/encoder/gen_bpe_fixture.py. Every line must match id for id.
#include <gtest/gtest.h>

#include "encoder/bpe_tokenizer.h"
#include "tests/encoder/gemma/gemma_test_support.h"

namespace kbseek::encoder {
namespace {

const BpeTokenizer& tokenizer() {
  static std::unique_ptr<BpeTokenizer> tok = [] {
    auto t = BpeTokenizer::load(testing::gemma_dir() + "/tokenizer.json");
    EXPECT_TRUE(t.is_ok()) << t.status().to_string();
    return t.is_ok() ? std::move(t).value() : nullptr;
  }();
  return *tok;
}

void expect_file_matches(const std::string& name, size_t at_least) {
  ASSERT_NO_FATAL_FAILURE(testing::require_gemma());
  const auto rows = testing::read_jsonl(testing::data_dir() + "/" + name);
  ASSERT_GE(rows.size(), at_least);
  size_t bad = 0;
  for (const auto& r : rows) {
    const std::string text = r["text"].get<std::string>();
    const auto want = r["ids"].get<std::vector<int32_t>>();
    auto got = tokenizer().encode(text, /*add_special_tokens=*/true);
    ASSERT_TRUE(got.is_ok()) << got.status().to_string();
    if (got.value() != want && ++bad <= 5) {
      ADD_FAILURE() << name << ": " << nlohmann::json(text).dump().substr(0, 120) << "\n got " << got.value().size()
                    << " ids, want " << want.size();
    }
  }
  EXPECT_EQ(bad, 0u) << bad << " of " << rows.size() << " lines differ";
}

TEST(EmbeddingGemmaTokenizerTest, HandWrittenFixtureMatchesHfTokenizers) {
  expect_file_matches("gemma_tokenizer_fixture.jsonl", 300);
}

TEST(EmbeddingGemmaTokenizerTest, CodePointSweepMatchesHfTokenizers) {
  expect_file_matches("gemma_tokenizer_sweep.jsonl", 1000);
}

TEST(EmbeddingGemmaTokenizerTest, SpecialsAndVocabulary) {
  ASSERT_NO_FATAL_FAILURE(testing::require_gemma());
  EXPECT_EQ(tokenizer().token_to_id("<bos>"), 2);
  EXPECT_EQ(tokenizer().token_to_id("<eos>"), 1);
  EXPECT_EQ(tokenizer().unk_id(), 3);
  EXPECT_EQ(tokenizer().id_to_token(2), "<bos>");
  EXPECT_GE(tokenizer().vocab_size(), 262144);
}

}  // namespace
}  // namespace kbseek::encoder
