// A fork-join team for the CPU ops: run(ways, fn) calls fn(0) … fn(ways-1)
// on the calling thread plus idle team threads and returns when all are done.
//
// Why not core::ThreadPool::parallel_for: a forward pass is ~60 ops of tens
// of microseconds each, and the pool's condition-variable hand-off per op
// cost a third of single-query latency (p50 7.9 ms against 4.8 ms here,
// all-MiniLM, 2 cores). This team spins ~50 µs before sleeping, so the next
// op usually finds its workers awake. (It also predates the fix of a race in
// the pool's completion count that deadlocked the encoder.)
//
// Thread-safety: run() may be called from any thread. One caller uses the
// team at a time; a concurrent or nested caller runs all of its parts itself.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kbseek::kernels::cpu {

class ForkJoin {
 public:
  // `threads` including the caller; <= 1 means everything runs inline.
  explicit ForkJoin(int threads);
  ~ForkJoin();
  ForkJoin(const ForkJoin&) = delete;
  ForkJoin& operator=(const ForkJoin&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  void run(size_t ways, const std::function<void(size_t)>& fn);

  // The team the CPU ops share, sized by core::default_thread_count().
  static ForkJoin& shared();

 private:
  void worker_loop();
  void work_on_current_job();

  std::vector<std::thread> workers_;
  std::mutex run_mu_;  // one job at a time
  std::mutex mu_;
  std::condition_variable wake_cv_, done_cv_;
  std::atomic<uint64_t> generation_{0};
  bool stop_ = false;
  // The current job; valid while pending_ > 0.
  const std::function<void(size_t)>* fn_ = nullptr;
  size_t ways_ = 0;
  std::atomic<size_t> next_part_{0};
  size_t pending_ = 0;  // parts not finished, guarded by mu_
};

}  // namespace kbseek::kernels::cpu
