// fp32 products of a few rows against a weight matrix packed once into
// 16-column strips: for use-m3's query path (a query is 10-40 tokens) on
// CPUs whose reduced-precision products miss its accuracy bar.
//
// Why: OpenBLAS packs B on every call, and for a few rows the packing is the
// call. Under the load test's hybrid traffic on an AVX2-only AMD EPYC,
// sgemm_itcopy (that packing) was 16% of the server's CPU against 12% for
// sgemm's own kernel. Packed once at load, each strip is k × 16 contiguous
// floats, streamed by a 4 × 16 register tile: per k, two loads of B, four
// broadcasts of A and eight FMAs. (Reading B's strips in place, 64 bytes per
// row of B, ran slower than OpenBLAS: a new page every row or two.)
//
// Results differ from OpenBLAS's only in the order of fp32 additions.
// Thread-safe; single-threaded per call (callers split columns).
#pragma once

#include <cstddef>
#include <vector>

namespace kbseek::kernels::cpu {

// True when the CPU has AVX2 and FMA. Thread-safe.
bool sgemm_small_available();

// Rows up to which sgemm_small is used. bench_encoder use-m3, 2 threads, on
// an AVX2-only AMD EPYC: single queries (~17 pieces) 278 -> 336 texts/s,
// p50 3.65 -> 2.86 ms; but at 8 short texts a call (~136 rows) OpenBLAS ran
// 793 texts/s against 598, and at 32 long ones 106 against 60: past a few
// dozen rows its packing pays for itself.
constexpr int kSgemmSmallMaxRows = 64;

// B [k × n] (row-major, ldb) as strips of 16 columns (the last zero-padded),
// each k × 16 floats.
class PackedStrips {
 public:
  PackedStrips() = default;
  PackedStrips(const float* b, int k, int n, int ldb);
  bool empty() const { return data_.empty(); }
  int k() const { return k_; }
  int n() const { return n_; }
  const float* strip(int s) const { return data_.data() + static_cast<size_t>(s) * k_ * 16; }

 private:
  int k_ = 0, n_ = 0;
  std::vector<float> data_;
};

// Columns [begin, end) of C[m × n] (ldc) = A[m × k] (lda) · B + (accumulate ?
// C : 0); begin a multiple of 16. Requires sgemm_small_available().
void sgemm_small(int m, const float* a, int lda, const PackedStrips& b, int begin, int end, float* c, int ldc,
                 bool accumulate);

}  // namespace kbseek::kernels::cpu
