#include "core/utf8.h"

#include <gtest/gtest.h>

namespace kbseek::core {
namespace {

TEST(Utf8Test, Validation) {
  EXPECT_TRUE(is_valid_utf8("hello 数据库 café 😀"));
  EXPECT_EQ(find_invalid_utf8(std::string("ab\xff"
                                          "cd")),
            2u);
  EXPECT_EQ(find_invalid_utf8(std::string("\xc0\xaf")), 0u);       // overlong '/'
  EXPECT_EQ(find_invalid_utf8(std::string("x\xed\xa0\x80")), 1u);  // surrogate
  EXPECT_EQ(find_invalid_utf8(std::string("\xe6\x95")), 0u);       // truncated
}

TEST(Utf8Test, DecodingReplacesBadBytesOneAtATime) {
  const std::string s = "a\xff\xe6\x95中";  // a bad lead byte, then a truncated sequence
  size_t pos = 0;
  EXPECT_EQ(decode_utf8(s, &pos), U'a');
  EXPECT_EQ(pos, 1u);
  EXPECT_EQ(decode_utf8(s, &pos), 0xFFFDu);
  EXPECT_EQ(pos, 2u);
  EXPECT_EQ(decode_utf8(s, &pos), 0xFFFDu);  // E6 95 then 中's lead byte: no continuation
  EXPECT_EQ(pos, 3u);
  EXPECT_EQ(decode_utf8(s, &pos), 0xFFFDu);
  EXPECT_EQ(pos, 4u);
  EXPECT_EQ(decode_utf8(s, &pos), U'中');
  EXPECT_EQ(pos, s.size());
  size_t end = 0;
  EXPECT_EQ(decode_utf8(std::string("\xf0\x9f\x98"), &end), 0xFFFDu);  // cut off by the end
  EXPECT_EQ(end, 1u);
}

TEST(Utf8Test, RoundTripAndPrefix) {
  std::string s = "中文 and English ＡＢＣ";
  EXPECT_EQ(to_utf8(to_u32(s)), s);
  EXPECT_EQ(to_u32("中文").size(), 2u);
  // "中" is 3 bytes: a 4-byte prefix must stop after it, not inside "文".
  EXPECT_EQ(utf8_prefix_len("中文", 4), 3u);
  EXPECT_EQ(utf8_prefix_len("ab", 10), 2u);
}

}  // namespace
}  // namespace kbseek::core
