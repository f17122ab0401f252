// Paths and helpers shared by the encoder tests. Tests in suites named
// MiniLm* need the installed all-minilm-l6-v2 model (label `data`) and fail,
// rather than skip, when it is missing: setup installs it.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/file_util.h"

namespace kbseek::encoder::testing {

inline std::string model_dir() { return std::string(KBSEEK_TEST_MODELS_DIR) + "/all-minilm-l6-v2"; }
inline std::string data_dir() { return KBSEEK_TEST_DATA_DIR; }

// Fails the calling test (use with ASSERT_NO_FATAL_FAILURE) when the model is absent.
inline void require_model() {
  ASSERT_TRUE(core::path_exists(model_dir() + "/model.safetensors"))
      << "model all-minilm-l6-v2 is not installed at " << model_dir()
      << ": run `bash scripts/setup.sh` (or `bash scripts/fetch_model.sh all-minilm-l6-v2 models`)";
}

// Parses every line of a .jsonl file; fails the test on a bad line.
inline std::vector<nlohmann::json> read_jsonl(const std::string& path) {
  std::vector<nlohmann::json> rows;
  std::ifstream in(path);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty()) continue;
    nlohmann::json j = nlohmann::json::parse(line, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << path << ":" << line_no << ": not JSON";
    if (!j.is_discarded()) rows.push_back(std::move(j));
  }
  return rows;
}

inline double cosine(const float* a, const float* b, int n) {
  double ab = 0, aa = 0, bb = 0;
  for (int i = 0; i < n; ++i) {
    ab += static_cast<double>(a[i]) * b[i];
    aa += static_cast<double>(a[i]) * a[i];
    bb += static_cast<double>(b[i]) * b[i];
  }
  return ab / std::sqrt(aa * bb);
}

// A fresh empty folder under /tmp, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/kbseek_encoder_test_XXXXXX";
    const char* made = mkdtemp(tmpl);
    EXPECT_NE(made, nullptr) << "mkdtemp failed";
    path_ = made ? made : "/tmp";
  }
  ~TempDir() {
    std::error_code ec;
    if (path_ != "/tmp") std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace kbseek::encoder::testing
