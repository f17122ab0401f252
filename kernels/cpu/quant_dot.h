// The unpacked operands of the quantized products (quant_gemm.h) and the
// per-ISA tile kernels that read them: quant_dot_scalar.cc,
// quant_dot_avx2.cc, quant_dot_avx512.cc. Internal to kernels/cpu.
//
// Blocks are unpacked (per call, into thread-local scratch) to one byte per
// value in natural order plus per-lane scales, so that one kernel per scheme
// serves every block type and the SIMD loops are plain loads:
//
// kSuper — Q4_K, Q6_K weights against Q8_K activations, per super-block s of
// 256 values:
//   dot += d[s]·ad[s]·Σ_v scale[v/2]·q[v]·a[v] − dc[s]·ad[s]·Σ_j coef[s][j]·bsums[s][j]
//   q: unsigned codes (Q4_K 0..15, Q6_K 0..63), so VPMADDUBSW pairs them with
//   the signed activations without saturating (2·63·127 < 2^15);
//   scale: the sub-block scale of value pair v/2 as int16, one VPMADDWD /
//   VPDPWSSD lane per pair;
//   Q4_K: dc = dmin, coef[j] = m[j/2] (the mins, 16-value groups);
//   Q6_K: dc = d, coef[j] = 32·scales[j] (the code offset of 32).
// kBlock32 — Q5_0, Q8_0 weights against Q8_0 activations:
//   dot += Σ_v ws[v/4]·as[v/4]·q[v]·a[v], summed as integers within each
//   4-value lane; q signed (Q5_0: code − 16), ws and as the blocks' scales
//   repeated per lane.
// Rows are zero-padded to a multiple of 64 values (kBlock32) so that every
// AVX-512 load is whole; zeros add nothing.
#pragma once

#include <cstddef>
#include <cstdint>

namespace kbseek::kernels::cpu::qdot {

enum class Scheme { kSuper, kBlock32 };

constexpr int kSuperValues = 256;
constexpr int kPad = 64;  // rows are padded to a multiple of this many values

struct WeightRow {
  const uint8_t* q;
  const int16_t* scale;  // kSuper: n/2
  const float* ws;       // kBlock32: n/4
  const float* d;        // kSuper: n/256
  const float* dc;       // kSuper: n/256
  const int16_t* coef;   // kSuper: 16 per super-block
};

struct ActRow {
  const int8_t* q;
  const float* as;       // kBlock32: n/4
  const float* d;        // kSuper: n/256
  const int16_t* bsums;  // kSuper: 16 per super-block
};

// y[r·ldy + o] = dot(w[o], a[r]) for o < n_w, r < n_a over n (padded)
// values. Thread-safe; the SIMD ones require their instruction set.
void dot_tile_scalar(Scheme s, int n, const WeightRow* w, int n_w, const ActRow* a, int n_a, float* y, size_t ldy);
void dot_tile_avx2(Scheme s, int n, const WeightRow* w, int n_w, const ActRow* a, int n_a, float* y, size_t ldy);
void dot_tile_avx512(Scheme s, int n, const WeightRow* w, int n_w, const ActRow* a, int n_a, float* y, size_t ldy);

}  // namespace kbseek::kernels::cpu::qdot
