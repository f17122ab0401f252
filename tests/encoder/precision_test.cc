// choose_weight_format's rules on this machine's CPU backend: KBSEEK_PRECISION
// over kAuto, int8 by default wherever the backend has int8 products, fp32
// for bulk work where those products run on AVX2 alone (no VNNI), and clear
// errors for what the backend cannot do.
#include "encoder/precision.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "kernels/backend.h"
#include "kernels/cpu/int8_gemm.h"
#include "kernels/cpu/quant_gemm.h"

namespace kbseek::encoder {
namespace {

using kernels::WeightFormat;

// Unsets KBSEEK_PRECISION for the test, restoring it after.
class PrecisionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* v = std::getenv("KBSEEK_PRECISION");
    had_ = v != nullptr;
    if (had_) saved_ = v;
    unsetenv("KBSEEK_PRECISION");
  }
  void TearDown() override {
    if (had_)
      setenv("KBSEEK_PRECISION", saved_.c_str(), 1);
    else
      unsetenv("KBSEEK_PRECISION");
  }
  kernels::Backend& cpu() { return *kernels::cpu_backend(); }

 private:
  bool had_ = false;
  std::string saved_;
};

TEST_F(PrecisionTest, AutoIsInt8WhereTheCpuHasInt8ProductsAndFp32ForBulkOnAvx2Alone) {
  const auto isa = kernels::cpu::best_quant_isa();
  auto query = choose_weight_format(Precision::kAuto, cpu(), /*bulk=*/false);
  auto bulk = choose_weight_format(Precision::kAuto, cpu(), /*bulk=*/true);
  ASSERT_TRUE(query.is_ok() && bulk.is_ok());
  if (!kernels::cpu::int8::available()) {
    EXPECT_EQ(query.value(), WeightFormat::kF32);
    EXPECT_EQ(bulk.value(), WeightFormat::kF32);
    return;
  }
  EXPECT_EQ(query.value(), WeightFormat::kInt8) << kernels::cpu::quant_isa_name(isa);
  EXPECT_EQ(bulk.value(), isa == kernels::cpu::QuantIsa::kAvx2 ? WeightFormat::kF32 : WeightFormat::kInt8)
      << kernels::cpu::quant_isa_name(isa);
}

TEST_F(PrecisionTest, AskedPrecisionAndTheEnvironmentOverrideTheBulkRule) {
  auto fp32 = choose_weight_format(Precision::kFp32, cpu(), false);
  ASSERT_TRUE(fp32.is_ok());
  EXPECT_EQ(fp32.value(), WeightFormat::kF32);
  if (!kernels::cpu::int8::available()) GTEST_SKIP() << "no int8 products on this CPU";
  auto int8 = choose_weight_format(Precision::kInt8, cpu(), /*bulk=*/true);
  ASSERT_TRUE(int8.is_ok());
  EXPECT_EQ(int8.value(), WeightFormat::kInt8);
  setenv("KBSEEK_PRECISION", "int8", 1);
  auto env = choose_weight_format(Precision::kAuto, cpu(), /*bulk=*/true);
  ASSERT_TRUE(env.is_ok());
  EXPECT_EQ(env.value(), WeightFormat::kInt8);
  setenv("KBSEEK_PRECISION", "fp32", 1);
  env = choose_weight_format(Precision::kAuto, cpu(), /*bulk=*/false);
  ASSERT_TRUE(env.is_ok());
  EXPECT_EQ(env.value(), WeightFormat::kF32);
}

TEST_F(PrecisionTest, UnknownEnvironmentValueAndMissingBf16AreClearErrors) {
  setenv("KBSEEK_PRECISION", "int4", 1);
  auto bad = choose_weight_format(Precision::kAuto, cpu(), false);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("KBSEEK_PRECISION=int4"), std::string::npos) << bad.status().to_string();
  if (cpu().supports_weights(WeightFormat::kBF16)) return;
  auto bf16 = choose_weight_format(Precision::kBf16, cpu(), false);
  ASSERT_FALSE(bf16.is_ok());
  EXPECT_NE(bf16.status().message().find("bf16"), std::string::npos) << bf16.status().to_string();
}

}  // namespace
}  // namespace kbseek::encoder
