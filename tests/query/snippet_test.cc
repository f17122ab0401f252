#include "query/snippet.h"

#include <gtest/gtest.h>

#include "core/utf8.h"

namespace kbseek::query {
namespace {

TEST(SnippetTest, QueryWordsSegmentChineseAndLowercase) {
  auto w = query_words("How to 重置 VPN 密码?");
  EXPECT_NE(std::find(w.begin(), w.end(), "vpn"), w.end());
  EXPECT_NE(std::find(w.begin(), w.end(), "how"), w.end());
  EXPECT_NE(std::find(w.begin(), w.end(), "密码"), w.end());
  EXPECT_EQ(std::find(w.begin(), w.end(), "?"), w.end());
}

TEST(SnippetTest, WindowCentresOnMatches) {
  std::string text;
  for (int i = 0; i < 30; ++i) text += "filler text here. ";
  text += "The VPN password reset needs a code. ";
  for (int i = 0; i < 30; ++i) text += "more filler after. ";
  auto s = make_snippet(text, query_words("vpn password"), 80);
  EXPECT_NE(s.find("VPN password"), std::string::npos) << s;
  EXPECT_EQ(s.rfind("…", 0), 0u);  // cut at the start
  EXPECT_TRUE(core::is_valid_utf8(s));
  EXPECT_LE(core::to_u32(s).size(), 82u);
}

TEST(SnippetTest, ChineseTextStaysValidUtf8) {
  std::string text;
  for (int i = 0; i < 100; ++i) text += "数据";
  text += "库备份与恢复";
  for (int i = 0; i < 100; ++i) text += "内容";
  auto s = make_snippet(text, query_words("备份"), 40);
  EXPECT_NE(s.find("备份"), std::string::npos);
  EXPECT_TRUE(core::is_valid_utf8(s));
}

TEST(SnippetTest, WhiteSpaceRunsCollapse) {
  EXPECT_EQ(make_snippet("  Results:\n\n   CONCLUSIONS\tfound  ", {"found"}, 160), "Results: CONCLUSIONS found");
}

TEST(SnippetTest, NoMatchGivesStartAndShortTextIsWhole) {
  EXPECT_EQ(make_snippet("short text", {"zzz"}, 160), "short text");
  std::string text(500, 'a');
  auto s = make_snippet(text, {"zzz"}, 100);
  EXPECT_EQ(s.substr(0, 100), std::string(100, 'a'));
}

}  // namespace
}  // namespace kbseek::query
