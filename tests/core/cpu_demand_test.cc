// CpuDemand counts each computing thread once; a pause inside a scope stops
// counting it, a pause outside one changes nothing.
#include "core/cpu_demand.h"

#include <gtest/gtest.h>

#include "tests/core/busy_request.h"

namespace kbseek::core {
namespace {

TEST(CpuDemandTest, CountsThreadsOnceAndPauses) {
  ASSERT_EQ(cpu_demand(), 0);
  {
    const CpuDemandPause outside;  // not counted: nothing to pause
    EXPECT_EQ(cpu_demand(), 0);
  }
  {
    const CpuDemand a;
    EXPECT_EQ(cpu_demand(), 1);
    {
      const CpuDemand nested;  // the same thread: still one
      EXPECT_EQ(cpu_demand(), 1);
      const CpuDemandPause waiting;
      EXPECT_EQ(cpu_demand(), 0);
    }
    EXPECT_EQ(cpu_demand(), 1);

    {
      const kbseek::testing::BusyRequest other;
      EXPECT_EQ(cpu_demand(), 2);
    }
    EXPECT_EQ(cpu_demand(), 1);
  }
  EXPECT_EQ(cpu_demand(), 0);
}

}  // namespace
}  // namespace kbseek::core
