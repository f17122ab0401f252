// Where a request's time goes, by stage, without an interface to carry it:
// the query path makes a StageTimes current on its thread for the request
// (ScopedStageTimes), and code anywhere below adds to it with a StageTimer
// on the stack ("encode" inside a dense retriever, "fuse" inside the hybrid
// one). Times are exclusive: a timer started inside another pauses the
// outer one, so the stages of a request add up to its time.
//
// Thread-local: one request's query path runs on one thread (the lists one
// after another; work it hands to the pool is timed by its wait). A timer
// with no StageTimes current costs two clock reads and records nothing.
#pragma once

#include <array>
#include <chrono>

namespace kbseek::core {

enum class Stage { kParse, kEncode, kRetrieve, kFuse, kRank, kRerank, kObjectives, kSnippets };
inline constexpr int kStageCount = 8;
// "parse", "encode", "retrieve", "fuse", "rank", "rerank", "objectives", "snippets".
const char* stage_name(Stage stage);

struct StageTimes {
  std::array<double, kStageCount> seconds{};
  double of(Stage s) const { return seconds[static_cast<int>(s)]; }
};

// Makes `times` current on this thread until destroyed (nests: the previous
// one is current again after).
class ScopedStageTimes {
 public:
  explicit ScopedStageTimes(StageTimes* times);
  ~ScopedStageTimes();
  ScopedStageTimes(const ScopedStageTimes&) = delete;
  ScopedStageTimes& operator=(const ScopedStageTimes&) = delete;

 private:
  StageTimes* previous_;
  int previous_active_;
};

class StageTimer {
 public:
  explicit StageTimer(Stage stage);
  ~StageTimer() { stop(); }
  // Ends the stage before the timer goes out of scope (once; the timers
  // of a thread must stop in the reverse order of their start).
  void stop();
  StageTimer(const StageTimer&) = delete;
  StageTimer& operator=(const StageTimer&) = delete;

 private:
  int outer_;  // the stage paused by this one, or -1
  bool running_ = true;
};

}  // namespace kbseek::core
