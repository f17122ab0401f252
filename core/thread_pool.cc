// Thread pool implementation.
#include "core/thread_pool.h"

#include <atomic>
#include <cstdlib>

namespace kbseek::core {
namespace {
thread_local bool t_in_pool = false;
}

int default_thread_count() {
  if (const char* env = std::getenv("KBSEEK_THREADS")) {
    int n = std::atoi(env);
    if (n > 0) return n;
  }
  unsigned hw = std::thread::hardware_concurrency();
  return hw == 0 ? 1 : static_cast<int>(hw);
}

ThreadPool::ThreadPool(int num_threads) {
  int n = num_threads > 0 ? num_threads : default_thread_count();
  for (int i = 1; i < n; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::worker_loop() {
  t_in_pool = true;
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !tasks_.empty(); });
      if (stop_ && tasks_.empty()) return;
      task = std::move(tasks_.front());
      tasks_.pop();
    }
    task();
  }
}

void ThreadPool::parallel_for(size_t n, const std::function<void(size_t, size_t)>& fn) {
  if (n == 0) return;
  size_t parts = std::min(n, static_cast<size_t>(size()));
  if (parts <= 1 || t_in_pool) {
    fn(0, n);
    return;
  }
  std::atomic<size_t> remaining{parts - 1};
  std::mutex done_mu;
  std::condition_variable done_cv;
  size_t chunk = (n + parts - 1) / parts;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t p = 1; p < parts; ++p) {
      size_t b = p * chunk, e = std::min(n, b + chunk);
      tasks_.push([&, b, e] {
        if (b < e) fn(b, e);
        // Decrement under the lock: otherwise the caller can see 0, return
        // and destroy done_mu/done_cv while this task is about to lock them.
        std::lock_guard<std::mutex> l(done_mu);
        if (remaining.fetch_sub(1) == 1) done_cv.notify_one();
      });
    }
  }
  cv_.notify_all();
  bool was = t_in_pool;
  t_in_pool = true;
  fn(0, std::min(n, chunk));
  t_in_pool = was;
  std::unique_lock<std::mutex> lock(done_mu);
  done_cv.wait(lock, [&] { return remaining.load() == 0; });
}

ThreadPool& ThreadPool::global() {
  static ThreadPool pool;
  return pool;
}

}  // namespace kbseek::core
