// Byte-level BPE for Qwen 2.5: the split pattern and the byte alphabet on
// hand-written cases, BpeTokenizer on a tiny hand-made byte-level vocabulary
// (through from_vocab and through tokenizer.json), render_chatml; and, in
// suites named QwenTokenizer* (label `data`, they need the installed
// models/qwen2.5-0.5b-instruct), the real GGUF vocabulary read through
// gguf::GgufFile + read_bpe_vocab against transformers' GGUF tokenizer:
// tests/data/encoder/qwen2_tokenizer_cases.jsonl, written by
// tests/encoder/gen_qwen_tokenizer_fixture.py. Every line must match id for id.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/file_util.h"
#include "core/utf8.h"
#include "encoder/bpe_tokenizer.h"
#include "encoder/byte_level.h"
#include "encoder/chat_template.h"
#include "encoder/gguf/gguf_file.h"
#include "encoder/gguf/gguf_tokenizer.h"
#include "encoder/pretokenize_regex.h"
#include "tests/encoder/test_support.h"

namespace kbseek::encoder {
namespace {

using nlohmann::json;
using Pieces = std::vector<std::string>;

Pieces qwen_split(const std::string& text) {
  Pieces out;
  for (const RegexMatch& m : find_regex_matches(SplitRegex::kQwen2, text)) {
    out.push_back(text.substr(m.begin, m.end - m.begin));
  }
  return out;
}

// Expected pieces from tokenizers' Split(Regex(pattern), "isolated").pre_tokenize_str.
TEST(Qwen2SplitTest, WordsTakeTheSpaceBeforeThem) {
  EXPECT_EQ(qwen_split("Hello world"), (Pieces{"Hello", " world"}));
  EXPECT_EQ(qwen_split("中文English"), (Pieces{"中文English"}));
  EXPECT_EQ(qwen_split("\tfoo"), (Pieces{"\tfoo"}));
  EXPECT_EQ(qwen_split("x\u3000y"), (Pieces{"x", "\u3000y"}));
  EXPECT_EQ(qwen_split("x\u0085y"), (Pieces{"x", "\u0085y"}));
  EXPECT_EQ(qwen_split("x\x1cy"), (Pieces{"x", "\x1cy"}));  // U+001C is not \s
  EXPECT_EQ(qwen_split("'hello"), (Pieces{"'hello"}));
  EXPECT_EQ(qwen_split("\nfoo"), (Pieces{"\n", "foo"}));      // a line break never leads a word
  EXPECT_EQ(qwen_split("e\u0301"), (Pieces{"e", "\u0301"}));  // a combining mark is not \p{L}
}

TEST(Qwen2SplitTest, ContractionsIgnoreCase) {
  EXPECT_EQ(qwen_split("don't"), (Pieces{"don", "'t"}));
  EXPECT_EQ(qwen_split("I'M"), (Pieces{"I", "'M"}));
  EXPECT_EQ(qwen_split("WE'LL"), (Pieces{"WE", "'LL"}));
  EXPECT_EQ(qwen_split("you'Re"), (Pieces{"you", "'Re"}));
  EXPECT_EQ(qwen_split("cat'ſ"), (Pieces{"cat", "'ſ"}));  // ſ folds to s
  EXPECT_EQ(qwen_split("it's 'S 's"), (Pieces{"it", "'s", " '", "S", " '", "s"}));
  EXPECT_EQ(qwen_split("'lla"), (Pieces{"'ll", "a"}));
}

TEST(Qwen2SplitTest, NumbersOneDigitAtATime) {
  EXPECT_EQ(qwen_split("12345"), (Pieces{"1", "2", "3", "4", "5"}));
  EXPECT_EQ(qwen_split("v1.5"), (Pieces{"v", "1", ".", "5"}));
  EXPECT_EQ(qwen_split("½x"), (Pieces{"½", "x"}));
}

TEST(Qwen2SplitTest, PunctuationKeepsItsLineBreaks) {
  EXPECT_EQ(qwen_split("!!!\n\nx"), (Pieces{"!!!\n\n", "x"}));
  EXPECT_EQ(qwen_split(" (foo)"), (Pieces{" (", "foo", ")"}));
  EXPECT_EQ(qwen_split("😀 🎉"), (Pieces{"😀", " 🎉"}));
  EXPECT_EQ(qwen_split("a. \nb"), (Pieces{"a", ".", " \n", "b"}));
}

TEST(Qwen2SplitTest, WhitespaceRunsBacktrackAsTheRegexDoes) {
  EXPECT_EQ(qwen_split("a   b"), (Pieces{"a", "  ", " b"}));  // \s+(?!\S) leaves one space
  EXPECT_EQ(qwen_split("a \u00a0b"), (Pieces{"a", " ", "\u00a0b"}));
  EXPECT_EQ(qwen_split("a\n\n  b"), (Pieces{"a", "\n\n", " ", " b"}));  // \s*[\r\n]+ stops at the last break
  EXPECT_EQ(qwen_split("  \n  x"), (Pieces{"  \n", " ", " x"}));
  EXPECT_EQ(qwen_split("a  \n\n  b"), (Pieces{"a", "  \n\n", " ", " b"}));
  EXPECT_EQ(qwen_split("\r\n\r\n"), (Pieces{"\r\n\r\n"}));
  EXPECT_EQ(qwen_split("trailing   "), (Pieces{"trailing", "   "}));  // at the end the whole run
  EXPECT_EQ(qwen_split("   "), (Pieces{"   "}));
  EXPECT_EQ(qwen_split("a b"), (Pieces{"a", " b"}));
  EXPECT_EQ(qwen_split(""), (Pieces{}));
}

TEST(Qwen2SplitTest, OnlyTheExactPatternIsRecognised) {
  EXPECT_EQ(recognise_split_regex(kQwen2SplitPattern), SplitRegex::kQwen2);
  EXPECT_FALSE(recognise_split_regex(R"(\s+)"));
  EXPECT_FALSE(recognise_split_regex(std::string(kQwen2SplitPattern) + "|x"));
}

TEST(ByteLevelTest, GptTwoAlphabet) {
  EXPECT_EQ(byte_to_unicode('A'), U'A');
  EXPECT_EQ(byte_to_unicode(' '), U'\u0120');   // Ġ
  EXPECT_EQ(byte_to_unicode('\n'), U'\u010A');  // Ċ
  EXPECT_EQ(byte_to_unicode(0x00), U'\u0100');
  EXPECT_EQ(byte_to_unicode(0x7F), U'\u0121');
  EXPECT_EQ(byte_to_unicode(0xA0), U'\u0142');  // ł
  EXPECT_EQ(byte_to_unicode(0xAD), U'\u0143');
  EXPECT_EQ(byte_to_unicode(0xE4), U'\u00E4');
  EXPECT_EQ(byte_level_encode("Hi 你"), "HiĠä½ł");
  EXPECT_EQ(byte_level_encode("a\nb"), "aĊb");
  EXPECT_FALSE(unicode_to_byte(U'\u0144'));
  EXPECT_FALSE(unicode_to_byte(U' '));  // the space itself is not a stand-in
  EXPECT_FALSE(unicode_to_byte(U'\u00AD'));
}

TEST(ByteLevelTest, EveryByteRoundTrips) {
  std::string all;
  for (int b = 0; b < 256; ++b) all.push_back(static_cast<char>(b));
  const std::string spelled = byte_level_encode(all);
  EXPECT_TRUE(core::is_valid_utf8(spelled));
  EXPECT_EQ(core::to_u32(spelled).size(), 256u);
  EXPECT_EQ(byte_level_decode(spelled), all);
  EXPECT_EQ(byte_level_decode("ĠtheĊ<|im_end|>"), " the\n<|im_end|>");
}

// A tiny byte-level vocabulary: ids 0..255 are the bytes' stand-ins in byte
// order, then Ġt he Ġthe, a control and a user-defined token, a control
// token outside the alphabet (skipped) and a token with a space (re-spelled).
BpeVocab tiny_vocab() {
  BpeVocab v;
  v.model = "gpt2";
  v.pre = "qwen2";
  for (int b = 0; b < 256; ++b) {
    std::string s;
    core::append_utf8(&s, byte_to_unicode(static_cast<unsigned char>(b)));
    v.tokens.push_back(s);
  }
  for (const char* t : {"Ġt", "he", "Ġthe", "<|im_end|>", "<tool_call>", "<|bad ctrl|>", "a b"}) v.tokens.push_back(t);
  v.token_types.assign(v.tokens.size(), 1);
  v.token_types[259] = 3;
  v.token_types[260] = 4;
  v.token_types[261] = 3;
  v.merges = {"Ġ t", "h e", "Ġt he"};
  v.eos_id = 259;
  return v;
}

std::vector<int32_t> encode(const BpeTokenizer& tok, const std::string& text, bool specials = false) {
  auto r = tok.encode(text, specials);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? r.value() : std::vector<int32_t>{};
}

TEST(ByteLevelBpeTest, FromVocabMergesBytesAndMatchesAddedTokens) {
  auto tok = BpeTokenizer::from_vocab(tiny_vocab(), "tiny.gguf");
  ASSERT_TRUE(tok.is_ok()) << tok.status().to_string();
  const BpeTokenizer& t = *tok.value();
  EXPECT_EQ(encode(t, " the"), (std::vector<int32_t>{258}));
  EXPECT_EQ(encode(t, "the"), (std::vector<int32_t>{'t', 257}));
  EXPECT_EQ(encode(t, "the the"), (std::vector<int32_t>{'t', 257, 258}));
  EXPECT_EQ(encode(t, "你"), (std::vector<int32_t>{0xE4, 0xBD, 0xA0}));
  EXPECT_EQ(encode(t, " the<|im_end|>\n"), (std::vector<int32_t>{258, 259, '\n'}));
  EXPECT_EQ(encode(t, "<tool_call>x"), (std::vector<int32_t>{260, 'x'}));
  // "<|bad ctrl|>" is not in the byte alphabet: not an added token, so its bytes.
  EXPECT_EQ(encode(t, "<|bad ctrl|>").size(), 12u);
  EXPECT_EQ(t.id_to_token(262), "aĠb");
  EXPECT_EQ(t.token_to_id("Ġthe"), 258);
  EXPECT_EQ(t.eos_id(), 259);
  EXPECT_EQ(t.bos_id(), -1);
  EXPECT_EQ(encode(t, "x", /*specials=*/true), (std::vector<int32_t>{'x'}));
  EXPECT_EQ(encode(t, ""), (std::vector<int32_t>{}));
}

TEST(ByteLevelBpeTest, AddBosPutsBosFirst) {
  BpeVocab v = tiny_vocab();
  v.bos_id = 259;
  v.add_bos = true;
  auto tok = BpeTokenizer::from_vocab(v, "tiny.gguf");
  ASSERT_TRUE(tok.is_ok()) << tok.status().to_string();
  EXPECT_EQ(encode(*tok.value(), "x", true), (std::vector<int32_t>{259, 'x'}));
  EXPECT_EQ(encode(*tok.value(), "x", false), (std::vector<int32_t>{'x'}));
}

void expect_vocab_refused(const BpeVocab& v, const std::string& fragment) {
  auto tok = BpeTokenizer::from_vocab(v, "m/model.gguf");
  ASSERT_FALSE(tok.is_ok()) << "accepted; want an error with: " << fragment;
  EXPECT_EQ(tok.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(tok.status().message().find("m/model.gguf"), std::string::npos) << tok.status().message();
  EXPECT_NE(tok.status().message().find(fragment), std::string::npos) << tok.status().message();
}

TEST(ByteLevelBpeTest, FromVocabRefusesByName) {
  BpeVocab v = tiny_vocab();
  v.model = "llama";
  expect_vocab_refused(v, "\"llama\"");
  v = tiny_vocab();
  v.pre = "llama3";
  expect_vocab_refused(v, "\"llama3\"");
  v = tiny_vocab();
  v.merges.push_back("Ġ zz");
  expect_vocab_refused(v, "tokenizer.ggml.merges");
  v = tiny_vocab();
  v.merges.push_back("Ġt");
  expect_vocab_refused(v, "tokenizer.ggml.merges");
  v = tiny_vocab();
  v.eos_id = 100000;
  expect_vocab_refused(v, "tokenizer.ggml.eos_token_id");
  v = tiny_vocab();
  v.token_types.pop_back();
  expect_vocab_refused(v, "tokenizer.ggml.token_type");
}

// The same vocabulary as Qwen2's tokenizer.json spells it.
json tiny_json() {
  const BpeVocab v = tiny_vocab();
  json vocab = json::object();
  for (size_t i = 0; i < 259; ++i) vocab[v.tokens[i]] = i;
  json j = {{"normalizer", {{"type", "NFC"}}},
            {"pre_tokenizer",
             {{"type", "Sequence"},
              {"pretokenizers",
               {{{"type", "Split"},
                 {"pattern", {{"Regex", std::string(kQwen2SplitPattern)}}},
                 {"behavior", "Isolated"},
                 {"invert", false}},
                {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}}}}}},
            {"post_processor",
             {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", false}, {"use_regex", false}}},
            {"added_tokens",
             {{{"id", 259},
               {"content", "<|im_end|>"},
               {"special", true},
               {"normalized", false},
               {"lstrip", false},
               {"rstrip", false},
               {"single_word", false}}}},
            {"model",
             {{"type", "BPE"},
              {"dropout", nullptr},
              {"unk_token", nullptr},
              {"continuing_subword_prefix", ""},
              {"end_of_word_suffix", ""},
              {"fuse_unk", false},
              {"byte_fallback", false},
              {"ignore_merges", false},
              {"vocab", vocab},
              {"merges", v.merges}}}};
  return j;
}

TEST(ByteLevelBpeTest, TokenizerJsonPathMatchesFromVocab) {
  auto tok = BpeTokenizer::from_json(tiny_json().dump(), "tiny/tokenizer.json");
  ASSERT_TRUE(tok.is_ok()) << tok.status().to_string();
  const BpeTokenizer& t = *tok.value();
  EXPECT_EQ(encode(t, "the the"), (std::vector<int32_t>{'t', 257, 258}));
  EXPECT_EQ(encode(t, " the<|im_end|>\n"), (std::vector<int32_t>{258, 259, '\n'}));
  // NFC applies on this path: e + U+0301 becomes é (C3 A9).
  EXPECT_EQ(encode(t, "e\u0301"), (std::vector<int32_t>{0xC3, 0xA9}));
}

TEST(ByteLevelBpeTest, IgnoreMergesTakesWholeWords) {
  json j = tiny_json();
  j["model"]["vocab"]["Ġtthe"] = 262;  // reachable by no merge
  EXPECT_EQ(encode(*BpeTokenizer::from_json(j.dump(), "t.json").value(), " tthe"),
            (std::vector<int32_t>{256, 't', 257}));
  j["model"]["ignore_merges"] = true;
  EXPECT_EQ(encode(*BpeTokenizer::from_json(j.dump(), "t.json").value(), " tthe"), (std::vector<int32_t>{262}));
}

void expect_json_refused(const json& j, const std::string& fragment) {
  auto tok = BpeTokenizer::from_json(j.dump(), "m/tokenizer.json");
  ASSERT_FALSE(tok.is_ok()) << "accepted; want an error with: " << fragment;
  EXPECT_NE(tok.status().message().find("m/tokenizer.json"), std::string::npos) << tok.status().message();
  EXPECT_NE(tok.status().message().find(fragment), std::string::npos) << tok.status().message();
}

TEST(ByteLevelBpeTest, OtherRegexesAndByteLevelOptionsAreRefused) {
  json j = tiny_json();
  j["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"] = R"(\s+|\S+)";
  expect_json_refused(j, "pre_tokenizer.pretokenizers[0].pattern.Regex");
  j = tiny_json();
  j["pre_tokenizer"]["pretokenizers"][1]["use_regex"] = true;
  expect_json_refused(j, "use_regex");
  j = tiny_json();
  j["pre_tokenizer"]["pretokenizers"][1]["add_prefix_space"] = true;
  expect_json_refused(j, "add_prefix_space");
  j = tiny_json();
  std::swap(j["pre_tokenizer"]["pretokenizers"][0], j["pre_tokenizer"]["pretokenizers"][1]);
  expect_json_refused(j, "ByteLevel");
}

TEST(ChatTemplateTest, QwenTurns) {
  EXPECT_EQ(render_chatml({{"system", "S"}, {"user", "Q"}}, true),
            "<|im_start|>system\nS<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\n");
  EXPECT_EQ(render_chatml({{"user", "Q"}}, false),
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
            "<|im_start|>user\nQ<|im_end|>\n");
  EXPECT_EQ(render_chatml({{"user", "Q"}, {"tool", "a"}, {"tool", "b"}, {"other", "x"}, {"assistant", "A"}}, false),
            "<|im_start|>system\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\n"
            "<|im_start|>user\nQ<|im_end|>\n"
            "<|im_start|>user\n<tool_response>\na\n</tool_response>\n<tool_response>\nb\n</tool_response><|im_end|>\n"
            "<|im_start|>assistant\nA<|im_end|>\n");
}

// ---- QwenTokenizer*: the installed GGUF against transformers ----

std::string qwen_gguf() { return std::string(KBSEEK_TEST_MODELS_DIR) + "/qwen2.5-0.5b-instruct/model.gguf"; }

void require_qwen() {
  ASSERT_TRUE(core::path_exists(qwen_gguf())) << "model qwen2.5-0.5b-instruct is not installed at " << qwen_gguf()
                                              << ": run `bash scripts/fetch_gguf.sh qwen2.5-0.5b-instruct models`";
}

const BpeTokenizer* qwen() {
  static std::unique_ptr<BpeTokenizer> tok = []() -> std::unique_ptr<BpeTokenizer> {
    auto file = gguf::GgufFile::open(qwen_gguf());
    EXPECT_TRUE(file.is_ok()) << file.status().to_string();
    if (!file.is_ok()) return nullptr;
    auto vocab = gguf::read_bpe_vocab(*file.value());
    EXPECT_TRUE(vocab.is_ok()) << vocab.status().to_string();
    if (!vocab.is_ok()) return nullptr;
    auto t = BpeTokenizer::from_vocab(vocab.value(), qwen_gguf());
    EXPECT_TRUE(t.is_ok()) << t.status().to_string();
    return t.is_ok() ? std::move(t).value() : nullptr;
  }();
  return tok.get();
}

std::vector<json> cases() { return testing::read_jsonl(testing::data_dir() + "/qwen2_tokenizer_cases.jsonl"); }

TEST(QwenTokenizerTest, FixtureMatchesTransformersIdForId) {
  ASSERT_NO_FATAL_FAILURE(require_qwen());
  ASSERT_NE(qwen(), nullptr);
  size_t n = 0, bad = 0;
  for (const json& r : cases()) {
    if (!r.contains("text") || r.contains("messages")) continue;
    ++n;
    const std::string text = r["text"].get<std::string>();
    auto got = qwen()->encode(text, /*add_special_tokens=*/false);
    ASSERT_TRUE(got.is_ok()) << got.status().to_string();
    if (got.value() != r["ids"].get<std::vector<int32_t>>() && ++bad <= 5) {
      ADD_FAILURE() << json(text).dump().substr(0, 160) << "\n got  " << json(got.value()).dump().substr(0, 200)
                    << "\n want " << r["ids"].dump().substr(0, 200);
    }
    if (r.contains("ids_special")) {
      auto with = qwen()->encode(text, /*add_special_tokens=*/true);
      ASSERT_TRUE(with.is_ok());
      EXPECT_EQ(with.value(), r["ids_special"].get<std::vector<int32_t>>()) << json(text).dump();
    }
  }
  EXPECT_GE(n, 300u);
  EXPECT_EQ(bad, 0u) << bad << " of " << n << " texts differ";
}

TEST(QwenTokenizerTest, ChatTemplateMatchesApplyChatTemplate) {
  ASSERT_NO_FATAL_FAILURE(require_qwen());
  ASSERT_NE(qwen(), nullptr);
  size_t n = 0;
  for (const json& r : cases()) {
    if (!r.contains("messages")) continue;
    ++n;
    std::vector<ChatMessage> messages;
    for (const json& m : r["messages"])
      messages.push_back({m["role"].get<std::string>(), m["content"].get<std::string>()});
    const std::string text = render_chatml(messages, r["add_generation_prompt"].get<bool>());
    EXPECT_EQ(text, r["text"].get<std::string>());
    auto ids = qwen()->encode(text, false);
    ASSERT_TRUE(ids.is_ok());
    EXPECT_EQ(ids.value(), r["ids"].get<std::vector<int32_t>>()) << json(text).dump();
  }
  EXPECT_GE(n, 3u);
}

TEST(QwenTokenizerTest, SpecialsAndMetadata) {
  ASSERT_NO_FATAL_FAILURE(require_qwen());
  ASSERT_NE(qwen(), nullptr);
  const json meta = cases().at(0).at("meta");
  EXPECT_FALSE(meta["add_bos_token"].get<bool>());
  for (auto it = meta["added_tokens"].begin(); it != meta["added_tokens"].end(); ++it) {
    auto ids = qwen()->encode(it.key(), false);
    ASSERT_TRUE(ids.is_ok());
    EXPECT_EQ(ids.value(), (std::vector<int32_t>{it.value().get<int32_t>()})) << it.key();
  }
  EXPECT_EQ(qwen()->token_to_id("<|im_start|>"), 151644);
  EXPECT_EQ(qwen()->eos_id(), 151645);  // <|im_end|>
  EXPECT_EQ(qwen()->bos_id(), 151643);
  EXPECT_EQ(qwen()->pad_id(), 151643);
  EXPECT_EQ(qwen()->id_to_token(151645), "<|im_end|>");
  EXPECT_EQ(qwen()->vocab_size(), 151936);
}

}  // namespace
}  // namespace kbseek::encoder
