#include "app/args.h"

#include <gtest/gtest.h>

namespace kbseek::app {
namespace {

core::Result<Args> parse(std::vector<std::string> v) {
  std::vector<char*> argv;
  for (auto& s : v) argv.push_back(s.data());
  return Args::parse(static_cast<int>(argv.size()), argv.data(), {"--index", "-k"}, {"--json"});
}

TEST(ArgsTest, FlagsValuesAndPositionals) {
  auto a = parse({"--index", "dir", "-k", "5", "--json", "多个", "words", "--", "--not-a-flag"});
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  EXPECT_EQ(a->get("--index"), "dir");
  EXPECT_EQ(a->get_int("-k", 10).value(), 5);
  EXPECT_TRUE(a->has("--json"));
  EXPECT_EQ(a->positional(), (std::vector<std::string>{"多个", "words", "--not-a-flag"}));
  auto eq = parse({"--index=d2"});
  EXPECT_EQ(eq->get("--index"), "d2");
}

TEST(ArgsTest, ErrorsNameTheFlag) {
  auto unknown = parse({"--bogus"});
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_NE(unknown.status().message().find("--bogus"), std::string::npos);
  auto missing_value = parse({"--index"});
  EXPECT_NE(missing_value.status().message().find("--index needs a value"), std::string::npos);
  auto bad_int = parse({"-k", "five"});
  EXPECT_NE(bad_int->get_int("-k", 1).status().message().find("five"), std::string::npos);
}

}  // namespace
}  // namespace kbseek::app
