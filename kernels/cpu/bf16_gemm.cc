// The VDPBF16PS kernel: 6 rows × 64 columns of C in 24 zmm accumulators,
// over k one row pair at a time (4 loads of B, 6 broadcasts of A pairs, 24
// dot products). Panel-outer, rows-inner so that a B panel (≤160 KB for
// use-m3's k = 1280) stays in L2 while A streams past. Compiled for AVX-512
// through target attributes only, so the library still builds and runs on
// plain x86-64; available() gates every call. Instruction semantics: Intel
// SDM vol. 2 (VDPBF16PS, VCVTNE2PS2BF16), AMD Zen 4 implements both.
#include "kernels/cpu/bf16_gemm.h"

#include <cpuid.h>
#include <immintrin.h>

#include <algorithm>
#include <cstring>

#include "core/thread_pool.h"

#define KB_DPBF16 __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

namespace kbseek::kernels::cpu::bf16 {
namespace {

constexpr int kRows = 6;
// A hand-off to the pool costs µs when the other core is idle and up to a
// scheduler slice when it is busy (use_ops.cc), so only products of ≳0.2 ms
// on one core are split; a single short query stays on its calling thread.
constexpr double kMinSplitMacs = 1.0e7;

bool detect() {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx) || !((ecx >> 27) & 1)) return false;  // OSXSAVE
  unsigned xcr0_lo, xcr0_hi;
  __asm__("xgetbv" : "=a"(xcr0_lo), "=d"(xcr0_hi) : "c"(0));
  if ((xcr0_lo & 0xE6) != 0xE6) return false;  // SSE, AVX, opmask, zmm state saved by the OS
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  const bool f = (ebx >> 16) & 1, bw = (ebx >> 30) & 1, vl = (ebx >> 31) & 1;
  if (!f || !bw || !vl) return false;
  return __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) && ((eax >> 5) & 1);
}

// C[MR × 16·NB] (+)= A[MR × 2·pairs] · panel, the panel's row pairs `stride` bf16 apart.
template <int MR, int NB>
KB_DPBF16 void micro(const uint16_t* a, int lda, const uint16_t* bp, int pairs, int stride, float* c, int ldc,
                     bool accumulate) {
  __m512 acc[MR][NB];
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r)
#pragma GCC unroll 4
    for (int j = 0; j < NB; ++j) acc[r][j] = _mm512_setzero_ps();
  for (int p = 0; p < pairs; ++p) {
    const uint16_t* row = bp + static_cast<size_t>(p) * stride;
    __m512bh b[NB];
#pragma GCC unroll 4
    for (int j = 0; j < NB; ++j) b[j] = reinterpret_cast<__m512bh>(_mm512_loadu_si512(row + 32 * j));
#pragma GCC unroll 8
    for (int r = 0; r < MR; ++r) {
      int32_t pair;
      std::memcpy(&pair, a + static_cast<size_t>(r) * lda + 2 * p, 4);
      const __m512bh av = reinterpret_cast<__m512bh>(_mm512_set1_epi32(pair));
#pragma GCC unroll 4
      for (int j = 0; j < NB; ++j) acc[r][j] = _mm512_dpbf16_ps(acc[r][j], av, b[j]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < MR; ++r) {
    float* dst = c + static_cast<size_t>(r) * ldc;
#pragma GCC unroll 4
    for (int j = 0; j < NB; ++j) {
      const __m512 v = accumulate ? _mm512_add_ps(acc[r][j], _mm512_loadu_ps(dst + 16 * j)) : acc[r][j];
      _mm512_storeu_ps(dst + 16 * j, v);
    }
  }
}

using Micro = void (*)(const uint16_t*, int, const uint16_t*, int, int, float*, int, bool);

template <int MR>
constexpr Micro kRow[4] = {micro<MR, 1>, micro<MR, 2>, micro<MR, 3>, micro<MR, 4>};
constexpr const Micro* kMicro[kRows] = {kRow<1>, kRow<2>, kRow<3>, kRow<4>, kRow<5>, kRow<6>};

void kernel(int m, const uint16_t* a, int lda, const PackedB& b, float* c, int ldc, bool accumulate, int q_begin,
            int q_end) {
  const int pairs = b.k() / 2;
  for (int q = q_begin; q < q_end; ++q) {
    const int col0 = q * PackedB::kPanel, width = std::min(PackedB::kPanel, b.n() - col0);
    const uint16_t* bp = b.panel(q);
    for (int r0 = 0; r0 < m; r0 += kRows) {
      const int mr = std::min(kRows, m - r0);
      kMicro[mr - 1][width / 16 - 1](a + static_cast<size_t>(r0) * lda, lda, bp, pairs, 2 * width,
                                     c + static_cast<size_t>(r0) * ldc + col0, ldc, accumulate);
    }
  }
}

KB_DPBF16 void convert_rows(const float* a, int rows, int cols, int lda, uint16_t* out, int ldo) {
  for (int r = 0; r < rows; ++r) {
    const float* src = a + static_cast<size_t>(r) * lda;
    uint16_t* dst = out + static_cast<size_t>(r) * ldo;
    int j = 0;
    for (; j + 32 <= cols; j += 32) {
      const __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(src + j + 16), _mm512_loadu_ps(src + j));
      _mm512_storeu_si512(dst + j, reinterpret_cast<__m512i>(v));
    }
    for (; j < cols; ++j) dst[j] = to_bf16(src[j]);
  }
}

}  // namespace

bool available() {
  static const bool kAvailable = detect();
  return kAvailable;
}

PackedB::PackedB(const float* b, int k, int n) : k_(k), n_(n) {
  data_.assign(static_cast<size_t>(k) * n, 0);
  for (int col0 = 0; col0 < n; col0 += kPanel) {
    const int width = std::min(kPanel, n - col0);
    uint16_t* panel = data_.data() + static_cast<size_t>(col0) * k;
    for (int p = 0; p < k / 2; ++p) {
      for (int j = 0; j < width; ++j) {
        panel[(static_cast<size_t>(p) * width + j) * 2] = to_bf16(b[static_cast<size_t>(2 * p) * n + col0 + j]);
        panel[(static_cast<size_t>(p) * width + j) * 2 + 1] = to_bf16(b[static_cast<size_t>(2 * p + 1) * n + col0 + j]);
      }
    }
  }
}

void to_bf16_rows(const float* a, int rows, int cols, int lda, uint16_t* out, int ldo) {
  convert_rows(a, rows, cols, lda, out, ldo);
}

void gemm(int m, const float* a, int lda, const PackedB& b, float* c, int ldc, bool accumulate, int ways) {
  if (m <= 0) return;
  thread_local std::vector<uint16_t> abf;
  abf.resize(static_cast<size_t>(m) * b.k());
  convert_rows(a, m, b.k(), lda, abf.data(), b.k());
  gemm_bf16(m, abf.data(), b.k(), b, c, ldc, accumulate, ways);
}

void gemm_bf16_panels(int m, const uint16_t* a, int lda, const PackedB& b, float* c, int ldc, bool accumulate,
                      int q_begin, int q_end) {
  if (m <= 0) return;
  kernel(m, a, lda, b, c, ldc, accumulate, std::max(0, q_begin), std::min(q_end, panel_count(b)));
}

void gemm_bf16(int m, const uint16_t* a, int lda, const PackedB& b, float* c, int ldc, bool accumulate, int ways) {
  if (m <= 0) return;
  const int panels = panel_count(b);
  const double macs = static_cast<double>(m) * b.k() * b.n();
  const int parts = std::min(ways, panels);
  if (parts <= 1 || macs < kMinSplitMacs) {
    kernel(m, a, lda, b, c, ldc, accumulate, 0, panels);
    return;
  }
  core::ThreadPool::global().parallel_for(static_cast<size_t>(parts), [&](size_t pb, size_t pe) {
    for (size_t p = pb; p < pe; ++p) {
      kernel(m, a, lda, b, c, ldc, accumulate, static_cast<int>(panels * p / parts),
             static_cast<int>(panels * (p + 1) / parts));
    }
  });
}

}  // namespace kbseek::kernels::cpu::bf16
