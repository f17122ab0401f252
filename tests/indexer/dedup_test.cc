// Duplicate detection on real passages and edited copies of them.
#include "indexer/dedup.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

namespace kbseek::indexer {
namespace {

const std::string kEn =
    "Employees submit travel and meal expenses within 30 days through the finance system. Receipts are required "
    "for any item above 25 dollars. Hotel costs are reimbursed up to 180 dollars per night in tier-one cities. "
    "Approval goes to the line manager first, then to Finance, and payments arrive with the next salary.";
const std::string kZh =
    "员工应在费用发生后三十天内通过财务系统提交差旅和餐饮报销。单笔超过一百五十元的费用必须附发票。"
    "一线城市住宿费每晚报销上限为一千二百元。审批先由直属经理完成，再由财务部复核，报销款随下一次工资发放。";

TEST(DedupTest, NormalisationIgnoresCasePunctuationAndSpacing) {
  EXPECT_EQ(normalized_text("Hello,  World!\n数据库。"), "hello world 数据库");
  EXPECT_EQ(simhash(normalized_text("Hello, World!")), simhash(normalized_text("hello   world")));
}

TEST(DedupTest, EditedCopiesStayCloseAndDifferentTextsFarApart) {
  const uint64_t en = simhash(normalized_text(kEn));
  const uint64_t zh = simhash(normalized_text(kZh));
  // One sentence's wording changed at the end of a four-sentence passage.
  std::string en_edit = kEn;
  en_edit.replace(en_edit.find("next salary"), 11, "following payroll");
  std::string zh_edit = kZh;
  zh_edit.replace(zh_edit.find("下一次工资"), std::string("下一次工资").size(), "下个月工资");
  EXPECT_LE(hamming(en, simhash(normalized_text(en_edit))), 12);
  EXPECT_LE(hamming(zh, simhash(normalized_text(zh_edit))), 12);
  EXPECT_GE(hamming(en, zh), 16);
  const std::string other =
      "Full-time staff receive 15 days of paid annual leave per year, increasing by one day for each year of "
      "service up to 20 days. Unused leave can be carried over until the end of March of the following year.";
  EXPECT_GE(hamming(en, simhash(normalized_text(other))), 16);
  // The same edit in a document twenty times as long is within the default threshold.
  std::string longer, longer_edit;
  for (int i = 0; i < 20; ++i) longer += kEn + " ";
  longer_edit = longer;
  longer_edit.replace(longer_edit.find("next salary"), 11, "following payroll");
  DuplicateIndex idx(3);
  idx.add("long", simhash(normalized_text(longer)));
  DuplicateMatch m;
  EXPECT_TRUE(idx.find(simhash(normalized_text(longer_edit)), "edit", &m));
  EXPECT_EQ(m.of, "long");
}

TEST(DedupTest, ThresholdIsMeasuredOnRealPassages) {
  // Over real passages of the eval corpora: exact copies are at distance 0,
  // and distinct passages are almost never within 3 bits (the default).
  std::ifstream in(KBSEEK_TEST_DATA_DIR "/../../app/sample/bilingual_sample.jsonl");
  ASSERT_TRUE(in);
  std::vector<uint64_t> fps;
  std::string line;
  while (std::getline(in, line))
    fps.push_back(simhash(normalized_text(nlohmann::json::parse(line)["text"].get<std::string>())));
  int close = 0;
  for (size_t i = 0; i < fps.size(); ++i)
    for (size_t j = i + 1; j < fps.size(); ++j) close += hamming(fps[i], fps[j]) <= 3;
  EXPECT_EQ(close, 0) << "distinct sample documents within 3 bits";
}

TEST(DedupTest, BandedIndexFindsWithinThresholdOnly) {
  DuplicateIndex idx(3);
  const uint64_t base = 0x0123456789abcdefULL;
  idx.add("a", base);
  idx.add("far", ~base);
  DuplicateMatch m;
  EXPECT_TRUE(idx.find(base ^ 0b111, "x", &m));  // 3 bits, spread in one band
  EXPECT_EQ(m.of, "a");
  EXPECT_EQ(m.distance, 3);
  EXPECT_TRUE(idx.find(base ^ (1ULL | 1ULL << 20 | 1ULL << 40), "x", &m));  // 3 bits in 3 bands
  EXPECT_FALSE(idx.find(base ^ 0b1111, "x", &m));                           // 4 bits: beyond the threshold
  EXPECT_FALSE(idx.find(base, "a", &m));                                    // never itself
  idx.remove("a");
  EXPECT_FALSE(idx.find(base, "x", &m));
  DuplicateIndex exact(0);
  exact.add("a", base);
  EXPECT_TRUE(exact.find(base, "x", &m));
  EXPECT_FALSE(exact.find(base ^ 1, "x", &m));
}

}  // namespace
}  // namespace kbseek::indexer
