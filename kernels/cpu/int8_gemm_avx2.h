// The AVX2 kernel of int8_gemm.h (internal to kernels/cpu): for CPUs without
// AVX512-VNNI (AMD Zen 1-3, most Intel client parts), the same packed
// weights and the same integer sums, so its results equal the VNNI kernel's
// bit for bit.
//
// How: ggml's AVX2 Q8_0 form, exact. VPMADDUBSW multiplies unsigned by
// signed bytes and adds pairs into int16 with saturation; with x's sign moved
// onto W's codes (VPSIGNB) and |x| as the unsigned side, each pair is at most
// 2 · 127 · 127 = 32258, so nothing saturates. Then VPMADDWD by ones joins
// the pairs into each output's int32 sum of 4, and VPADDD accumulates: four
// instructions per 32 products of a row, and the weights are loaded as they
// are packed (no widening, no horizontal add at the end of a block).
// Why this and not the earlier form (x as int16, W widened by VPMOVSXBW, one
// VPMADDWD and one VPADDD per 16 products, VPHADDD + VPERMD per block):
// on an AMD EPYC (Zen 3) at 16 query rows, min of 4 alternated runs of
// bench_linear_rows, one thread, 2026-12-08, the MiniLM qkv product went
// from 0.223 to 0.158 ms, up from 0.291 to 0.210, down from 0.288 to 0.249;
// all-MiniLM's single-query p50 from 9.4–10.0 to 6.8–7.8 ms
// (bench/results/int8-avx2-ceiling.md). Keeping |x| beside x in memory
// instead of one VPABSB per broadcast measured the same, so it is not done.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/cpu/int8_gemm.h"

namespace kbseek::kernels::cpu::int8::avx2 {

// One row of x (in values) as signed byte codes, `blocks` blocks of kBlock values
// (zero codes past in), and one scale per block: quantize_block's arithmetic.
void quantize_row(const float* x, int in, int blocks, int8_t* q, float* s);

// y rows [0, rows) (ldy = w.out()) = rows of codes (w.padded_in() apart,
// scales w.blocks() apart) against panels [p0, p1).
void run(const int8_t* xq, const float* xs, int rows, const PackedW& w, int p0, int p1, float* y);

}  // namespace kbseek::kernels::cpu::int8::avx2
