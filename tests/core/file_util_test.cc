#include "core/file_util.h"

#include <gtest/gtest.h>

namespace kbseek::core {
namespace {

TEST(FileUtilTest, AtomicWriteReplacesAndReads) {
  std::string dir = ::testing::TempDir() + "/kb_file_util/a/b";
  ASSERT_TRUE(make_dirs(dir).is_ok());
  ASSERT_TRUE(is_directory(dir));
  std::string path = dir + "/MANIFEST";
  ASSERT_TRUE(write_file_atomic(path, "one").is_ok());
  ASSERT_TRUE(write_file_atomic(path, "two").is_ok());
  auto r = read_file(path);
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r.value(), "two");
  EXPECT_FALSE(path_exists(path + ".tmp"));
  auto missing = read_file(dir + "/nope");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace kbseek::core
