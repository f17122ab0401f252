// UseM3Encoder on the installed models/use-m3: golden embeddings from the
// numpy reference, cross-lingual neighbours, truncation, batching, threads.
#include <gtest/gtest.h>

#include <thread>

#include "core/file_util.h"
#include "encoder/model_card.h"
#include "encoder/model_folder.h"
#include "encoder/registry.h"
#include "encoder/use/use_encoder.h"
#include "tests/encoder/use/use_test_support.h"

namespace kbseek::encoder {
namespace {

class UseM3EncoderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!core::path_exists(use_testing::model_dir() + "/model.safetensors")) return;
    ModelSource src;
    src.dir = use_testing::model_dir();
    src.name = "use-m3";
    src.fingerprint = "test";
    src.languages = read_model_card_languages(src.dir);
    auto e = open_use_m3_encoder(src, {});
    ASSERT_TRUE(e.is_ok()) << e.status().to_string();
    encoder_ = static_cast<kbseek::encoder::UseM3Encoder*>(std::move(e.value()).release());
  }
  static void TearDownTestSuite() {
    delete encoder_;
    encoder_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(use_testing::require_model());
    ASSERT_NE(encoder_, nullptr);
  }
  static std::vector<float> encode(const std::vector<std::string>& texts) {
    std::vector<float> out(texts.size() * 512);
    const core::Status st = encoder_->encode(texts, InputKind::kPassage, out.data());
    EXPECT_TRUE(st.is_ok()) << st.to_string();
    return out;
  }
  static kbseek::encoder::UseM3Encoder* encoder_;
};
kbseek::encoder::UseM3Encoder* UseM3EncoderTest::encoder_ = nullptr;

TEST_F(UseM3EncoderTest, Shape) {
  EXPECT_EQ(encoder_->dimension(), 512);
  EXPECT_EQ(encoder_->max_tokens(), 512);
  EXPECT_EQ(encoder_->name(), "use-m3");
  EXPECT_EQ(encoder_->count_tokens("Hello, world!"), static_cast<int>(encoder_->input_ids("Hello, world!").size()) - 2);
}

TEST_F(UseM3EncoderTest, LanguagesAndCoverage) {
  const auto& langs = encoder_->languages();
  EXPECT_NE(std::find(langs.begin(), langs.end(), "zh"), langs.end());
  EXPECT_NE(std::find(langs.begin(), langs.end(), "en"), langs.end());
  EXPECT_EQ(langs.size(), 16u);
  EXPECT_DOUBLE_EQ(encoder_->vocabulary_coverage("如何重置我的密码？"), 1.0);
  EXPECT_DOUBLE_EQ(encoder_->vocabulary_coverage(""), 1.0);
  // "▁" then one merged <unk> run for characters the vocabulary lacks.
  EXPECT_DOUBLE_EQ(encoder_->vocabulary_coverage("\U000f0000\U000f0001"), 0.5);
}

TEST_F(UseM3EncoderTest, GoldenEmbeddings) {
  const auto rows = use_testing::read_jsonl(use_testing::data_dir() + "/use_golden.jsonl");
  ASSERT_GE(rows.size(), 40u);
  std::vector<std::string> texts;
  for (const auto& r : rows) texts.push_back(r["text"].get<std::string>());
  const std::vector<float> batched = encode(texts);
  double worst = 1.0;
  for (size_t i = 0; i < rows.size(); ++i) {
    const auto want_ids = rows[i]["ids"].get<std::vector<int32_t>>();
    EXPECT_EQ(encoder_->input_ids(texts[i]), want_ids) << "line " << i + 1 << ": " << texts[i];
    const auto want = rows[i]["embedding"].get<std::vector<float>>();
    ASSERT_EQ(want.size(), 512u);
    const std::vector<float> single = encode({texts[i]});
    const double c_batched = use_testing::cosine(batched.data() + i * 512, want.data(), 512);
    const double c_single = use_testing::cosine(single.data(), want.data(), 512);
    EXPECT_GE(c_batched, 0.9999) << "line " << i + 1 << " (batched): " << texts[i];
    EXPECT_GE(c_single, 0.9999) << "line " << i + 1 << " (alone): " << texts[i];
    worst = std::min({worst, c_batched, c_single});
  }
  std::printf("golden: worst cosine %.9f (1 - cos = %.1e) over %zu texts\n", worst, 1.0 - worst, rows.size());
}

TEST_F(UseM3EncoderTest, OutputIsUnitLength) {
  const auto out = encode({"你好，世界", "", "   ", "a"});
  for (int r = 0; r < 4; ++r) {
    double sq = 0;
    for (int j = 0; j < 512; ++j) sq += static_cast<double>(out[r * 512 + j]) * out[r * 512 + j];
    EXPECT_NEAR(sq, 1.0, 1e-5) << "row " << r;
  }
}

TEST_F(UseM3EncoderTest, TranslationsAreNearestNeighbours) {
  const std::vector<std::pair<std::string, std::string>> pairs = {
      {"如何重置我的密码？", "How do I reset my password?"},
      {"公司在三十天内报销差旅费用。", "The company reimburses travel expenses within thirty days."},
      {"今天天气很好。", "The weather is nice today."},
      {"北京是中国的首都。", "Beijing is the capital of China."},
      {"我喜欢吃苹果。", "I like eating apples."},
      {"服务器宕机了，请重启。", "The server is down, please restart it."},
      {"這本書很有趣。", "This book is very interesting."},
  };
  std::vector<std::string> zh, en;
  for (const auto& p : pairs) {
    zh.push_back(p.first);
    en.push_back(p.second);
  }
  const auto ez = encode(zh), ee = encode(en);
  for (size_t i = 0; i < pairs.size(); ++i) {
    const double match = use_testing::cosine(ez.data() + i * 512, ee.data() + i * 512, 512);
    for (size_t j = 0; j < pairs.size(); ++j) {
      if (j == i) continue;
      EXPECT_GT(match, use_testing::cosine(ez.data() + i * 512, ee.data() + j * 512, 512))
          << zh[i] << " is closer to " << en[j] << " than to " << en[i];
      EXPECT_GT(match, use_testing::cosine(ez.data() + j * 512, ee.data() + i * 512, 512))
          << en[i] << " is closer to " << zh[j] << " than to " << zh[i];
    }
  }
}

TEST_F(UseM3EncoderTest, TruncatesToMaxTokens) {
  std::string long_text;
  for (int i = 0; i < 700; ++i) long_text += "语义搜索 ";
  ASSERT_GT(encoder_->count_tokens(long_text), 600);
  EXPECT_EQ(encoder_->input_ids(long_text).size(), 512u);
  const auto a = encode({long_text});
  const auto b = encode({long_text + " and a different ending that is cut off"});
  EXPECT_GT(use_testing::cosine(a.data(), b.data(), 512), 0.999999);
}

TEST_F(UseM3EncoderTest, BatchCompositionDoesNotChangeResults) {
  std::vector<std::string> texts;
  for (int i = 0; i < 300; ++i)
    texts.push_back("第" + std::to_string(i) + "个句子 sentence number " + std::to_string(i));
  const auto all = encode(texts);
  for (int i : {0, 1, 150, 299}) {
    const auto one = encode({texts[i]});
    EXPECT_GT(use_testing::cosine(all.data() + i * 512, one.data(), 512), 0.999999) << i;
  }
}

TEST_F(UseM3EncoderTest, ConcurrentCallsAgree) {
  const std::vector<std::string> texts = {"并发调用", "concurrent calls", "同时 at the same time"};
  const auto want = encode(texts);
  std::vector<std::thread> threads;
  std::vector<std::vector<float>> got(4, std::vector<float>(texts.size() * 512));
  std::vector<core::Status> status(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int k = 0; k < 20 && status[t].is_ok(); ++k)
        status[t] = encoder_->encode(texts, InputKind::kQuery, got[t].data());
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) {
    ASSERT_TRUE(status[t].is_ok()) << status[t].to_string();
    for (size_t i = 0; i < texts.size(); ++i) {
      EXPECT_GT(use_testing::cosine(got[t].data() + i * 512, want.data() + i * 512, 512), 0.999999);
    }
  }
}

// Opens another encoder on the installed model with KBSEEK_USE_M3_ID_CACHE=value.
core::Result<std::unique_ptr<Encoder>> open_with_id_cache(const char* value) {
  ModelSource src;
  src.dir = use_testing::model_dir();
  src.name = "use-m3";
  setenv("KBSEEK_USE_M3_ID_CACHE", value, 1);
  auto e = open_use_m3_encoder(src, {});
  unsetenv("KBSEEK_USE_M3_ID_CACHE");
  return e;
}

TEST_F(UseM3EncoderTest, PerIdCacheLeavesQueryVectorsUnchanged) {
  ASSERT_NE(encoder_->model().id_cache(), nullptr) << "the cache is on by default";
  auto off = open_with_id_cache("0");
  ASSERT_TRUE(off.is_ok()) << off.status().to_string();
  const auto& off_use = static_cast<const UseM3Encoder&>(**off);
  EXPECT_EQ(off_use.model().id_cache(), nullptr);
  auto tiny = open_with_id_cache("8");  // evicts on every query
  ASSERT_TRUE(tiny.is_ok()) << tiny.status().to_string();
  const UsePerIdCache* cache = static_cast<const UseM3Encoder&>(**tiny).model().id_cache();
  ASSERT_NE(cache, nullptr);
  EXPECT_EQ(cache->capacity(), 8);
  const std::vector<std::string> queries = {"如何重置我的密码？", "How do I reset my password?", "重置 password",
                                            "报销流程是什么",     "What is the refund policy?",  "如何重置我的密码？"};
  std::vector<float> want(512), got(512);
  for (int pass = 0; pass < 2; ++pass) {
    for (const auto& q : queries) {
      ASSERT_TRUE((*off)->encode({q}, InputKind::kQuery, want.data()).is_ok());
      ASSERT_TRUE((*tiny)->encode({q}, InputKind::kQuery, got.data()).is_ok());
      EXPECT_EQ(got, want) << "pass " << pass << ": " << q;  // the same rows, bit for bit
      ASSERT_TRUE(encoder_->encode({q}, InputKind::kQuery, got.data()).is_ok());
      EXPECT_EQ(got, want) << "default cache, pass " << pass << ": " << q;
    }
  }
  EXPECT_GT(cache->hits(), 0u);  // BOS, EOS and "？" at least
  EXPECT_GT(cache->misses(), 0u);
  EXPECT_LE(cache->size(), 8);
}

TEST_F(UseM3EncoderTest, RejectsABadIdCacheSetting) {
  for (const char* bad : {"lots", "-1", "4096x", "99999999"}) {
    auto e = open_with_id_cache(bad);
    ASSERT_FALSE(e.is_ok()) << bad;
    EXPECT_NE(e.status().to_string().find("KBSEEK_USE_M3_ID_CACHE"), std::string::npos) << e.status().to_string();
  }
}

TEST_F(UseM3EncoderTest, RejectsInvalidUtf8NamingTheText) {
  std::vector<float> out(2 * 512);
  const core::Status st = encoder_->encode({"fine", "bad \xff byte"}, InputKind::kQuery, out.data());
  ASSERT_FALSE(st.is_ok());
  EXPECT_EQ(st.code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("texts[1]"), std::string::npos) << st.to_string();
}

TEST_F(UseM3EncoderTest, ModelFolderVerifies) {
  EXPECT_TRUE(verify_model_folder(use_testing::model_dir()).is_ok());
  auto config = core::read_file(use_testing::model_dir() + "/config.json");
  ASSERT_TRUE(config.is_ok());
  EXPECT_EQ(architecture_of_config(config.value()), "UniversalSentenceEncoderM3");
}

// The default arithmetic (bf16 on AMX or AVX512-BF16 where present) against forced fp32 on
// every tokenizer-fixture and golden text: the worst cosine is printed.
TEST_F(UseM3EncoderTest, DefaultArithmeticMatchesFp32) {
  if (!encoder_->model().uses_bf16()) GTEST_SKIP() << "this machine encodes in fp32 already";
  ModelSource src;
  src.dir = use_testing::model_dir();
  src.name = "use-m3";
  auto fp32 = open_use_m3_encoder(src, {}, UseMatmul::kFp32);
  ASSERT_TRUE(fp32.is_ok()) << fp32.status().to_string();
  std::vector<std::string> texts;
  for (const char* file : {"use_tokenizer_fixture.jsonl", "use_golden.jsonl"}) {
    for (const auto& r : use_testing::read_jsonl(use_testing::data_dir() + "/" + file)) {
      texts.push_back(r["text"].get<std::string>());
    }
  }
  const auto a = encode(texts);
  std::vector<float> b(texts.size() * 512);
  ASSERT_TRUE(fp32.value()->encode(texts, InputKind::kPassage, b.data()).is_ok());
  double worst = 1.0;
  size_t worst_i = 0;
  for (size_t i = 0; i < texts.size(); ++i) {
    const double c = use_testing::cosine(a.data() + i * 512, b.data() + i * 512, 512);
    if (c < worst) {
      worst = c;
      worst_i = i;
    }
  }
  std::printf("%s vs fp32: worst cosine %.7f over %zu texts (\"%.40s\")\n", encoder_->model().products_name(), worst,
              texts.size(), texts[worst_i].c_str());
  EXPECT_GE(worst, 0.9999);
}

// Runs once encoder/registry.cc has the use-m3 line; skips (saying so) before.
TEST_F(UseM3EncoderTest, OpensThroughTheRegistry) {
  auto config = core::read_file(use_testing::model_dir() + "/config.json");
  ASSERT_TRUE(config.is_ok());
  if (!check_supported_config(config.value()).is_ok()) {
    GTEST_SKIP() << "encoder/registry.cc has no use-m3 line yet";
  }
  auto e = open_encoder(use_testing::model_dir());
  ASSERT_TRUE(e.is_ok()) << e.status().to_string();
  EXPECT_EQ(e.value()->dimension(), 512);
  std::vector<float> a(512), b(512);
  ASSERT_TRUE(e.value()->encode({"你好"}, InputKind::kQuery, a.data()).is_ok());
  ASSERT_TRUE(encoder_->encode({"你好"}, InputKind::kQuery, b.data()).is_ok());
  EXPECT_GT(use_testing::cosine(a.data(), b.data(), 512), 0.999999);
}

}  // namespace
}  // namespace kbseek::encoder
