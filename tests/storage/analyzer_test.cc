#include "storage/analyzer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>

namespace kbseek::storage {
namespace {

using Terms = std::vector<std::string>;

Analyzer make(AnalyzerOptions options = {}) {
  auto a = Analyzer::create(options);
  EXPECT_TRUE(a.is_ok()) << a.status().to_string();
  return std::move(a).value();
}

bool has(const Terms& terms, const std::string& t) { return std::find(terms.begin(), terms.end(), t) != terms.end(); }

TEST(AnalyzerTest, ChineseIsSegmentedIntoDictionaryWords) {
  Analyzer a = make();
  // The classic ambiguity: 研究 / 生命 / 起源, not 研究生 / 命.
  EXPECT_EQ(a.analyze("研究生命起源"), (Terms{"研究", "生命", "起源"}));
  Terms db = a.analyze("数据库管理系统");
  EXPECT_TRUE(has(db, "管理"));
  EXPECT_TRUE(has(db, "系统"));
  EXPECT_TRUE(has(db, "数据"));
  EXPECT_LT(db.size(), 7u) << "expected words, not single characters";
}

TEST(AnalyzerTest, TraditionalChineseFoldsToSimplified) {
  const Analyzer a = make();
  EXPECT_EQ(a.analyze("資料庫管理系統"), a.analyze("资料库管理系统"));
  EXPECT_EQ(a.analyze("網路安全"), a.analyze("网路安全"));
  // Simplified text keeps its words.
  EXPECT_EQ(a.analyze("数据库管理系统"), (Terms{"数据", "库", "管理", "系统"}));
  AnalyzerOptions off;
  off.fold_traditional = false;
  auto plain = Analyzer::create(off);
  ASSERT_TRUE(plain.is_ok());
  EXPECT_NE(plain.value().analyze("資料庫"), a.analyze("資料庫"));
  EXPECT_NE(plain.value().version(), a.version());
}

TEST(AnalyzerTest, QueriesAlsoLookForTheOtherRegionsPhrasing) {
  const Analyzer a = make();
  auto has_all = [](const Terms& in, const Terms& want) {
    for (const auto& w : want)
      if (std::find(in.begin(), in.end(), w) == in.end()) return false;
    return true;
  };
  // A mainland query reaches a Taiwan document (資料庫 folds to 资料库) and back.
  EXPECT_TRUE(has_all(a.analyze_query("数据库"), a.analyze("資料庫")));
  EXPECT_TRUE(has_all(a.analyze_query("資料庫"), a.analyze("数据库")));
  EXPECT_TRUE(has_all(a.analyze_query("软件"), a.analyze("軟體")));
  EXPECT_EQ(a.analyze_query("database backup"), a.analyze("database backup"));
}

TEST(AnalyzerTest, FullWidthFoldsToAscii) {
  EXPECT_EQ(make().analyze("ＡＢＣ１２３"), (Terms{"abc123"}));
  EXPECT_EQ(make().analyze("ＡＢＣ１２３"), make().analyze("abc123"));
}

TEST(AnalyzerTest, EnglishIsCaseFoldedAndStemmed) {
  EXPECT_EQ(make().analyze("Running DOGS, the NFL's"), (Terms{"run", "dog", "the", "nfl"}));
  AnalyzerOptions no_stem;
  no_stem.stem_english = false;
  EXPECT_EQ(make(no_stem).analyze("Running DOGS"), (Terms{"running", "dogs"}));
}

TEST(AnalyzerTest, MixedChineseAndLatinQuery) {
  // Xapian 1.4's QueryParser throws on this one; our analyzer must not care.
  Terms t = make().analyze("用 groff 模拟 nroff 命令");
  EXPECT_EQ(t, (Terms{"用", "groff", "模拟", "nroff", "命令"}));
}

TEST(AnalyzerTest, PunctuationSpaceAndSymbolsAreDropped) {
  EXPECT_TRUE(make().analyze("，。！？ ... —— ### 🙂 \t\n").empty());
  EXPECT_TRUE(make().analyze("").empty());
  EXPECT_EQ(make().analyze("hello, 世界!"), (Terms{"hello", "世界"}));
}

TEST(AnalyzerTest, OtherScriptsAreKeptUnstemmed) {
  Terms t = make().analyze("Привет мир 한국어");
  EXPECT_EQ(t, (Terms{"привет", "мир", "한국어"}));
}

TEST(AnalyzerTest, InvalidUtf8AndOverlongTermsAreSkipped) {
  EXPECT_EQ(make().analyze("abc\xff def"), (Terms{"abc", "def"}));
  std::string longword(Analyzer::kMaxTermBytes + 1, 'x');
  EXPECT_EQ(make().analyze(longword + " ok"), (Terms{"ok"}));
}

TEST(AnalyzerTest, BigramOptionAddsCharacterPairs) {
  AnalyzerOptions o;
  o.cjk_bigrams = true;
  Terms t = make(o).analyze("数据库管理");
  EXPECT_TRUE(has(t, "据库"));
  EXPECT_TRUE(has(t, "库管"));
  EXPECT_NE(make(o).version(), make().version());
}

TEST(AnalyzerTest, VersionNamesIcuAndOptions) {
  const std::string v = make().version();
  EXPECT_NE(v.find("icu"), std::string::npos);
  EXPECT_NE(v.find("stem_en"), std::string::npos);
}

TEST(AnalyzerTest, ConcurrentUseGivesTheSameTerms) {
  Analyzer a = make();
  const std::string text = "用 groff 模拟 nroff 命令。研究生命起源 Running ＡＢＣ１２３";
  const Terms expected = a.analyze(text);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(8, 0);
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) mismatches[t] += a.analyze(text) != expected;
    });
  }
  for (auto& th : threads) th.join();
  for (int m : mismatches) EXPECT_EQ(m, 0);
}

}  // namespace
}  // namespace kbseek::storage
