// A fixed-size thread pool shared by the pipeline and the server.
//
// parallel_for splits [0, n) into contiguous ranges, one per worker, and
// blocks until all are done; the calling thread works too. Tasks must not
// throw. Safe to call from several threads; nested calls run inline.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <queue>
#include <thread>
#include <vector>

namespace kbseek::core {

class ThreadPool {
 public:
  // num_threads <= 0: one per hardware thread (KBSEEK_THREADS overrides).
  explicit ThreadPool(int num_threads = 0);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }

  // Calls fn(begin, end) on disjoint ranges covering [0, n).
  void parallel_for(size_t n, const std::function<void(size_t, size_t)>& fn);

  // The process-wide pool.
  static ThreadPool& global();

 private:
  void worker_loop();
  std::vector<std::thread> workers_;
  std::queue<std::function<void()>> tasks_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
};

// Threads the machine offers (KBSEEK_THREADS overrides).
int default_thread_count();

}  // namespace kbseek::core
