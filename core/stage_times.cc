// The thread's current StageTimes and the running stage.
#include "core/stage_times.h"

namespace kbseek::core {
namespace {

using Clock = std::chrono::steady_clock;

thread_local StageTimes* current = nullptr;
thread_local int active = -1;  // the stage whose time is running
thread_local Clock::time_point since;

// Adds the time since `since` to the running stage and restarts the count.
void settle(Clock::time_point now) {
  if (current != nullptr && active >= 0) current->seconds[active] += std::chrono::duration<double>(now - since).count();
  since = now;
}

}  // namespace

const char* stage_name(Stage stage) {
  static const char* kNames[kStageCount] = {"parse", "encode", "retrieve",   "fuse",
                                            "rank",  "rerank", "objectives", "snippets"};
  return kNames[static_cast<int>(stage)];
}

ScopedStageTimes::ScopedStageTimes(StageTimes* times) : previous_(current), previous_active_(active) {
  settle(Clock::now());
  current = times;
  active = -1;
}

ScopedStageTimes::~ScopedStageTimes() {
  settle(Clock::now());
  current = previous_;
  active = previous_active_;
}

StageTimer::StageTimer(Stage stage) : outer_(active) {
  settle(Clock::now());
  active = static_cast<int>(stage);
}

void StageTimer::stop() {
  if (!running_) return;
  running_ = false;
  settle(Clock::now());
  active = outer_;
}

}  // namespace kbseek::core
