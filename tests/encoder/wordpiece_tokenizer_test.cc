// WordPiece: id-for-id parity with HF tokenizers on the whole fixture
// (MiniLm*, needs the model), plus unit cases on a toy vocabulary.
#include "encoder/wordpiece_tokenizer.h"

#include <gtest/gtest.h>

#include "tests/encoder/test_support.h"

namespace kbseek::encoder {
namespace {

std::string ids_to_string(const std::vector<int32_t>& ids) {
  std::string s = "[";
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? ", " : "") + std::to_string(ids[i]);
  return s + "]";
}

void expect_fixture_parity(const std::string& fixture) {
  ASSERT_NO_FATAL_FAILURE(testing::require_model());
  auto tok = WordPieceTokenizer::load(testing::model_dir());
  ASSERT_TRUE(tok.is_ok()) << tok.status().to_string();
  const auto rows = testing::read_jsonl(fixture);
  ASSERT_FALSE(rows.empty()) << fixture << " is empty or missing";
  for (size_t i = 0; i < rows.size(); ++i) {
    const std::string text = rows[i].at("text").get<std::string>();
    const std::vector<int32_t> want = rows[i].at("ids").get<std::vector<int32_t>>();
    const std::vector<int32_t> got = (*tok)->encode(text, 1 << 20);
    // Report only the first mismatch: later ones are usually the same cause.
    ASSERT_EQ(got, want) << fixture << ":" << (i + 1) << ": text " << nlohmann::json(text).dump() << "\n  got  "
                         << ids_to_string(got) << "\n  want " << ids_to_string(want);
  }
}

TEST(MiniLmTokenizer, MatchesHuggingFaceOnWholeFixture) {
  expect_fixture_parity(testing::data_dir() + "/wordpiece_fixture.jsonl");
}

TEST(MiniLmTokenizer, MatchesHuggingFaceOnUnicodeEdges) {
  expect_fixture_parity(testing::data_dir() + "/wordpiece_unicode_edges.jsonl");
}

TEST(MiniLmTokenizer, VocabTxtLoaderAgreesWithTokenizerJson) {
  ASSERT_NO_FATAL_FAILURE(testing::require_model());
  testing::TempDir tmp_dir;
  const std::string tmp = tmp_dir.path();
  for (const char* f : {"vocab.txt", "tokenizer_config.json"}) {
    auto data = core::read_file(testing::model_dir() + "/" + f);
    ASSERT_TRUE(data.is_ok());
    ASSERT_TRUE(core::write_file_atomic(tmp + "/" + f, data.value()).is_ok());
  }
  auto from_json = WordPieceTokenizer::load(testing::model_dir());
  auto from_txt = WordPieceTokenizer::load(tmp);
  ASSERT_TRUE(from_json.is_ok() && from_txt.is_ok()) << from_txt.status().to_string();
  for (const char* text : {"Héllò, wörld! 你好，世界。", "unaffable [MASK] e-mail: a@b.co", "ＡＢＣ１２３ tab\there"}) {
    EXPECT_EQ((*from_json)->encode(text, 512), (*from_txt)->encode(text, 512)) << text;
  }
}

// Toy vocabulary for the unit cases below.
std::unique_ptr<WordPieceTokenizer> toy() {
  std::vector<std::string> vocab = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "un",   "##aff", "##able",
                                    "hello", "!",     "a",     "##a",   "中",     "cafe", ",",     "world"};
  auto t = WordPieceTokenizer::from_vocab(vocab, WordPieceOptions{});
  EXPECT_TRUE(t.is_ok()) << t.status().to_string();
  return std::move(t).value();
}

TEST(WordPieceTokenizerTest, GreedyLongestMatchWithContinuationPrefix) {
  auto t = toy();
  EXPECT_EQ(t->tokenize("unaffable"), (std::vector<int32_t>{5, 6, 7}));
  EXPECT_EQ(t->encode("Hello, World!", 16), (std::vector<int32_t>{2, 8, 14, 15, 9, 3}));
}

TEST(WordPieceTokenizerTest, UnknownWordIsOneUnk) {
  auto t = toy();
  EXPECT_EQ(t->tokenize("unaffablex hello"), (std::vector<int32_t>{1, 8}));
}

TEST(WordPieceTokenizerTest, WordsOverMaxCharsAreUnk) {
  auto t = toy();
  EXPECT_EQ(t->tokenize(std::string(100, 'a')).size(), 100u);
  EXPECT_EQ(t->tokenize(std::string(101, 'a')), (std::vector<int32_t>{1}));
}

TEST(WordPieceTokenizerTest, AccentsCjkAndAddedTokens) {
  auto t = toy();
  EXPECT_EQ(t->tokenize("Café"), (std::vector<int32_t>{13}));
  EXPECT_EQ(t->tokenize("a中a"), (std::vector<int32_t>{10, 12, 10}));
  EXPECT_EQ(t->tokenize("hello[MASK]hello"), (std::vector<int32_t>{8, 4, 8}));
  EXPECT_EQ(t->tokenize("[mask]"), (std::vector<int32_t>{1, 1, 1})) << "lower-case is plain text";
}

TEST(WordPieceTokenizerTest, TruncationKeepsClsAndSep) {
  auto t = toy();
  const std::vector<int32_t> ids = t->encode("hello hello hello hello", 4);
  EXPECT_EQ(ids, (std::vector<int32_t>{2, 8, 8, 3}));
  EXPECT_EQ(t->encode("unaffable", 3), (std::vector<int32_t>{2, 5, 3})) << "cuts inside a word like HF";
  EXPECT_EQ(t->count_tokens("unaffable hello"), 4);
}

TEST(WordPieceTokenizerTest, MissingSpecialTokenIsInvalidArgument) {
  auto t = WordPieceTokenizer::from_vocab({"[PAD]", "[CLS]", "[SEP]"}, WordPieceOptions{});
  ASSERT_FALSE(t.is_ok());
  EXPECT_EQ(t.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(t.status().message().find("[UNK]"), std::string::npos);
}

}  // namespace
}  // namespace kbseek::encoder
