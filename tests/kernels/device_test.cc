// KBSEEK_DEVICE through kernels::choose_backend: the one device choice every
// model family uses.
#include "kernels/device.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace kbseek::kernels {
namespace {

class DeviceTest : public ::testing::Test {
 protected:
  void TearDown() override { unsetenv("KBSEEK_DEVICE"); }
  static DeviceNeeds needs(bool validated) { return {"test model", {Op::kLinear, Op::kRmsNorm}, validated}; }
};

TEST_F(DeviceTest, CpuIsTheCpu) {
  setenv("KBSEEK_DEVICE", "cpu", 1);
  auto b = choose_backend(needs(true));
  ASSERT_TRUE(b.is_ok());
  EXPECT_EQ(b.value(), cpu_backend());
}

TEST_F(DeviceTest, UnknownValueIsRefusedByName) {
  setenv("KBSEEK_DEVICE", "tpu", 1);
  auto b = choose_backend(needs(true));
  ASSERT_FALSE(b.is_ok());
  EXPECT_NE(b.status().message().find("KBSEEK_DEVICE=tpu"), std::string::npos) << b.status().to_string();
}

TEST_F(DeviceTest, AutoPicksCudaOnlyForAValidatedFamilyWithADevice) {
  const bool gpu = cuda_backend().is_ok();
  auto validated = choose_backend(needs(true));
  auto unvalidated = choose_backend(needs(false));
  ASSERT_TRUE(validated.is_ok());
  ASSERT_TRUE(unvalidated.is_ok());
  EXPECT_EQ(unvalidated.value(), cpu_backend()) << "an unchecked GPU path is never picked by auto";
  EXPECT_EQ(validated.value() != cpu_backend(), gpu);
}

TEST_F(DeviceTest, CudaByNameIsCudaOrSaysWhyNot) {
  setenv("KBSEEK_DEVICE", "cuda", 1);
  auto b = choose_backend(needs(false));
  if (cuda_backend().is_ok()) {
    ASSERT_TRUE(b.is_ok()) << b.status().to_string();
    EXPECT_NE(b.value(), cpu_backend());
  } else {
    ASSERT_FALSE(b.is_ok());
    EXPECT_NE(b.status().message().find("KBSEEK_DEVICE=cuda"), std::string::npos) << b.status().to_string();
  }
}

}  // namespace
}  // namespace kbseek::kernels
