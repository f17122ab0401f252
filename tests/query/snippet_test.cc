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

// The characters [a, b) of s, by code point.
std::string chars(const std::string& s, int a, int b) { return core::to_utf8(core::to_u32(s).substr(a, b - a)); }

TEST(SnippetTest, BestSentenceWithMarkedWordsInEnglish) {
  const std::string text =
      "Our office opens at nine. The VPN client needs a password reset every ninety days. "
      "Printers are on the second floor. Ask the help desk about the VPN token if the reset fails. "
      "Lunch is served at noon in the canteen on the ground floor of the building.";
  Snippet s = make_highlighted_snippet(text, query_words("how to reset the VPN password"), 120);
  // The sentence with vpn, password and reset, then the next while it fits.
  EXPECT_EQ(s.text, "…The VPN client needs a password reset every ninety days. Printers are on the second floor.…");
  std::vector<std::string> marked;
  for (const auto& [a, b] : s.highlights) marked.push_back(chars(s.text, a, b));
  EXPECT_EQ(marked, (std::vector<std::string>{"VPN", "password", "reset"}));  // "how", "to", "the" are not marked
}

TEST(SnippetTest, BestSentenceInChineseWithCharacterOffsets) {
  const std::string text =
      "公司的办公室九点开门。员工需要每九十天重置一次VPN密码，请提前准备。打印机在二楼。"
      "午餐在一楼食堂供应，时间是中午十二点到一点半，请大家按时就餐，不要浪费粮食。";
  Snippet s = make_highlighted_snippet(text, query_words("如何重置VPN密码"), 30);
  EXPECT_EQ(s.text.rfind("…员工需要每九十天重置一次VPN密码", 0), 0u) << s.text;
  ASSERT_FALSE(s.highlights.empty());
  std::string joined;
  for (const auto& [a, b] : s.highlights) joined += chars(s.text, a, b) + "|";
  EXPECT_NE(joined.find("重置"), std::string::npos) << joined;
  EXPECT_NE(joined.find("VPN密码"), std::string::npos) << joined;  // touching matches merge
  EXPECT_TRUE(core::is_valid_utf8(s.text));
  for (const auto& [a, b] : s.highlights) {
    EXPECT_LT(a, b);
    EXPECT_LE(b, static_cast<int>(core::to_u32(s.text).size()));
  }
}

TEST(SnippetTest, ALongSentenceIsCutAroundItsMatches) {
  std::string text = "Intro. ";
  for (int i = 0; i < 40; ++i) text += "word ";
  text += "the backup restore step ";
  for (int i = 0; i < 40; ++i) text += "more ";
  text += "end.";
  Snippet s = make_highlighted_snippet(text, query_words("backup restore"), 60);
  EXPECT_NE(s.text.find("backup restore"), std::string::npos) << s.text;
  EXPECT_LE(core::to_u32(s.text).size(), 62u);
  ASSERT_EQ(s.highlights.size(), 2u);
  EXPECT_EQ(chars(s.text, s.highlights[0].first, s.highlights[0].second), "backup");
}

TEST(SnippetTest, ShortTextIsWholeAndMarked) {
  Snippet s = make_highlighted_snippet("Reset your VPN password here.", query_words("vpn"), 160);
  EXPECT_EQ(s.text, "Reset your VPN password here.");
  EXPECT_EQ(s.highlights, (std::vector<std::pair<int, int>>{{11, 14}}));
}

}  // namespace
}  // namespace kbseek::query
