// BpeTokenizer on small hand-written tokenizer.json files: merge order,
// byte fallback, unknown fusing, added tokens, the split behaviours, and
// each refusal's message. (Parity with HF tokenizers on the real Gemma
// vocabulary: tests/encoder/gemma/gemma_tokenizer_test.cc.)
#include "encoder/bpe_tokenizer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace kbseek::encoder {
namespace {

using nlohmann::json;

// Vocabulary a b c ab bc abc ▁ ▁a, <unk>, <0xE4> <0xB8> <0x80> (一's bytes), <bos> <eos>.
json tiny() {
  return json::parse(R"({
    "normalizer": {"type": "Replace", "pattern": {"String": " "}, "content": "▁"},
    "pre_tokenizer": null,
    "added_tokens": [{"id": 13, "content": "<bos>", "special": true, "normalized": false,
                      "lstrip": false, "rstrip": false, "single_word": false},
                     {"id": 14, "content": "<eos>", "special": true, "normalized": false,
                      "lstrip": false, "rstrip": false, "single_word": false},
                     {"id": 15, "content": "<b>", "special": false, "normalized": false,
                      "lstrip": false, "rstrip": false, "single_word": false},
                     {"id": 16, "content": "<b>x", "special": false, "normalized": false,
                      "lstrip": false, "rstrip": false, "single_word": false}],
    "post_processor": {"type": "TemplateProcessing",
      "single": [{"SpecialToken": {"id": "<bos>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                 {"SpecialToken": {"id": "<eos>", "type_id": 0}}],
      "special_tokens": {"<bos>": {"id": "<bos>", "ids": [13], "tokens": ["<bos>"]},
                         "<eos>": {"id": "<eos>", "ids": [14], "tokens": ["<eos>"]}}},
    "model": {"type": "BPE", "dropout": null, "unk_token": "<unk>", "fuse_unk": true, "byte_fallback": true,
              "ignore_merges": false, "continuing_subword_prefix": null, "end_of_word_suffix": null,
              "vocab": {"<unk>": 0, "a": 1, "b": 2, "c": 3, "ab": 4, "bc": 5, "abc": 6, "▁": 7, "▁a": 8,
                        "<0xE4>": 9, "<0xB8>": 10, "<0x80>": 11, "x": 12},
              "merges": [["b", "c"], ["a", "b"], "a bc", ["▁", "a"]]}})");
}

std::vector<int32_t> ids(const json& j, const std::string& text, bool specials = false) {
  auto tok = BpeTokenizer::from_json(j.dump(), "tiny.json");
  EXPECT_TRUE(tok.is_ok()) << tok.status().to_string();
  if (!tok.is_ok()) return {};
  auto r = tok.value()->encode(text, specials);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? r.value() : std::vector<int32_t>{};
}

TEST(BpeTokenizerTest, MergesByRankNotByPosition) {
  // "abc": b+c (rank 0) before a+b (rank 1), then a+bc (rank 2) → abc.
  EXPECT_EQ(ids(tiny(), "abc"), (std::vector<int32_t>{6}));
  // "ab" alone: a+b.
  EXPECT_EQ(ids(tiny(), "ab"), (std::vector<int32_t>{4}));
  // "abab": both a+b merges, leftmost first; no merge joins ab+ab.
  EXPECT_EQ(ids(tiny(), "abab"), (std::vector<int32_t>{4, 4}));
  // " a" is normalised to "▁a" and merged; in " abc" b+c and a+bc outrank ▁+a.
  EXPECT_EQ(ids(tiny(), " a"), (std::vector<int32_t>{8}));
  EXPECT_EQ(ids(tiny(), " abc"), (std::vector<int32_t>{7, 6}));
}

TEST(BpeTokenizerTest, ByteFallbackThenFusedUnknown) {
  // 一 = E4 B8 80: all three byte pieces exist.
  EXPECT_EQ(ids(tiny(), "一"), (std::vector<int32_t>{9, 10, 11}));
  // 丁 = E4 B8 81: <0x81> is missing, so the character is <unk>; two in a row fuse.
  EXPECT_EQ(ids(tiny(), "丁丁a"), (std::vector<int32_t>{0, 1}));
}

TEST(BpeTokenizerTest, AddedTokensLeftmostLongestAndPostProcessor) {
  EXPECT_EQ(ids(tiny(), "a<b>xa<b>c", true), (std::vector<int32_t>{13, 1, 16, 1, 15, 3, 14}));
  EXPECT_EQ(ids(tiny(), "<bos>", false), (std::vector<int32_t>{13}));
  EXPECT_EQ(ids(tiny(), "", true), (std::vector<int32_t>{13, 14}));
}

TEST(BpeTokenizerTest, SplitBehaviours) {
  json j = tiny();
  j["normalizer"] = nullptr;
  j["model"]["vocab"]["-"] = 17;
  j["pre_tokenizer"] =
      json::parse(R"({"type": "Split", "pattern": {"String": "-"}, "behavior": "Removed", "invert": false})");
  EXPECT_EQ(ids(j, "ab-c"), (std::vector<int32_t>{4, 3}));
  j["pre_tokenizer"]["behavior"] = "Isolated";
  EXPECT_EQ(ids(j, "ab-c"), (std::vector<int32_t>{4, 17, 3}));
  // Merged with the next word, "-" can no longer merge... and "b" "c" stay apart across the split.
  j["pre_tokenizer"]["behavior"] = "MergedWithPrevious";
  EXPECT_EQ(ids(j, "b-c"), (std::vector<int32_t>{2, 17, 3}));
  j["pre_tokenizer"]["behavior"] = "MergedWithNext";
  EXPECT_EQ(ids(j, "a-bc"), (std::vector<int32_t>{1, 17, 5}));
}

TEST(BpeTokenizerTest, InvalidUtf8NamesTheByte) {
  auto tok = BpeTokenizer::from_json(tiny().dump(), "tiny.json");
  ASSERT_TRUE(tok.is_ok());
  auto r = tok.value()->encode("ab\xff", false);
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("byte 2"), std::string::npos) << r.status().message();
}

void expect_refused(const json& j, const std::string& fragment) {
  auto tok = BpeTokenizer::from_json(j.dump(), "m/tokenizer.json");
  ASSERT_FALSE(tok.is_ok()) << "accepted; want an error with: " << fragment;
  EXPECT_NE(tok.status().message().find("m/tokenizer.json"), std::string::npos) << tok.status().message();
  EXPECT_NE(tok.status().message().find(fragment), std::string::npos) << tok.status().message();
}

TEST(BpeTokenizerTest, UnsupportedContentIsRefusedByName) {
  json j = tiny();
  j["model"]["type"] = "WordPiece";
  expect_refused(j, "model.type");
  j = tiny();
  j["model"]["dropout"] = 0.1;
  expect_refused(j, "model.dropout");
  j = tiny();
  j["pre_tokenizer"] = json::parse(R"({"type": "ByteLevel", "add_prefix_space": false})");
  expect_refused(j, "ByteLevel");
  j = tiny();
  j["added_tokens"][2]["lstrip"] = true;
  expect_refused(j, "lstrip");
  j = tiny();
  j["model"]["merges"].push_back(json::array({"c", "zz"}));
  expect_refused(j, "model.merges");
  j = tiny();
  j["model"]["vocab"]["a"] = "one";
  expect_refused(j, "tokenizer.json");
}

}  // namespace
}  // namespace kbseek::encoder
