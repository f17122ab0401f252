// The AVX2 kernel of int8_gemm.h (internal to kernels/cpu): for CPUs without
// AVX512-VNNI (AMD Zen 1-3, most Intel client parts), the same packed
// weights and the same integer sums, so its results equal the VNNI kernel's
// bit for bit.
//
// Why not VPMADDUBSW, as ggml's AVX2 Q8_0 dot does: it multiplies unsigned
// by signed bytes and saturates each pair sum at 16 bits, so it needs the
// sign-transfer trick (two VPSIGNB per product) to stay exact. Here x's codes
// are kept as int16 instead and W's codes widened once per load
// (VPMOVSXBW), shared by every row of the tile: one VPMADDWD and one VPADDD
// per 16 products of a row, exact in int32. Widening a panel's codes to int16
// once per call instead (plain loads in the tile) ran slower at every row
// count (bench_linear_rows), so VPMOVSXBW is not what bounds the tile.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/cpu/int8_gemm.h"

namespace kbseek::kernels::cpu::int8::avx2 {

// One row of x (in values) as int16 codes, `blocks` blocks of kBlock values
// (zero codes past in), and one scale per block: quantize_block's arithmetic.
void quantize_row(const float* x, int in, int blocks, int16_t* q, float* s);

// y rows [0, rows) (ldy = w.out()) = rows of codes (w.padded_in() apart,
// scales w.blocks() apart) against panels [p0, p1).
void run(const int16_t* xq, const float* xs, int rows, const PackedW& w, int p0, int p1, float* y);

}  // namespace kbseek::kernels::cpu::int8::avx2
