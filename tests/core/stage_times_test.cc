// Stage times are exclusive (a nested stage pauses the outer one, so the
// stages add up to no more than the wall time), go to the StageTimes
// current on the thread, and nothing is recorded without one.
#include "core/stage_times.h"

#include <gtest/gtest.h>

#include <thread>

namespace kbseek::core {
namespace {

void sleep_ms(int ms) { std::this_thread::sleep_for(std::chrono::milliseconds(ms)); }

TEST(StageTimesTest, NestedStagesAreExclusive) {
  StageTimes times;
  const auto start = std::chrono::steady_clock::now();
  double wall = 0;
  {
    ScopedStageTimes scope(&times);
    StageTimer retrieve(Stage::kRetrieve);
    sleep_ms(15);
    {
      StageTimer encode(Stage::kEncode);
      sleep_ms(30);
    }
    sleep_ms(15);
    retrieve.stop();
    wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    retrieve.stop();  // once
    sleep_ms(50);     // no stage running: not counted
  }
  EXPECT_GE(times.of(Stage::kEncode), 0.030);
  EXPECT_GE(times.of(Stage::kRetrieve), 0.030);
  EXPECT_LE(times.of(Stage::kRetrieve) + times.of(Stage::kEncode), wall)
      << "the outer stage paused while the inner one ran, and nothing ran after stop()";
  EXPECT_EQ(times.of(Stage::kParse), 0);
  EXPECT_STREQ(stage_name(Stage::kEncode), "encode");
  EXPECT_STREQ(stage_name(Stage::kSnippets), "snippets");
}

TEST(StageTimesTest, NothingIsRecordedWithoutCurrentTimes) {
  StageTimes times;
  {
    StageTimer t(Stage::kParse);
    sleep_ms(2);
  }
  double scoped = 0;
  {
    const auto start = std::chrono::steady_clock::now();
    {
      ScopedStageTimes scope(&times);
      StageTimer t(Stage::kFuse);
      sleep_ms(2);
    }
    scoped = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  {
    StageTimer t(Stage::kFuse);  // after the scope: no longer recorded
    sleep_ms(50);
  }
  EXPECT_EQ(times.of(Stage::kParse), 0);
  EXPECT_GT(times.of(Stage::kFuse), 0);
  EXPECT_LE(times.of(Stage::kFuse), scoped);
}

}  // namespace
}  // namespace kbseek::core
