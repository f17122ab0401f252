// use_ops against naive loops, and the safetensors reader on the U8 + F32 layout use-m3 ships.
#include "encoder/use/use_ops.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <fstream>
#include <random>

#include "encoder/safetensors.h"

namespace kbseek::encoder {
namespace {

std::vector<float> random_vector(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

TEST(UseOps, SgemmSplitByColumnsMatchesNaive) {
  const int m = 7, n = 96, k = 300, ldc = 100;
  const auto a = random_vector(static_cast<size_t>(m) * k, 1), b = random_vector(static_cast<size_t>(k) * n, 2);
  for (int ways : {1, 2, 3}) {
    std::vector<float> c(static_cast<size_t>(m) * ldc, 1.0f);
    use_ops::sgemm(m, n, k, a.data(), k, b.data(), c.data(), ldc, /*accumulate=*/true, ways);
    for (int i = 0; i < m; ++i) {
      for (int j = 0; j < n; ++j) {
        double want = 1.0;
        for (int p = 0; p < k; ++p) want += static_cast<double>(a[i * k + p]) * b[p * n + j];
        ASSERT_NEAR(c[i * ldc + j], want, 1e-3) << "ways " << ways << " at " << i << "," << j;
      }
      for (int j = n; j < ldc; ++j) ASSERT_EQ(c[i * ldc + j], 1.0f) << "wrote past n";
    }
  }
}

TEST(UseOps, LayerNormRows) {
  std::vector<float> x = {1, 2, 3, 4, 9, 9, 9, 9};
  const std::vector<float> gamma = {1, 1, 2, 2}, beta = {0, 0, 0, 1};
  use_ops::layer_norm_rows(x.data(), 2, 4, 4, gamma.data(), beta.data(), 1e-12f);
  const double sd = std::sqrt(1.25);
  EXPECT_NEAR(x[0], -1.5 / sd, 1e-6);
  EXPECT_NEAR(x[3], 2 * 1.5 / sd + 1, 1e-5);
  EXPECT_NEAR(x[4], 0, 1e-6);  // constant row: zero variance, eps keeps it finite
  EXPECT_NEAR(x[7], 1, 1e-6);
}

TEST(UseOps, BiasReluResidual) {
  std::vector<float> y = {-2, 1, 3, -1};
  const std::vector<float> res = {10, 20, 30, 40}, bias = {1, -2};
  use_ops::bias_relu_residual_rows(y.data(), 2, res.data(), 2, 2, 2, bias.data());
  EXPECT_EQ(y, (std::vector<float>{10, 20, 34, 40}));
}

TEST(UseOps, GatherWindowsStaysInsideEachSequence) {
  // Two sequences of 3 and 2 rows, one column; row r holds r + 1.
  const std::vector<float> x = {1, 2, 3, 4, 5};
  const int offsets[] = {0, 3, 5};
  std::vector<float> out(5 * 3, -1.0f);
  use_ops::gather_windows<float>(x.data(), 1, 1, offsets, 2, /*width=*/3, /*left=*/1, out.data());
  EXPECT_EQ(out, (std::vector<float>{0, 1, 2,  // t=0: t-1 outside
                                     1, 2, 3,  // t=1
                                     2, 3, 0,  // t=2: t+1 is the next sequence
                                     0, 4, 5,  // t=3: first of sequence 2
                                     4, 5, 0}));
}

void write_safetensors(const std::string& path, const std::string& header, const std::string& data) {
  std::ofstream f(path, std::ios::binary);
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) f.put(static_cast<char>(n >> (8 * i)));
  f << header << data;
}

TEST(UseWeightsSafetensors, ReadsF32AndViewsU8) {
  const std::string path = ::testing::TempDir() + "/use_weights_ok.safetensors";
  float vals[2] = {1.5f, -2.0f};
  std::string data(reinterpret_cast<const char*>(vals), 8);
  data += std::string("\x01\x02\x03", 3);
  write_safetensors(path,
                    R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                    R"("c":{"dtype":"U8","shape":[1,3],"data_offsets":[8,11]},"__metadata__":{"a":"b"}})",
                    data);
  auto f = SafetensorsFile::open(path);
  ASSERT_TRUE(f.is_ok()) << f.status().to_string();
  auto w = f.value()->read_f32("w", {2});
  ASSERT_TRUE(w.is_ok()) << w.status().to_string();
  EXPECT_EQ(w.value(), (std::vector<float>{1.5f, -2.0f}));
  auto c = f.value()->view_u8("c", {1, 3});
  ASSERT_TRUE(c.is_ok());
  EXPECT_EQ(c.value()[2], 3);

  auto wrong_shape = f.value()->read_f32("w", {3});
  ASSERT_FALSE(wrong_shape.is_ok());
  EXPECT_NE(wrong_shape.status().message().find("has shape [2], expected [3]"), std::string::npos);
  auto wrong_type = f.value()->read_f32("c", {1, 3});
  EXPECT_EQ(wrong_type.status().code(), core::StatusCode::kInvalidArgument);
  auto missing = f.value()->read_f32("nope", {1});
  EXPECT_EQ(missing.status().code(), core::StatusCode::kNotFound);
}

TEST(UseWeightsSafetensors, RejectsInconsistentFiles) {
  const std::string path = ::testing::TempDir() + "/use_weights_bad.safetensors";
  write_safetensors(path, R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", std::string(8, '\0'));
  auto f = SafetensorsFile::open(path);
  ASSERT_FALSE(f.is_ok());
  EXPECT_EQ(f.status().code(), core::StatusCode::kCorruption);
  EXPECT_NE(f.status().message().find(path), std::string::npos) << f.status().to_string();

  write_safetensors(path, R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", std::string(8, '\0'));
  f = SafetensorsFile::open(path);
  ASSERT_FALSE(f.is_ok());
  EXPECT_NE(f.status().message().find("do not match F32 [3]"), std::string::npos) << f.status().to_string();

  EXPECT_EQ(SafetensorsFile::open(path + ".absent").status().code(), core::StatusCode::kNotFound);
}

}  // namespace
}  // namespace kbseek::encoder
