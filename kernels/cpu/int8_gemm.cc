// The VPDPBUSD kernel of int8_gemm.h: 4 rows × 32 outputs in 8 int32
// accumulators (one 32-value weight block at a time, started at the block's
// −128·Σqw), 8 fp32 ones per kBlock-value activation block and 8 for the row;
// per group of 4 values, 2 weight loads, 4 broadcasts of 4 activation codes
// and 8 VPDPBUSD; per weight block, one convert and one FMA per accumulator;
// per activation block, one FMA more. Rows go in chunks whose codes
// stay in L2 while every weight panel passes over them, so x is read from
// memory once and W from L2. Compiled for AVX-512 through target attributes
// only, so the library still runs on plain x86-64; available() gates calls.
// Instruction semantics: Intel SDM vol. 2 (VPDPBUSD, VPMOVDB).
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "kernels/cpu/int8_gemm.h"

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>

#include "kernels/cpu/cpu_ops.h"
#include "kernels/cpu/int8_gemm_avx2.h"
#include "kernels/cpu/quant_gemm.h"

#define KB_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512vnni,avx2,fma")))

namespace kbseek::kernels::cpu::int8 {
namespace {

constexpr int kRows = 4;
constexpr int kSubBlocks = kBlock / kWeightBlock;
static_assert(kWeightBlock % 16 == 0 && kBlock % kWeightBlock == 0, "whole 16-lane vectors per block");
// Rows per chunk: 192 rows of a 1152-wide x are 216 KB of codes, in L2
// beside the weights (a core here has 2 MB).
constexpr int kChunkRows = 192;

// Lanes [0, left) of a 16-lane vector (none for left <= 0).
inline __mmask16 lanes(int left) {
  return left >= 16 ? 0xFFFF : left <= 0 ? 0 : static_cast<__mmask16>((1u << left) - 1);
}

// quantize_block's arithmetic on the first n of N values (zero codes past
// n), 16 at a time: returns the scale, the codes in N/16 vectors of int32
// (VCVTPS2DQ rounds half to even under the default MXCSR, as nearbyint does).
template <int N>
KB_VNNI float block_codes(const float* v, int n, __m512i* codes) {
  const __m512 sign = _mm512_set1_ps(-0.0f);
  __m512 vals[N / 16];
  __m512 amax = _mm512_setzero_ps();
  for (int i = 0; i < N / 16; ++i) {
    vals[i] = _mm512_maskz_loadu_ps(lanes(n - 16 * i), v + 16 * i);
    amax = _mm512_max_ps(amax, _mm512_andnot_ps(sign, vals[i]));
  }
  const float mx = _mm512_reduce_max_ps(amax);
  const __m512 iv = _mm512_set1_ps(mx > 0.0f ? 127.0f / mx : 0.0f);
  for (int i = 0; i < N / 16; ++i) codes[i] = _mm512_cvtps_epi32(_mm512_mul_ps(vals[i], iv));
  return mx / 127.0f;
}

// Codes + 128 (VPDPBUSD's unsigned operand) and scales of one row of x.
KB_VNNI void quantize_row(const float* x, int in, int blocks, uint8_t* q, float* s) {
  const __m512i bias = _mm512_set1_epi32(128);
  __m512i c[kBlock / 16];
  for (int b = 0; b < blocks; ++b) {
    s[b] = block_codes<kBlock>(x + static_cast<size_t>(b) * kBlock, std::min(kBlock, in - b * kBlock), c);
    for (int i = 0; i < kBlock / 16; ++i) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(q + static_cast<size_t>(b) * kBlock + 16 * i),
                       _mm512_cvtepi32_epi8(_mm512_add_epi32(c[i], bias)));
    }
  }
}

// One weight block (≤ kWeightBlock values; zero codes past n): its codes,
// scale and the sum of its codes.
KB_VNNI float quantize_weight_block(const float* v, int n, int8_t* q, int32_t* sum) {
  __m512i c[kWeightBlock / 16];
  const float scale = block_codes<kWeightBlock>(v, n, c);
  __m512i total = _mm512_setzero_si512();
  for (int i = 0; i < kWeightBlock / 16; ++i) {
    total = _mm512_add_epi32(total, c[i]);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(q + 16 * i), _mm512_cvtepi32_epi8(c[i]));
  }
  *sum = _mm512_reduce_add_epi32(total);
  return scale;
}

// y[MR × 16·NB] = the product of MR code rows (lda bytes apart, scales ldas
// apart) and one panel; `valid` of the 16·NB outputs are written. Three
// levels of sums: int32 within a 32-value weight block (started at its
// −128·Σqw), fp32 times the weight scales within a kBlock-value activation
// block, fp32 times the activation scale over the row.
template <int MR, int NB>
KB_VNNI void micro(const uint8_t* a, size_t lda, const float* as, size_t ldas, const int8_t* codes, const float* ws,
                   const int32_t* st, int blocks, float* y, size_t ldy, int valid) {
  __m512 acc[MR][NB];
  for (int r = 0; r < MR; ++r)
    for (int j = 0; j < NB; ++j) acc[r][j] = _mm512_setzero_ps();
  for (int b = 0; b < blocks; ++b) {
    __m512 accb[MR][NB];
    for (int r = 0; r < MR; ++r)
      for (int j = 0; j < NB; ++j) accb[r][j] = _mm512_setzero_ps();
    const uint8_t* ab = a + static_cast<size_t>(b) * kBlock;
    for (int sb = 0; sb < kSubBlocks; ++sb) {
      const size_t wb = static_cast<size_t>(b) * kSubBlocks + sb;  // the 32-value weight block
      __m512i ai[MR][NB];
      for (int j = 0; j < NB; ++j) {
        const __m512i start = _mm512_loadu_si512(st + wb * kPanel + 16 * j);
        for (int r = 0; r < MR; ++r) ai[r][j] = start;
      }
      const int8_t* cb = codes + wb * kWeightBlock * 16 * NB;
#pragma GCC unroll 8
      for (int g = 0; g < kWeightBlock / 4; ++g) {
        __m512i w[NB];
        for (int j = 0; j < NB; ++j) w[j] = _mm512_loadu_si512(cb + (g * NB + j) * 64);
        for (int r = 0; r < MR; ++r) {
          int32_t four;
          std::memcpy(&four, ab + r * lda + kWeightBlock * sb + 4 * g, 4);
          const __m512i av = _mm512_set1_epi32(four);
          for (int j = 0; j < NB; ++j) ai[r][j] = _mm512_dpbusd_epi32(ai[r][j], av, w[j]);
        }
      }
      for (int j = 0; j < NB; ++j) {
        const __m512 wsv = _mm512_loadu_ps(ws + wb * kPanel + 16 * j);
        for (int r = 0; r < MR; ++r) accb[r][j] = _mm512_fmadd_ps(_mm512_cvtepi32_ps(ai[r][j]), wsv, accb[r][j]);
      }
    }
    for (int r = 0; r < MR; ++r) {
      const __m512 scale = _mm512_set1_ps(as[r * ldas + b]);
      for (int j = 0; j < NB; ++j) acc[r][j] = _mm512_fmadd_ps(accb[r][j], scale, acc[r][j]);
    }
  }
  for (int j = 0; j < NB; ++j) {
    const __mmask16 m = lanes(valid - 16 * j);
    for (int r = 0; r < MR; ++r) _mm512_mask_storeu_ps(y + r * ldy + 16 * j, m, acc[r][j]);
  }
}

using Micro = void (*)(const uint8_t*, size_t, const float*, size_t, const int8_t*, const float*, const int32_t*, int,
                       float*, size_t, int);
template <int MR>
constexpr Micro kRow[2] = {micro<MR, 1>, micro<MR, 2>};
constexpr const Micro* kMicro[kRows] = {kRow<1>, kRow<2>, kRow<3>, kRow<4>};

// Rows [0, rows) of already quantized x against panels [p0, p1).
void run(const uint8_t* xq, const float* xs, int rows, const PackedW& w, int p0, int p1, float* y) {
  const size_t lda = static_cast<size_t>(w.padded_in()), ldas = static_cast<size_t>(w.blocks());
  const size_t ldy = static_cast<size_t>(w.out());
  for (int p = p0; p < p1; ++p) {
    const int width = w.width(p), valid = std::min(width, w.out() - p * kPanel);
    for (int r0 = 0; r0 < rows; r0 += kRows) {
      const int mr = std::min(kRows, rows - r0);
      kMicro[mr - 1][width / 16 - 1](xq + r0 * lda, lda, xs + r0 * ldas, ldas, w.codes(p), w.scales(p), w.starts(p),
                                     w.blocks(), y + r0 * ldy + static_cast<size_t>(p) * kPanel, ldy, valid);
    }
  }
}

// The VNNI kernel as the driver below wants it: codes + 128 in bytes.
struct Vnni {
  using Code = uint8_t;
  static void quantize(const float* x, int in, int blocks, Code* q, float* s) { quantize_row(x, in, blocks, q, s); }
  static void kernel(const Code* xq, const float* xs, int rows, const PackedW& w, int p0, int p1, float* y) {
    run(xq, xs, rows, w, p0, p1, y);
  }
};
// The AVX2 kernel: signed byte codes.
struct Avx2 {
  using Code = int8_t;
  static void quantize(const float* x, int in, int blocks, Code* q, float* s) {
    avx2::quantize_row(x, in, blocks, q, s);
  }
  static void kernel(const Code* xq, const float* xs, int rows, const PackedW& w, int p0, int p1, float* y) {
    avx2::run(xq, xs, rows, w, p0, p1, y);
  }
};

// Fewer rows than two tiles: quantize once, split the panels. Otherwise each
// thread takes a range of row tiles and quantizes its own rows, a chunk at a
// time, into its own scratch.
template <class K>
void gemm_on(const float* x, int rows, const PackedW& w, float* y) {
  using Code = typename K::Code;
  const int in = w.in(), blocks = w.blocks();
  const size_t lda = static_cast<size_t>(w.padded_in());
  const double macs_per_row = static_cast<double>(w.padded_in()) * w.out();
  if (rows < 2 * kRows) {
    thread_local std::vector<Code> xq;
    thread_local std::vector<float> xs;
    xq.resize(static_cast<size_t>(rows) * lda);
    xs.resize(static_cast<size_t>(rows) * blocks);
    for (int r = 0; r < rows; ++r)
      K::quantize(x + static_cast<size_t>(r) * in, in, blocks, &xq[r * lda], &xs[r * blocks]);
    // By pointer: inside the lambda the thread_locals would name the worker's own.
    const Code* qp = xq.data();
    const float* sp = xs.data();
    parallel_for(static_cast<size_t>(w.panels()), 2.0 * rows * w.padded_in() * kPanel, [&](size_t pb, size_t pe) {
      K::kernel(qp, sp, rows, w, static_cast<int>(pb), static_cast<int>(pe), y);
    });
    return;
  }
  const size_t tiles = (static_cast<size_t>(rows) + kRows - 1) / kRows;
  parallel_for(tiles, 2.0 * kRows * macs_per_row, [&](size_t tb, size_t te) {
    thread_local std::vector<Code> xq;
    thread_local std::vector<float> xs;
    xq.resize(static_cast<size_t>(kChunkRows) * lda);
    xs.resize(static_cast<size_t>(kChunkRows) * blocks);
    const int end = std::min(rows, static_cast<int>(te * kRows));
    for (int r0 = static_cast<int>(tb * kRows); r0 < end; r0 += kChunkRows) {
      const int n = std::min(kChunkRows, end - r0);
      for (int r = 0; r < n; ++r) {
        K::quantize(x + static_cast<size_t>(r0 + r) * in, in, blocks, &xq[r * lda],
                    &xs[static_cast<size_t>(r) * blocks]);
      }
      K::kernel(xq.data(), xs.data(), n, w, 0, w.panels(), y + static_cast<size_t>(r0) * w.out());
    }
  });
}

// quantize_block plus the sum of the codes, for CPUs without AVX-512.
float quantize_weight_block_scalar(const float* v, int n, int8_t* q, int32_t* sum) {
  std::fill(q, q + kWeightBlock, int8_t{0});
  const float scale = quantize_block(v, n, q);
  *sum = 0;
  for (int i = 0; i < kWeightBlock; ++i) *sum += q[i];
  return scale;
}

}  // namespace

// The quantized kernels' check (quant_gemm.h) is the one for both kernels:
// AVX-512 F/BW/VL/DQ + VNNI with the zmm state saved by the OS, or AVX2 + FMA.
bool available() { return best_quant_isa() != QuantIsa::kScalar; }

float quantize_block(const float* v, int n, int8_t* q) {
  float mx = 0.0f;
  for (int i = 0; i < n; ++i) mx = std::max(mx, std::fabs(v[i]));
  const float inv = mx > 0.0f ? 127.0f / mx : 0.0f;
  for (int i = 0; i < n; ++i) q[i] = static_cast<int8_t>(std::nearbyint(v[i] * inv));
  return mx / 127.0f;
}

int PackedW::width(int p) const { return std::min(kPanel, (out_ - p * kPanel + 15) / 16 * 16); }

PackedW::PackedW(const float* w, int out, int in) : out_(out), in_(in), blocks_((in + kBlock - 1) / kBlock) {
  const int panels = this->panels(), wblocks = weight_blocks();
  codes_.assign(static_cast<size_t>(panels) * kPanel * padded_in(), 0);
  scales_.assign(static_cast<size_t>(panels) * kPanel * wblocks, 0.0f);
  starts_.assign(static_cast<size_t>(panels) * kPanel * wblocks, 0);
  const bool vnni = best_quant_isa() == QuantIsa::kAvx512Vnni;
  // Panels are disjoint in all three arrays: split them across the team (a
  // 1.5B decoder's 1.3 G weights took 13 s to pack on one core, scalar).
  parallel_for(static_cast<size_t>(panels), 8.0 * kPanel * in, [&](size_t pb, size_t pe) {
    int8_t q[kWeightBlock];
    for (int o = static_cast<int>(pb) * kPanel; o < std::min(out, static_cast<int>(pe) * kPanel); ++o) {
      const int p = o / kPanel, j = o % kPanel, wd = width(p);
      int8_t* codes = codes_.data() + static_cast<size_t>(p) * kPanel * padded_in();
      for (int b = 0; b < wblocks; ++b) {
        const int n = std::max(0, std::min(kWeightBlock, in - b * kWeightBlock));
        const float* v = w + static_cast<size_t>(o) * in + static_cast<size_t>(b) * kWeightBlock;
        int32_t sum = 0;
        const float s = vnni ? quantize_weight_block(v, n, q, &sum) : quantize_weight_block_scalar(v, n, q, &sum);
        int8_t* dst = codes + static_cast<size_t>(b) * kWeightBlock * wd + static_cast<size_t>(j) * 4;
        for (int g = 0; g < kWeightBlock / 4; ++g) std::memcpy(dst + static_cast<size_t>(g) * wd * 4, q + 4 * g, 4);
        const size_t at = static_cast<size_t>(p) * kPanel * wblocks + static_cast<size_t>(b) * kPanel + j;
        scales_[at] = s;
        starts_[at] = -128 * sum;
      }
    }
  });
}

void gemm(const float* x, int rows, const PackedW& w, float* y) { gemm(x, rows, w, y, best_quant_isa()); }

void gemm(const float* x, int rows, const PackedW& w, float* y, QuantIsa isa) {
  if (rows <= 0) return;
  if (isa == QuantIsa::kAvx512Vnni) return gemm_on<Vnni>(x, rows, w, y);
  gemm_on<Avx2>(x, rows, w, y);
}

}  // namespace kbseek::kernels::cpu::int8
