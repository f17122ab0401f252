// A test's stand-in for another search computing at the same time: a thread
// that holds a core::CpuDemand from construction until destruction.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/cpu_demand.h"

namespace kbseek::testing {

class BusyRequest {
 public:
  // Returns once the other thread is counted.
  BusyRequest()
      : thread_([this] {
          const core::CpuDemand busy;
          std::unique_lock<std::mutex> lock(mu_);
          counted_ = true;
          cv_.notify_all();
          cv_.wait(lock, [this] { return release_; });
        }) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return counted_; });
  }
  ~BusyRequest() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      release_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  BusyRequest(const BusyRequest&) = delete;
  BusyRequest& operator=(const BusyRequest&) = delete;

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool counted_ = false, release_ = false;
  std::thread thread_;  // last: starts after the members it uses
};

}  // namespace kbseek::testing
