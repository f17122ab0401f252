// Shared fixture for the kernel parity tests: every test runs once per
// backend ("cpu", "cuda"); CUDA cases skip with the reason when no device is
// present. Helpers move host vectors through the backend's memory.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "kernels/backend.h"

namespace kbseek::kernels::testing {

class BackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "cpu") {
      backend_ = cpu_backend();
      return;
    }
    auto cuda = cuda_backend();
    if (!cuda.is_ok()) GTEST_SKIP() << cuda.status().message();
    backend_ = cuda.value();
  }

  // Copies `host` into a new backend buffer (fails the test on error).
  Buffer upload(const std::vector<float>& host) {
    auto buf = backend_->allocate(host.size());
    EXPECT_TRUE(buf.is_ok()) << buf.status().to_string();
    if (!buf.is_ok()) return Buffer();
    core::Status st = backend_->copy_to_device(buf->data(), host.data(), host.size());
    EXPECT_TRUE(st.is_ok()) << st.to_string();
    return std::move(buf).value();
  }

  std::vector<float> download(const Buffer& buf) {
    std::vector<float> host(buf.size());
    core::Status st = backend_->copy_to_host(host.data(), buf.data(), buf.size());
    EXPECT_TRUE(st.is_ok()) << st.to_string();
    return host;
  }

  Backend* backend_ = nullptr;
};

inline std::vector<float> random_vector(size_t n, unsigned seed, float lo = -1.0f, float hi = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

// ||got - want|| / max(||want||, 1e-30), the ggml test-backend-ops measure.
inline double normalized_error(const std::vector<float>& got, const std::vector<double>& want) {
  double num = 0, den = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    const double d = static_cast<double>(got[i]) - want[i];
    num += d * d;
    den += want[i] * want[i];
  }
  return std::sqrt(num) / std::max(std::sqrt(den), 1e-30);
}

#define KB_INSTANTIATE_BACKENDS(suite)                                        \
  INSTANTIATE_TEST_SUITE_P(Backends, suite, ::testing::Values("cpu", "cuda"), \
                           [](const ::testing::TestParamInfo<std::string>& i) { return i.param; })

}  // namespace kbseek::kernels::testing
