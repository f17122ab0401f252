// The CPU backend's prepared weights (Backend::prepare_weights and
// linear_prepared, kernels/backend.h): fp32 everywhere, bf16 where the CPU has
// AVX512-BF16.
#pragma once

#include <memory>

#include "kernels/backend.h"

namespace kbseek::kernels::cpu {

bool supports_weights(WeightFormat f);
core::Result<std::unique_ptr<PreparedWeights>> prepare_weights(const float* w, int out, int in, WeightFormat f);
core::Status linear_prepared(const float* x, int rows, const PreparedWeights& w, float* y);

}  // namespace kbseek::kernels::cpu
