// Work splitting for the CPU ops. OpenBLAS is pinned to one thread
// (configure_cpu_blas, blas_setup.cc) and the
// ops split their own work across the ForkJoin team: measured on the
// 2-core CI machine, OpenBLAS's own threading ran a 2048×1536×384 sgemm at
// 117 GFLOP/s against 175 single-threaded, and concurrent calls from several
// threads into a multi-threaded OpenBLAS spun in sched_yield (6× slower
// encoder on long inputs). Two single-threaded halves reach ≈250.
#include <algorithm>
#include <atomic>

#include "core/cpu_demand.h"
#include "kernels/cpu/cpu_ops.h"
#include "kernels/cpu/fork_join.h"

namespace kbseek::kernels::cpu {
namespace {

// A hand-off to the pool costs a few microseconds; below ~200k flops of work
// the calling thread is faster alone.
constexpr double kMinParallelWork = 2.0e5;
std::atomic<int> g_max_ways{0};  // 0: the pool's size

}  // namespace

void parallel_for(size_t n, double cost_per_item, const std::function<void(size_t, size_t)>& fn) {
  if (n == 0) return;
  ForkJoin& team = ForkJoin::shared();
  const int limit = g_max_ways.load(std::memory_order_relaxed);
  const size_t ways = std::min<size_t>(n, static_cast<size_t>(limit > 0 ? std::min(limit, team.size()) : team.size()));
  // Another request computing too (core/cpu_demand.h): the other cores are
  // better spent on it than on a slice of this op.
  if (ways <= 1 || static_cast<double>(n) * cost_per_item < kMinParallelWork || core::cpu_demand() > 1) {
    fn(0, n);
    return;
  }
  team.run(ways, [&](size_t w) {
    const size_t begin = n * w / ways, end = n * (w + 1) / ways;
    if (begin < end) fn(begin, end);
  });
}

}  // namespace kbseek::kernels::cpu

namespace kbseek::kernels {

void set_cpu_threads(int n) { cpu::g_max_ways.store(n > 0 ? n : 0, std::memory_order_relaxed); }

}  // namespace kbseek::kernels
