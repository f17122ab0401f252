// SentencePieceTokenizer: parity with the `sentencepiece` library on the
// use-m3 model (UseM3*), and the unigram rules on synthetic models.
#include "encoder/use/sp_tokenizer.h"

#include <gtest/gtest.h>

#include "tests/encoder/use/use_test_support.h"

namespace kbseek::encoder {
namespace {

using use_testing::make_model;
using use_testing::TestPiece;

std::string show_ids(const std::vector<int32_t>& ids) {
  std::string s = "[";
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? ", " : "") + std::to_string(ids[i]);
  return s + "]";
}

std::string show_pieces(const std::vector<std::string>& pieces) {
  std::string s = "[";
  for (size_t i = 0; i < pieces.size(); ++i) s += (i ? "|" : "") + pieces[i];
  return s + "]";
}

class UseM3Tokenizer : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!core::path_exists(use_testing::model_dir() + "/sp.model")) return;
    auto t = SentencePieceTokenizer::load(use_testing::model_dir() + "/sp.model");
    ASSERT_TRUE(t.is_ok()) << t.status().to_string();
    tokenizer_ = std::move(t.value()).release();
  }
  static void TearDownTestSuite() {
    delete tokenizer_;
    tokenizer_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(use_testing::require_model());
    ASSERT_NE(tokenizer_, nullptr);
  }

  // Compares every line; reports the first mismatch in full and the count.
  static void check_file(const std::string& name) {
    const auto rows = use_testing::read_jsonl(use_testing::data_dir() + "/" + name);
    ASSERT_GE(rows.size(), 300u) << name;
    int mismatches = 0;
    std::vector<int32_t> ids;
    std::vector<std::string> pieces;
    for (size_t i = 0; i < rows.size(); ++i) {
      const std::string text = rows[i]["text"].get<std::string>();
      const auto want_ids = rows[i]["ids"].get<std::vector<int32_t>>();
      tokenizer_->encode(text, &ids, &pieces);
      bool ok = ids == want_ids;
      std::string detail;
      if (rows[i].contains("normalized")) {
        const std::string want_norm = rows[i]["normalized"].get<std::string>();
        const std::string got_norm = tokenizer_->normalize(text);
        if (got_norm != want_norm) {
          ok = false;
          detail += "\n  normalized: got \"" + got_norm + "\"\n        want \"" + want_norm + "\"";
        }
      }
      if (rows[i].contains("pieces")) {
        const auto want_pieces = rows[i]["pieces"].get<std::vector<std::string>>();
        if (pieces != want_pieces) {
          ok = false;
          detail += "\n  pieces: got " + show_pieces(pieces) + "\n    want " + show_pieces(want_pieces);
        }
      }
      if (!ok && mismatches++ == 0) {
        ADD_FAILURE() << name << ":" << i + 1 << ": first mismatch for text \"" << text << "\"" << detail
                      << "\n  ids: got " << show_ids(ids) << "\n  want " << show_ids(want_ids);
      }
    }
    EXPECT_EQ(mismatches, 0) << name << ": " << mismatches << " of " << rows.size() << " lines differ";
  }

  static SentencePieceTokenizer* tokenizer_;
};
SentencePieceTokenizer* UseM3Tokenizer::tokenizer_ = nullptr;

TEST_F(UseM3Tokenizer, Vocabulary) {
  EXPECT_EQ(tokenizer_->vocab_size(), 128000);
  EXPECT_EQ(tokenizer_->unk_id(), 0);
  EXPECT_EQ(tokenizer_->bos_id(), 1);
  EXPECT_EQ(tokenizer_->eos_id(), 2);
  EXPECT_EQ(tokenizer_->id_to_piece(1), "<s>");
}

TEST_F(UseM3Tokenizer, FixtureParity) { check_file("use_tokenizer_fixture.jsonl"); }

TEST_F(UseM3Tokenizer, SweepParity) { check_file("use_tokenizer_sweep.jsonl"); }

TEST_F(UseM3Tokenizer, CountTokensIsPieceCount) {
  EXPECT_EQ(tokenizer_->count_tokens(""), 0);
  EXPECT_EQ(tokenizer_->count_tokens("   "), 0);
  EXPECT_EQ(tokenizer_->count_tokens("Hello, world!"), static_cast<int>(tokenizer_->encode("Hello, world!").size()));
}

// --- synthetic models: the unigram rules one at a time

std::unique_ptr<SentencePieceTokenizer> make(const std::vector<TestPiece>& pieces, bool byte_fallback = false) {
  auto t = SentencePieceTokenizer::from_bytes(make_model(pieces, byte_fallback), "test.model");
  EXPECT_TRUE(t.is_ok()) << t.status().to_string();
  return t.is_ok() ? std::move(t.value()) : nullptr;
}

const std::vector<TestPiece> kBase = {
    {"<unk>", 0, 2},
    {"<s>", 0, 3},
    {"</s>", 0, 3},
    {"\xe2\x96\x81", -2, 1},
    {"a", -3, 1},
    {"b", -3, 1},
    {"ab", -4, 1},
    {"\xe2\x96\x81"
     "ab",
     -4.5f, 1},
};

TEST(SpTokenizer, PicksTheBestScoringSegmentation) {
  auto t = make(kBase);
  ASSERT_NE(t, nullptr);
  std::vector<int32_t> ids;
  std::vector<std::string> pieces;
  t->encode("ab", &ids, &pieces);
  EXPECT_EQ(ids, (std::vector<int32_t>{7}));  // "▁ab" -4.5 beats "▁"+"ab" -6
  t->encode("abab", &ids, &pieces);
  EXPECT_EQ(ids, (std::vector<int32_t>{7, 6}));
  EXPECT_EQ(pieces, (std::vector<std::string>{"\xe2\x96\x81"
                                              "ab",
                                              "ab"}));
}

TEST(SpTokenizer, MergesRunsOfUnknownCharacters) {
  auto t = make(kBase);
  ASSERT_NE(t, nullptr);
  std::vector<int32_t> ids;
  std::vector<std::string> pieces;
  t->encode(
      "xy\xe4\xb8\xad"
      "a",
      &ids, &pieces);  // "xy中a": x, y, 中 unknown
  EXPECT_EQ(ids, (std::vector<int32_t>{3, 0, 4}));
  EXPECT_EQ(pieces, (std::vector<std::string>{"\xe2\x96\x81", "xy\xe4\xb8\xad", "a"}));
}

TEST(SpTokenizer, ControlPiecesNeverMatchText) {
  auto t = make(kBase);
  ASSERT_NE(t, nullptr);
  const auto ids = t->encode("<s>");
  ASSERT_FALSE(ids.empty());
  for (int32_t id : ids) EXPECT_NE(id, 1);
}

TEST(SpTokenizer, UserDefinedSymbolsAreKeptWhole) {
  std::vector<TestPiece> pieces = kBase;
  pieces.push_back({"ba", 0, 4});  // user-defined: matched before normalisation, always preferred
  auto t = make(pieces);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->encode("aba"), (std::vector<int32_t>{3, 4, 8}));
}

TEST(SpTokenizer, ByteFallbackSplitsUnknownCharactersIntoBytes) {
  std::vector<TestPiece> pieces = kBase;
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    pieces.push_back({name, 0, 6});
  }
  auto t = make(pieces, /*byte_fallback=*/true);
  ASSERT_NE(t, nullptr);
  const int byte0 = static_cast<int>(kBase.size());
  EXPECT_EQ(t->encode("a\xc3\xa9"),  // "aé"
            (std::vector<int32_t>{3, 4, byte0 + 0xC3, byte0 + 0xA9}));
}

TEST(SpTokenizer, WhitespaceRules) {
  auto t = make(kBase);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->normalize("  a   b  "),
            "\xe2\x96\x81"
            "a\xe2\x96\x81"
            "b");
  EXPECT_EQ(t->normalize("   "), "");
  EXPECT_EQ(t->normalize(""), "");
  EXPECT_TRUE(t->encode(" \t ").size() > 0);  // a tab is not a space without nmt_nfkc
  EXPECT_TRUE(t->encode("   ").empty());
}

TEST(SpTokenizer, InvalidUtf8BecomesReplacementCharacter) {
  auto t = make(kBase);
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->normalize("a\xff"
                         "b"),
            "\xe2\x96\x81"
            "a\xef\xbf\xbd"
            "b");
}

TEST(SpTokenizer, RejectsNonUnigramModels) {
  auto t = SentencePieceTokenizer::from_bytes(make_model(kBase, false, /*model_type=*/2), "bpe.model");
  ASSERT_FALSE(t.is_ok());
  EXPECT_EQ(t.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(t.status().message().find("bpe.model"), std::string::npos);
}

TEST(SpTokenizer, RejectsModelsWithoutUnknownPiece) {
  auto t = SentencePieceTokenizer::from_bytes(make_model({{"a", -1, 1}}), "nounk.model");
  ASSERT_FALSE(t.is_ok());
  EXPECT_EQ(t.status().code(), core::StatusCode::kCorruption);
}

TEST(SpTokenizer, RejectsDuplicatePieces) {
  auto t = SentencePieceTokenizer::from_bytes(make_model({{"<unk>", 0, 2}, {"a", -1, 1}, {"a", -2, 1}}), "dup.model");
  ASSERT_FALSE(t.is_ok());
  EXPECT_NE(t.status().message().find("defined twice"), std::string::npos) << t.status().to_string();
}

TEST(SpTokenizer, ReportsTruncatedFilesWithOffset) {
  const std::string bytes = make_model(kBase);
  auto t = SentencePieceTokenizer::from_bytes(bytes.substr(0, bytes.size() - 3), "cut.model");
  ASSERT_FALSE(t.is_ok());
  EXPECT_EQ(t.status().code(), core::StatusCode::kCorruption);
  EXPECT_NE(t.status().message().find("cut.model: malformed sentencepiece model at byte"), std::string::npos)
      << t.status().to_string();
}

TEST(SpTokenizer, MissingFileIsNotFound) {
  auto t = SentencePieceTokenizer::load("/nonexistent/sp.model");
  ASSERT_FALSE(t.is_ok());
  EXPECT_EQ(t.status().code(), core::StatusCode::kNotFound);
}

}  // namespace
}  // namespace kbseek::encoder
