// ForkJoin: every part runs exactly once, concurrent and nested callers
// neither deadlock nor lose parts (the failure core::ThreadPool showed).
#include "kernels/cpu/fork_join.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "core/cpu_demand.h"
#include "kernels/cpu/cpu_ops.h"
#include "tests/core/busy_request.h"

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

// parallel_for splits an op only while one request computes
// (core/cpu_demand.h): with a second one counted, every range runs on the
// calling thread.
TEST(ForkJoinTest, ParallelForStaysInlineWhileAnotherRequestComputes) {
  if (ForkJoin::shared().size() < 2) GTEST_SKIP() << "one core: parallel_for never splits here";
  constexpr size_t kItems = 64;
  constexpr double kCost = 1e6;  // far above the hand-off threshold
  auto threads_used = [&] {
    std::mutex mu;
    std::set<std::thread::id> ids;
    size_t covered = 0;
    parallel_for(kItems, kCost, [&](size_t b, size_t e) {
      {
        std::lock_guard<std::mutex> lock(mu);
        ids.insert(std::this_thread::get_id());
        covered += e - b;
      }
      // Long enough that a team thread takes the other part, not the caller.
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    });
    EXPECT_EQ(covered, kItems);
    return ids;
  };
  const core::CpuDemand me;
  // Alone: split (a team thread may still be asleep for a call or two, so
  // ask a few times).
  bool split = false;
  for (int i = 0; i < 50 && !split; ++i) split = threads_used().size() > 1;
  EXPECT_TRUE(split);

  const kbseek::testing::BusyRequest other;
  for (int i = 0; i < 50; ++i) {
    const auto ids = threads_used();
    ASSERT_EQ(ids.size(), 1u);
    EXPECT_EQ(*ids.begin(), std::this_thread::get_id());
  }
}

}  // namespace
}  // namespace kbseek::kernels::cpu
