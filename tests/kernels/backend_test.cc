// Backend plumbing: op names, supports(), Buffer ownership, and the CUDA
// backend reporting a clear reason when it cannot start.
#include "kernels/backend.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace kbseek::kernels {
namespace {

TEST(BackendTest, CpuBackendSupportsEveryOp) {
  Backend* cpu = cpu_backend();
  ASSERT_NE(cpu, nullptr);
  EXPECT_EQ(cpu->device_name(), "cpu");
  EXPECT_TRUE(cpu->is_host_memory());
  std::set<std::string> names;
  for (Op op : kAllOps) {
    EXPECT_TRUE(cpu->supports(op)) << op_name(op);
    names.insert(op_name(op));
  }
  EXPECT_EQ(names.size(), std::size(kAllOps)) << "op names must be distinct";
  EXPECT_EQ(names.count("unknown"), 0u);
}

TEST(BackendTest, BufferMovesOwnership) {
  auto a = cpu_backend()->allocate(100);
  ASSERT_TRUE(a.is_ok());
  Buffer b = std::move(a).value();
  float* p = b.data();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(b.size(), 100u);
  Buffer c;
  c = std::move(b);
  EXPECT_EQ(c.data(), p);
  EXPECT_EQ(b.data(), nullptr);
  c.reset();
  EXPECT_EQ(c.size(), 0u);
}

TEST(BackendTest, CudaBackendIsPresentOrSaysWhy) {
  auto cuda = cuda_backend();
  if (cuda.is_ok()) {
    EXPECT_FALSE(cuda.value()->is_host_memory());
    EXPECT_EQ(cuda.value()->device_name().rfind("cuda:", 0), 0u);
  } else {
    EXPECT_EQ(cuda.status().code(), core::StatusCode::kUnavailable);
    EXPECT_NE(cuda.status().message().find("no CUDA device"), std::string::npos) << cuda.status().message();
  }
}

}  // namespace
}  // namespace kbseek::kernels
