// ForkJoin: every part runs exactly once, concurrent and nested callers
// neither deadlock nor lose parts (the failure core::ThreadPool showed).
#include "kernels/cpu/fork_join.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

namespace kbseek::kernels::cpu {
namespace {

TEST(ForkJoinTest, RunsEveryPartOnce) {
  ForkJoin team(3);
  for (size_t ways : {size_t{0}, size_t{1}, size_t{2}, size_t{3}, size_t{7}}) {
    std::vector<std::atomic<int>> hits(ways);
    team.run(ways, [&](size_t i) { hits[i].fetch_add(1); });
    for (size_t i = 0; i < ways; ++i) EXPECT_EQ(hits[i].load(), 1) << "part " << i << " of " << ways;
  }
}

TEST(ForkJoinTest, ManyShortJobsBackToBack) {
  ForkJoin team(2);
  std::atomic<long> sum{0};
  for (int round = 0; round < 20000; ++round) team.run(2, [&](size_t i) { sum.fetch_add(static_cast<long>(i) + 1); });
  EXPECT_EQ(sum.load(), 20000L * 3);
}

TEST(ForkJoinTest, ConcurrentAndNestedCallers) {
  ForkJoin team(2);
  std::atomic<long> sum{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&] {
      for (int round = 0; round < 2000; ++round) {
        team.run(2, [&](size_t) {
          team.run(3, [&](size_t) { sum.fetch_add(1); });  // nested: runs inline
        });
      }
    });
  }
  for (std::thread& t : callers) t.join();
  EXPECT_EQ(sum.load(), 4L * 2000 * 2 * 3);
}

}  // namespace
}  // namespace kbseek::kernels::cpu
