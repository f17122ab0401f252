// Matrix products with AVX-512 BF16 (VDPBF16PS: AMD Zen 4 and later, Intel
// Cooper Lake, Sapphire Rapids): bf16 inputs, fp32 accumulation. Used by the
// use-m3 token stage on CPUs without AMX and, through the CPU backend's
// prepared weights (kernels/backend.h), by the Gemma projections.
//
// Why: on a Zen 4 without AMX the token stage's fp32 sgemm was ~90% of the
// encoding time; one VDPBF16PS does 32 multiply-adds where an fp32 FMA does
// 16, and bf16 operands halve the bytes each product streams, so the products
// run ~2× faster than OpenBLAS sgemm. The rounding is the AMX path's (bf16
// inputs, fp32 sums), so its accuracy is too: the same 0.9999 cosine bars in
// tests/encoder/use against the golden vectors and the fp32 path (measured
// worst: see use_dpbf16_test.cc and UseM3EncoderTest.DefaultArithmeticMatchesFp32).
// CPUs with AMX take use_amx.h instead (tiles are faster still); CPUs with
// neither run fp32 sgemm.
//
// Constraints: k % 2 == 0 and n % 16 == 0 (every use-m3 matrix qualifies).
// B is packed once (at model load) into the pair-interleaved layout
// VDPBF16PS reads; A is any m (no padding).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

namespace kbseek::kernels::cpu::bf16 {

// True when the CPU has AVX512-F/BW/VL/BF16 and the OS saves the zmm state
// (XCR0 bits 5-7). Thread-safe.
bool available();

// B [k × n] (row-major fp32) rounded to bf16 (nearest even) in panels of 64
// columns (the last may be 16, 32 or 48 wide): within a panel of width w, for
// each row pair p, w column pairs (B[2p][j], B[2p+1][j]) — one 32-bit lane of
// a VDPBF16PS operand per column.
class PackedB {
 public:
  static constexpr int kPanel = 64;
  PackedB() = default;
  PackedB(const float* b, int k, int n);

  int k() const { return k_; }
  int n() const { return n_; }
  bool empty() const { return data_.empty(); }
  // Panel q (columns [64q, 64q + width)): k/2 rows of 2·width bf16.
  const uint16_t* panel(int q) const { return data_.data() + static_cast<size_t>(q) * kPanel * k_; }

 private:
  int k_ = 0, n_ = 0;
  std::vector<uint16_t> data_;
};

// bf16(f), rounding to nearest even as VCVTNE2PS2BF16 does (NaN aside).
inline uint16_t to_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  return static_cast<uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

// out[r][j] = bf16(a[r][j]) (round to nearest even) for r < rows, j < cols.
// Requires available() (AMX machines have it too).
void to_bf16_rows(const float* a, int rows, int cols, int lda, uint16_t* out, int ldo);

// C[m × n] (ldc) = bf16(A[m × k]) (lda) · B + (accumulate ? C : 0).
// Requires available(). With ways > 1 and enough work the column panels are
// split across core::ThreadPool::global(). Thread-safe on disjoint C.
void gemm(int m, const float* a, int lda, const PackedB& b, float* c, int ldc, bool accumulate, int ways);

// The same for A already in bf16 (m rows of lda elements, k of them read).
void gemm_bf16(int m, const uint16_t* a, int lda, const PackedB& b, float* c, int ldc, bool accumulate, int ways);

// Column panels [q_begin, q_end) of gemm_bf16's product (panel q holds
// columns [64q, min(64q + 64, n))), on the calling thread: for callers that
// split the panels on their own team (prepared_weights.cc uses the ForkJoin
// team, whose spinning workers make a 2-way split pay off even for a single
// short query, where gemm_bf16's pool hand-off does not). panel_count(b)
// panels in all. Requires available().
inline int panel_count(const PackedB& b) { return (b.n() + PackedB::kPanel - 1) / PackedB::kPanel; }
void gemm_bf16_panels(int m, const uint16_t* a, int lda, const PackedB& b, float* c, int ldc, bool accumulate,
                      int q_begin, int q_end);

}  // namespace kbseek::kernels::cpu::bf16
