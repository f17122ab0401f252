// The CUDA quantized products behind CudaBackend::prepare_quantized /
// linear_prepared (kernels/backend.h): weights stay in their ggml blocks in
// device memory; activations stay fp32.
#pragma once

#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "core/status.h"
#include "kernels/quant/quant_types.h"

namespace kbseek::kernels::cuda {

// Q4_K, Q6_K, Q5_0 and Q8_0.
bool quant_gemm_supports(quant::QuantType t);
// y[rows × out] = x[rows × in] · Wᵀ, W `out` rows of quant::row_bytes(t, in)
// bytes (device memory, as in the GGUF file), x and y device fp32,
// contiguous. Requires quant_gemm_supports(t) and in % block == 0.
core::Status quant_linear(cudaStream_t s, quant::QuantType t, const uint8_t* w, int out, int in, const float* x,
                          int rows, float* y);

}  // namespace kbseek::kernels::cuda
