// What the access log masks in a query, and what it keeps.
#include "core/personal_data.h"

#include <gtest/gtest.h>

namespace kbseek::core {
namespace {

TEST(PersonalDataTest, MasksEmailAddresses) {
  EXPECT_EQ(mask_personal_data("reset password for zhang.san@corp.example.com please"),
            "reset password for <email> please");
  EXPECT_EQ(mask_personal_data("邮箱 li_si+hr@mail.cn 的权限"), "邮箱 <email> 的权限");
  EXPECT_EQ(mask_personal_data("write to a@b.org."), "write to <email>.");
  // Not addresses: no dot in the domain, nothing before '@', a handle.
  EXPECT_EQ(mask_personal_data("user@localhost @team a@b"), "user@localhost @team a@b");
}

TEST(PersonalDataTest, MasksPhoneIdAndCardNumbers) {
  EXPECT_EQ(mask_personal_data("13800138000 的通话记录"), "<number> 的通话记录");
  EXPECT_EQ(mask_personal_data("call +86 138 0013 8000 today"), "call <number> today");
  EXPECT_EQ(mask_personal_data("tel (021) 6123-4567"), "tel <number>");
  EXPECT_EQ(mask_personal_data("555-123-4567"), "<number>");
  EXPECT_EQ(mask_personal_data("身份证 11010119900307777X 查询"), "身份证 <number> 查询");
  EXPECT_EQ(mask_personal_data("身份证110101199003077777"), "身份证<number>");
  EXPECT_EQ(mask_personal_data("card 6222 0212 3456 7890 123"), "card <number>");
  EXPECT_EQ(mask_personal_data("host 192.168.100.200"), "host <number>");
}

TEST(PersonalDataTest, KeepsWhatIsNotPersonal) {
  for (const char* kept : {"2024-03-01 到 2024/3/1 和 2024.03.01", "报销 2025 年 12 个月", "CUDA 11.6 on A100",
                           "at least 12 characters", "compare 2023 2024 2025", "time:2024-01-01..2024-12-31",
                           "price 1,024,000", "sha256 abc1234567def", "v1234567", "10:30:45", "¥300万"}) {
    EXPECT_EQ(mask_personal_data(kept), kept);
  }
  EXPECT_EQ(mask_personal_data(""), "");
  EXPECT_EQ(mask_personal_data("订单 12345678"), "订单 <number>") << "a rule, not a detector";
}

}  // namespace
}  // namespace kbseek::core
