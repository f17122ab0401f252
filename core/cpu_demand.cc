// A process-wide count of computing requests.
#include "core/cpu_demand.h"

#include <atomic>

namespace kbseek::core {
namespace {

std::atomic<int> g_demand{0};
thread_local int t_depth = 0;  // CpuDemand scopes open on this thread, minus pauses

}  // namespace

int cpu_demand() { return g_demand.load(std::memory_order_relaxed); }

// Nested scopes on one thread (a search inside a search's shard fan-out on
// the same thread) count the thread once.
CpuDemand::CpuDemand() {
  if (t_depth++ == 0) g_demand.fetch_add(1, std::memory_order_relaxed);
}

CpuDemand::~CpuDemand() {
  if (--t_depth == 0) g_demand.fetch_sub(1, std::memory_order_relaxed);
}

CpuDemandPause::CpuDemandPause() : counted_(t_depth > 0) {
  if (counted_) g_demand.fetch_sub(1, std::memory_order_relaxed);
}

CpuDemandPause::~CpuDemandPause() {
  if (counted_) g_demand.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace kbseek::core
