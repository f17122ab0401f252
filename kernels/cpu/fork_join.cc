// ForkJoin: job state lives in the team object, never on a caller's stack;
// a part's completion is counted under mu_, so run() returns only after every
// part has stopped touching the job.
#include "kernels/cpu/fork_join.h"

#include <chrono>

#include "core/thread_pool.h"

namespace kbseek::kernels::cpu {
namespace {
thread_local bool t_in_team = false;
// Polling before a worker sleeps: long enough to catch the next op of a
// forward pass (a few µs apart), short enough not to steal a core from other
// work. Timed, not counted: PAUSE takes 10 to 140 cycles depending on the CPU.
constexpr auto kSpin = std::chrono::microseconds(50);
}  // namespace

ForkJoin::ForkJoin(int threads) {
  for (int i = 1; i < threads; ++i) workers_.emplace_back([this] { worker_loop(); });
}

ForkJoin::~ForkJoin() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    generation_.fetch_add(1);
  }
  wake_cv_.notify_all();
  for (std::thread& t : workers_) t.join();
}

ForkJoin& ForkJoin::shared() {
  static ForkJoin team(core::default_thread_count());
  return team;
}

void ForkJoin::work_on_current_job() {
  for (;;) {
    const size_t part = next_part_.fetch_add(1);
    if (part >= ways_) return;
    (*fn_)(part);
    std::lock_guard<std::mutex> lock(mu_);
    if (--pending_ == 0) done_cv_.notify_all();
  }
}

void ForkJoin::worker_loop() {
  t_in_team = true;
  uint64_t seen = 0;
  for (;;) {
    const auto spin_until = std::chrono::steady_clock::now() + kSpin;
    for (int i = 1; generation_.load(std::memory_order_acquire) == seen; ++i) {
#if defined(__x86_64__)
      __builtin_ia32_pause();
#endif
      if (i % 64 == 0 && std::chrono::steady_clock::now() > spin_until) break;
    }
    std::unique_lock<std::mutex> lock(mu_);
    wake_cv_.wait(lock, [&] { return generation_.load() != seen; });
    seen = generation_.load();
    if (stop_) return;
    if (pending_ == 0) continue;  // the job finished before this worker woke
    lock.unlock();
    work_on_current_job();
  }
}

void ForkJoin::run(size_t ways, const std::function<void(size_t)>& fn) {
  std::unique_lock<std::mutex> exclusive(run_mu_, std::defer_lock);
  if (ways <= 1 || workers_.empty() || t_in_team || !exclusive.try_lock()) {
    for (size_t i = 0; i < ways; ++i) fn(i);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    fn_ = &fn;
    ways_ = ways;
    next_part_.store(0);
    pending_ = ways;
    generation_.fetch_add(1, std::memory_order_release);
  }
  wake_cv_.notify_all();
  t_in_team = true;
  work_on_current_job();
  t_in_team = false;
  std::unique_lock<std::mutex> lock(mu_);
  done_cv_.wait(lock, [&] { return pending_ == 0; });
  fn_ = nullptr;
}

}  // namespace kbseek::kernels::cpu
