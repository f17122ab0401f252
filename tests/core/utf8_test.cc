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
