// How many requests are computing at this moment: the signal the CPU ops
// (kernels/cpu/cpu_ops.h parallel_for) read to decide whether to split one
// request's work across cores.
//
// Why: splitting a query's small products over two threads makes that query
// faster alone, but costs more CPU in all (hand-offs, spinning team threads,
// thin slices): on 2 cores, a hybrid search's query encoding took 7.4 ms on
// one thread and 5.8 ms on two, a 1.29× speed-up for 2× the cores. When
// another request is computing too, the second core is better spent on it.
// So a search counts itself while it runs (CpuDemand), and a caller that
// blocks waiting for others' work (a batched encoder pass,
// encoder/batching_encoder.h) stops counting while it waits
// (CpuDemandPause).
//
// Thread-safe; the count is a relaxed atomic (a hint, not a lock).
#pragma once

namespace kbseek::core {

// Callers inside a CpuDemand scope (and not paused) now.
int cpu_demand();

class CpuDemand {
 public:
  CpuDemand();
  ~CpuDemand();
  CpuDemand(const CpuDemand&) = delete;
  CpuDemand& operator=(const CpuDemand&) = delete;
};

// Inside a CpuDemand scope: stops counting the caller until destroyed.
// Outside one: does nothing.
class CpuDemandPause {
 public:
  CpuDemandPause();
  ~CpuDemandPause();
  CpuDemandPause(const CpuDemandPause&) = delete;
  CpuDemandPause& operator=(const CpuDemandPause&) = delete;

 private:
  bool counted_;
};

}  // namespace kbseek::core
