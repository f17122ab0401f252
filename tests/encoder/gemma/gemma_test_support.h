// Shared by the Gemma encoder tests: where the model and the golden vectors are.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "core/file_util.h"
#include "tests/encoder/test_support.h"

namespace kbseek::encoder::testing {

inline std::string gemma_dir() { return std::string(KBSEEK_TEST_MODELS_DIR) + "/embeddinggemma-300m"; }

// Fails the calling test (use with ASSERT_NO_FATAL_FAILURE) when the model is absent.
inline void require_gemma() {
  ASSERT_TRUE(core::path_exists(gemma_dir() + "/model.safetensors"))
      << "model embeddinggemma-300m is not installed at " << gemma_dir()
      << ": run `KBSEEK_WITH_GEMMA=1 bash scripts/setup.sh` (or `bash scripts/fetch_embeddinggemma.sh models`)";
}

}  // namespace kbseek::encoder::testing
