// The CPU backend's quantized weights (Backend::prepare_quantized and
// linear_prepared for WeightFormat::kQuantized, kernels/backend.h): matrix
// products straight from ggml's Q4_K, Q6_K, Q5_0 and Q8_0 blocks.
//
// How (ggml's vec_dot_*_q8_* math, our code): each row of x is quantized to
// 8 bits as ggml does — Q8_K (256 values, float scale, 16-value sums) for the
// K-quants, Q8_0 (32 values, fp16 scale) for Q5_0 / Q8_0 — with the scalar
// quantizers of quant_types.h; then every output is a sum over blocks of
// (weight scale · activation scale · integer dot product of the codes), the
// Q4_K mins and the Q6_K offset of 32 coming from the activation sums. The
// integer part is exact, so y differs from a double-precision product of the
// dequantized operands by float rounding only (≈ 1e-6 relative).
//
// The kernels take a tile of weight rows, unpack their blocks once into
// bytes plus per-lane scales (quant_dot.h), and run the tile against every
// activation row (in blocks of ~1.5 MB, so they stay in L2), so each weight
// block loaded serves every row of a prefill. Output rows are split across
// the ForkJoin team.
// Vectorised with AVX-512 VNNI (VPDPBUSD / VPDPWSSD) where the CPU has it,
// AVX2 otherwise, scalar as the last resort; chosen at run time.
//
// Thread-safety: prepared weights are immutable; quant_linear may be called
// from any number of threads.
#pragma once

#include <memory>

#include "kernels/backend.h"

namespace kbseek::kernels::cpu {

// The instruction sets the kernels exist for, best last.
enum class QuantIsa { kScalar, kAvx2, kAvx512Vnni };
const char* quant_isa_name(QuantIsa isa);
// The best the CPU (and OS, for the zmm state) allows. Thread-safe.
QuantIsa best_quant_isa();

// Q4_K, Q6_K, Q5_0 and Q8_0.
bool supports_quantized(quant::QuantType t);
// Copies out rows of quant::row_bytes(t, in) bytes. InvalidArgument (naming
// the type and [out x in]) for other types, empty shapes, or in not a
// multiple of the block.
core::Result<std::unique_ptr<PreparedWeights>> prepare_quantized(const void* blocks, quant::QuantType t, int out,
                                                                 int in);

// y[rows × out] = x[rows × in] · Wᵀ for w made by prepare_quantized, on
// best_quant_isa(). InvalidArgument when w was prepared elsewhere.
core::Status quant_linear(const float* x, int rows, const PreparedWeights& w, float* y);
// The same on a chosen instruction set (tests and benchmarks compare them);
// InvalidArgument when the CPU lacks it.
core::Status quant_linear_isa(const float* x, int rows, const PreparedWeights& w, float* y, QuantIsa isa);

}  // namespace kbseek::kernels::cpu
