#include "query/query_language.h"

#include <gtest/gtest.h>

namespace kbseek::query {
namespace {

TEST(QueryLanguageTest, CountsWordsForAlphabetsAndCharactersForHan) {
  auto c = script_counts("CUDA 工具包 安装 v12.4!");
  EXPECT_EQ(c["latin"], 2);  // "CUDA", "v"
  EXPECT_EQ(c["han"], 5);
  auto ja = script_counts("東京のホテル");
  EXPECT_EQ(ja["han"], 2);
  EXPECT_EQ(ja["kana"], 4);
}

TEST(QueryLanguageTest, ReadableShareFollowsModelLanguages) {
  EXPECT_DOUBLE_EQ(readable_share("how do I reset my password", {"en"}), 1.0);
  EXPECT_DOUBLE_EQ(readable_share("差旅费用怎么报销", {"en"}), 0.0);
  EXPECT_DOUBLE_EQ(readable_share("差旅费用怎么报销", {"en", "zh"}), 1.0);
  EXPECT_DOUBLE_EQ(readable_share("資料庫連線逾時", {"zh"}), 1.0);  // traditional is Han too
  EXPECT_NEAR(readable_share("CUDA 工具包", {"en"}), 1.0 / 4, 1e-12);
  EXPECT_DOUBLE_EQ(readable_share("anything 任何", {}), 1.0);  // unknown languages: no restriction
  EXPECT_DOUBLE_EQ(readable_share("12345 !!", {"en"}), 1.0);   // nothing language-bearing
  EXPECT_DOUBLE_EQ(readable_share("Привет мир", {"en", "fr"}), 0.0);
}

}  // namespace
}  // namespace kbseek::query
