// Int8 matrix products with AVX-512 VNNI (VPDPBUSD), or with AVX2 where the
// CPU lacks VNNI (int8_gemm_avx2.h: the same sums, bit for bit): the CPU
// backend's WeightFormat::kInt8 (kernels/backend.h), used by the encoders'
// int8 precision (encoder/precision.h) and the LLM stage.
//
// Why: measured on an Intel Xeon (family 6 model 207, 2 cores of a
// VM; /tmp micro-benchmark of independent chains, 2026-12-07): one core
// retires 86 G fp32 multiply-adds/s through FMA, 42 G through VDPBF16PS
// (bf16 runs at half rate here, which is why the bf16 path never beat
// OpenBLAS sgemm), and 218 G int8 multiply-adds/s through VPDPBUSD. The
// earlier int8 path reused the LLM stage's ggml Q8_0 kernels (quant_gemm.h),
// whose dot-product form pays a convert and two float products per 64 values
// and ran at half sgemm's speed; this one is an outer-product GEMM in which
// the scale arithmetic is paid once per 32 values (8 VPDPBUSD).
//
// Numerics: W [out × in] is quantized once, symmetric, per block of 32
// values of a row: q = round(w · 127 / max|w|), scale max|w| / 127. Each
// call quantizes x the same way per block of kBlock values. Then
//   y[r][o] = Σ_B xs[r][B] · Σ_{b in B} ws[o][b] · Σ_{k in b} qw[o][k] · qx[r][k]
// with exact int32 inner sums and fp32 outer ones — ggml's Q8_0 × Q8_0
// arithmetic with fp32 scales. Why blocks of 32 on both sides: on
// EmbeddingGemma's 50 golden vectors (tests/encoder/gemma) x blocks of 128
// gave a worst cosine of 0.99859 to the reference (a 22-token Chinese query;
// below the encoder's 0.999 bar), blocks of 32 give 0.99940; with weights
// alone quantized (x in fp32) that query scored 0.99988 with weight blocks
// of 32 and 0.99966 with 128. The kernel keeps kBlock a parameter (a
// multiple of 32): a block of 128 costs one FMA per 128 values of x instead
// of one per 32, ~10% faster on these shapes.
// VPDPBUSD multiplies unsigned by signed bytes: x's codes are stored + 128
// (unsigned), and the 128 · Σ qw that adds is removed by starting each
// weight block's int32 sum at −128 · Σ_{k in b} qw[o][k], kept with W.
//
// Rows of W are padded with zeros to a multiple of kBlock values, and out to a
// multiple of 16 (only the real outputs are written). Thread-safety: packed
// weights are immutable; gemm may run on many threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "kernels/cpu/quant_gemm.h"

namespace kbseek::kernels::cpu::int8 {

constexpr int kBlock = 32;        // values per scale of x (a multiple of kWeightBlock)
constexpr int kWeightBlock = 32;  // values per scale of W
constexpr int kPanel = 32;        // outputs per packed panel (two zmm of int32)

// The kernels follow the quantized kernels' reading of the CPU
// (best_quant_isa(), quant_gemm.h): the VNNI one for kAvx512Vnni, the AVX2
// one for kAvx2; none for kScalar. True unless kScalar. Thread-safe.
bool available();

class PackedW {
 public:
  PackedW() = default;
  // w: [out × in] row-major fp32. Needs out, in > 0.
  PackedW(const float* w, int out, int in);

  int out() const { return out_; }
  int in() const { return in_; }
  int blocks() const { return blocks_; }
  int panels() const { return (out_ + kPanel - 1) / kPanel; }
  // Panel p: outputs [32p, 32p + width) with width ≤ 32 a multiple of 16.
  int width(int p) const;
  // For each 32-value weight block, for each group of 4 values, `width`
  // groups of 4 codes (output-major within the group): the VPDPBUSD operand
  // layout.
  const int8_t* codes(int p) const { return codes_.data() + static_cast<size_t>(p) * kPanel * padded_in(); }
  // [weight_blocks][kPanel]: the weight block scales and the −128 · Σ codes
  // starts.
  const float* scales(int p) const { return scales_.data() + static_cast<size_t>(p) * kPanel * weight_blocks(); }
  const int32_t* starts(int p) const { return starts_.data() + static_cast<size_t>(p) * kPanel * weight_blocks(); }
  int padded_in() const { return blocks_ * kBlock; }
  int weight_blocks() const { return padded_in() / kWeightBlock; }
  size_t bytes() const { return codes_.size() + 4 * scales_.size() + 4 * starts_.size(); }

 private:
  int out_ = 0, in_ = 0, blocks_ = 0;
  std::vector<int8_t> codes_;
  std::vector<float> scales_;
  std::vector<int32_t> starts_;
};

// The quantization of one block (exposed for the tests' scalar reference):
// codes q[i] = round-half-even(v[i] · 127 / max|v|) in [−127, 127], returns
// the scale max|v| / 127 (0 and all-zero codes for an all-zero block).
float quantize_block(const float* v, int n, int8_t* q);

// y[rows × out] (ldy = out) = x[rows × in] (ldx = in) · Wᵀ on best_quant_isa().
// Requires available(). Splits rows (or, for a few rows, panels) across the
// CPU backend's team.
void gemm(const float* x, int rows, const PackedW& w, float* y);
// The same on `isa` (tests compare the two kernels): kAvx2 or kAvx512Vnni,
// and no better than best_quant_isa().
void gemm(const float* x, int rows, const PackedW& w, float* y, QuantIsa isa);

}  // namespace kbseek::kernels::cpu::int8
