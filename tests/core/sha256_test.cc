#include "core/sha256.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "core/file_util.h"

namespace kbseek::core {
namespace {

// FIPS 180-4 example vectors.
TEST(Sha256Test, KnownVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256Test, FileMatchesMemoryAndMissingFileNamesPath) {
  std::string path = ::testing::TempDir() + "/sha_test.bin";
  std::string data(3 * 1024 * 1024 + 17, 'x');
  ASSERT_TRUE(write_file_atomic(path, data).is_ok());
  auto r = sha256_file(path);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r.value(), sha256_hex(data));
  std::remove(path.c_str());
  auto missing = sha256_file(path);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("sha_test.bin"), std::string::npos);
}

}  // namespace
}  // namespace kbseek::core
