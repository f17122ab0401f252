// Safetensors reader: dtype conversion and every way a file can be broken.
#include "encoder/safetensors.h"

#include <gtest/gtest.h>

#include "tests/encoder/fake_safetensors.h"
#include "tests/encoder/test_support.h"

namespace kbseek::encoder {
namespace {

using testing::FakeTensor;

class SafetensorsTest : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& bytes) {
    const std::string path = dir_ + "/" + name;
    EXPECT_TRUE(core::write_file_atomic(path, bytes).is_ok());
    return path;
  }
  std::string good_file() {
    std::map<std::string, FakeTensor> t;
    t["a.weight"] = {"F32", {2, 3}, testing::f32_bytes({1, 2, 3, 4, 5, -6.5f})};
    // 1.0, -2.0, 0.5 in IEEE half and bfloat16.
    t["h"] = {"F16", {3}, std::string("\x00\x3C\x00\xC0\x00\x38", 6)};
    t["b"] = {"BF16", {3}, std::string("\x80\x3F\x00\xC0\x00\x3F", 6)};
    t["ids"] = {"I64", {1}, std::string(8, '\0')};
    return write("model.safetensors", testing::make_safetensors(t));
  }
  testing::TempDir tmp_;
  std::string dir_ = tmp_.path();
};

TEST_F(SafetensorsTest, ReadsAndConvertsDtypes) {
  auto f = SafetensorsFile::open(good_file());
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  auto a = (*f)->read_f32("a.weight", {2, 3});
  ASSERT_TRUE(a.is_ok());
  EXPECT_EQ(a.value(), (std::vector<float>{1, 2, 3, 4, 5, -6.5f}));
  EXPECT_EQ((*f)->read_f32("h").value(), (std::vector<float>{1.0f, -2.0f, 0.5f}));
  EXPECT_EQ((*f)->read_f32("b").value(), (std::vector<float>{1.0f, -2.0f, 0.5f}));
  EXPECT_EQ((*f)->tensors().size(), 4u);
}

TEST_F(SafetensorsTest, MissingTensorAndWrongShapeNameTheTensor) {
  auto f = SafetensorsFile::open(good_file());
  ASSERT_TRUE(f.is_ok());
  auto missing = (*f)->read_f32("nope");
  EXPECT_EQ(missing.status().code(), core::StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("\"nope\""), std::string::npos);
  auto shape = (*f)->read_f32("a.weight", {3, 2});
  EXPECT_EQ(shape.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(shape.status().message().find("[2, 3]"), std::string::npos) << shape.status().message();
  auto dtype = (*f)->read_f32("ids");
  EXPECT_EQ(dtype.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(dtype.status().message().find("I64"), std::string::npos);
}

TEST_F(SafetensorsTest, TruncatedFileIsCorruptionNamingTheFile) {
  auto full = core::read_file(good_file());
  ASSERT_TRUE(full.is_ok());
  for (size_t keep : {size_t{0}, size_t{5}, size_t{20}, full.value().size() - 1}) {
    const std::string path = write("cut" + std::to_string(keep) + ".safetensors", full.value().substr(0, keep));
    auto f = SafetensorsFile::open(path);
    ASSERT_FALSE(f.is_ok()) << "kept " << keep << " bytes";
    EXPECT_EQ(f.status().code(), core::StatusCode::kCorruption) << f.status().to_string();
    EXPECT_NE(f.status().message().find(path), std::string::npos) << f.status().message();
  }
}

TEST_F(SafetensorsTest, InconsistentHeadersAreCorruption) {
  std::map<std::string, FakeTensor> t;
  t["x"] = {"F32", {4}, testing::f32_bytes({1, 2, 3})};  // 12 bytes for 4 floats
  auto f = SafetensorsFile::open(write("short.safetensors", testing::make_safetensors(t)));
  EXPECT_EQ(f.status().code(), core::StatusCode::kCorruption);
  EXPECT_NE(f.status().message().find("\"x\""), std::string::npos) << f.status().message();

  std::string bad_json = std::string("\x05\0\0\0\0\0\0\0", 8) + "{oops";
  auto g = SafetensorsFile::open(write("json.safetensors", bad_json));
  EXPECT_EQ(g.status().code(), core::StatusCode::kCorruption);
}

TEST_F(SafetensorsTest, MissingFileIsNotFound) {
  auto f = SafetensorsFile::open(dir_ + "/absent.safetensors");
  EXPECT_EQ(f.status().code(), core::StatusCode::kNotFound);
  EXPECT_NE(f.status().message().find("absent.safetensors"), std::string::npos);
}

}  // namespace
}  // namespace kbseek::encoder
