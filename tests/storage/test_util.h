// Helpers shared by the storage tests: scratch folders and unit vectors.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

namespace kbseek::storage::testing {

// A fresh, empty folder under the test temp dir named after the running
// test; removed on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = ::testing::TempDir() + "/kbseek_storage_" + info->test_suite_name() + "_" + info->name();
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// n random L2-normalised vectors of dimension d, row-major, reproducible.
inline std::vector<float> random_unit_vectors(size_t n, int d, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> g(0.f, 1.f);
  std::vector<float> v(n * d);
  for (size_t i = 0; i < n; ++i) {
    double s = 0;
    for (int j = 0; j < d; ++j) s += double(v[i * d + j] = g(rng)) * v[i * d + j];
    const float inv = static_cast<float>(1.0 / std::sqrt(s));
    for (int j = 0; j < d; ++j) v[i * d + j] *= inv;
  }
  return v;
}

// `base` plus a little noise, renormalised: a query whose nearest stored
// neighbour is `base`.
inline std::vector<float> nudge(const float* base, int d, unsigned seed, float noise = 0.05f) {
  std::vector<float> q = random_unit_vectors(1, d, seed);
  double s = 0;
  for (int j = 0; j < d; ++j) s += double(q[j] = base[j] + noise * q[j]) * q[j];
  const float inv = static_cast<float>(1.0 / std::sqrt(s));
  for (float& x : q) x *= inv;
  return q;
}

}  // namespace kbseek::storage::testing
