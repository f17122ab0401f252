// Matrix products on Intel AMX (Advanced Matrix Extensions, Sapphire Rapids
// and later): bf16 inputs, fp32 accumulation, for the use-m3 token stage.
//
// Why: the token stage is ~1 M multiply-adds per token, nearly the whole
// cost of encoding at large batches; AMX tiles run the products several
// times faster than fp32 sgemm (the model's batch throughput went up 2.3×,
// single-query CPU time down 3×), and rounding their inputs to bf16 moves
// the embeddings by a cosine of ~1e-5: worst 0.99999 to the reference over
// the golden set, 0.99998 to the fp32 path over 370 fixture texts (both
// tested against the 0.9999 bar in tests/encoder/use). Machines without AMX,
// or processes the kernel refuses tile data to, use the fp32 path instead.
//
// Constraints: k % 32 == 0 and n % 16 == 0 (every use-m3 matrix qualifies);
// B is packed once (at model load) into tiles in the VNNI layout AMX reads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace kbseek::encoder::use_amx {

// True when the CPU has AMX-BF16 and AVX512-BF16 and the kernel granted this
// process the tile data state (asked once, with arch_prctl). Thread-safe.
bool available();

// B [k × n] (row-major fp32) rounded to bf16 and laid out as AMX B tiles:
// per 16-column block and 32-row block, 16 rows of 16 column pairs
// (B[2r][c], B[2r+1][c]). Columns are padded with zeros to a multiple of 32.
class PackedB {
 public:
  PackedB() = default;
  PackedB(const float* b, int k, int n);

  int k() const { return k_; }
  int n() const { return n_; }
  bool empty() const { return data_.empty(); }
  // The 16×32 bf16 tile for rows [32*kb, 32*kb+32) and columns [16*nb, 16*nb+16).
  const uint16_t* tile(int kb, int nb) const { return data_.data() + (static_cast<size_t>(nb) * (k_ / 32) + kb) * 512; }

 private:
  int k_ = 0, n_ = 0;
  std::vector<uint16_t> data_;
};

// Rows padded to what gemm_bf16 reads: m rounded up to a multiple of 32.
inline int padded_rows(int m) { return (m + 31) / 32 * 32; }

// A is converted with kernels::cpu::bf16::to_bf16_rows (available() implies AVX512-BF16).

// C[m × n] (ldc) = bf16(A[m × k]) (lda) · B + (accumulate ? C : 0).
// Requires available(). With ways > 1 and enough work the column blocks are
// split across core::ThreadPool::global(). Thread-safe on disjoint C.
void gemm(int m, const float* a, int lda, const PackedB& b, float* c, int ldc, bool accumulate, int ways);

// The same for A already in bf16: padded_rows(m) rows of lda elements must be
// readable (rows past m are read but their results dropped).
void gemm_bf16(int m, const uint16_t* a, int lda, const PackedB& b, float* c, int ldc, bool accumulate, int ways);

}  // namespace kbseek::encoder::use_amx
