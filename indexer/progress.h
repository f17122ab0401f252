// Progress of long work on stderr: a redrawn bar on a terminal, a plain line
// every few seconds otherwise (logs, CI). Not thread-safe: one reporter per job.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace kbseek::indexer {

class ProgressReporter {
 public:
  // total_bytes: size of all inputs, for the ETA (0 = unknown).
  // force_mode: -1 auto (isatty), 0 plain lines, 1 bar.
  explicit ProgressReporter(int64_t total_bytes, int force_mode = -1, double line_interval_s = 5.0);

  // Cumulative counts; redraws at most every 100 ms (bar) or line_interval_s (lines).
  void update(int64_t docs, int64_t chunks, int64_t bytes);
  // A line that must not be lost between redraws (e.g. a commit), printed
  // above the bar on a terminal and as it is otherwise.
  void note(const std::string& line);
  // Final line with totals; call once.
  void finish(int64_t docs, int64_t chunks, int64_t bytes);

 private:
  std::string render(int64_t docs, int64_t chunks, int64_t bytes, double elapsed_s) const;
  int64_t total_bytes_;
  bool bar_;
  double line_interval_s_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_;
};

}  // namespace kbseek::indexer
