// The AMX kernel: 2×2 accumulator tiles (32 rows × 32 columns of C) over
// k in steps of 32; A in bf16, read in blocks of 32 rows (the rows past m
// only feed outputs that are dropped). Compiled for AMX/AVX-512 through target
// attributes only, so the library still builds and runs for plain x86-64;
// available() gates every call. Tile layout and instruction semantics:
// Intel SDM vol. 1 ch. 18 and the intrinsics guide (TDPBF16PS).
#include "encoder/use/use_amx.h"

#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "core/thread_pool.h"
#include "kernels/cpu/bf16_gemm.h"

namespace kbseek::encoder::use_amx {
namespace {

constexpr int kArchReqXcompPerm = 0x1023;
constexpr int kXfeatureXtiledata = 18;

bool detect() {
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  const bool amx_bf16 = (edx >> 22) & 1, amx_tile = (edx >> 24) & 1, avx512f = (ebx >> 16) & 1;
  if (!amx_bf16 || !amx_tile || !avx512f) return false;
  if (!__get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) || !((eax >> 5) & 1)) return false;  // AVX512-BF16
  return syscall(SYS_arch_prctl, kArchReqXcompPerm, kXfeatureXtiledata) == 0;
}

struct alignas(64) TileConfig {
  uint8_t palette = 1, start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t colsb[16] = {};
  uint8_t rows[16] = {};
};

// Column blocks [nb_begin, nb_end) (pairs of 16-column blocks) of C.
__attribute__((target("amx-tile,amx-bf16,avx512f"))) void kernel(int m, const uint16_t* abf, int lda, const PackedB& b,
                                                                 float* c, int ldc, bool accumulate, int pair_begin,
                                                                 int pair_end) {
  TileConfig cfg;
  for (int t = 0; t < 8; ++t) {
    cfg.rows[t] = 16;
    cfg.colsb[t] = 64;
  }
  _tile_loadconfig(&cfg);
  const int kblocks = b.k() / 32, n = b.n();
  const size_t a_stride = static_cast<size_t>(lda) * sizeof(uint16_t);
  alignas(64) float out[32][32];
  for (int mb = 0; mb < m; mb += 32) {
    const uint16_t* a0 = abf + static_cast<size_t>(mb) * lda;
    const uint16_t* a1 = a0 + static_cast<size_t>(16) * lda;
    for (int pair = pair_begin; pair < pair_end; ++pair) {
      const int nb = 2 * pair;
      _tile_zero(0);
      _tile_zero(1);
      _tile_zero(2);
      _tile_zero(3);
      for (int kb = 0; kb < kblocks; ++kb) {
        _tile_loadd(4, a0 + kb * 32, a_stride);
        _tile_loadd(5, a1 + kb * 32, a_stride);
        _tile_loadd(6, b.tile(kb, nb), 64);
        _tile_loadd(7, b.tile(kb, nb + 1), 64);
        _tile_dpbf16ps(0, 4, 6);
        _tile_dpbf16ps(1, 4, 7);
        _tile_dpbf16ps(2, 5, 6);
        _tile_dpbf16ps(3, 5, 7);
      }
      _tile_stored(0, &out[0][0], 128);
      _tile_stored(1, &out[0][16], 128);
      _tile_stored(2, &out[16][0], 128);
      _tile_stored(3, &out[16][16], 128);
      const int col0 = nb * 16, cols = std::min(32, n - col0);
      for (int r = 0; r < 32 && mb + r < m; ++r) {
        float* dst = c + static_cast<size_t>(mb + r) * ldc + col0;
        if (accumulate) {
          for (int j = 0; j < cols; ++j) dst[j] += out[r][j];
        } else {
          std::memcpy(dst, out[r], sizeof(float) * static_cast<size_t>(cols));
        }
      }
    }
  }
  _tile_release();
}

}  // namespace

bool available() {
  static const bool kAvailable = detect();
  return kAvailable;
}

PackedB::PackedB(const float* b, int k, int n) : k_(k), n_(n) {
  const int nblocks = (n + 31) / 32 * 2, kblocks = k / 32;
  data_.assign(static_cast<size_t>(nblocks) * kblocks * 512, 0);
  for (int nb = 0; nb < nblocks; ++nb) {
    for (int kb = 0; kb < kblocks; ++kb) {
      uint16_t* t = data_.data() + (static_cast<size_t>(nb) * kblocks + kb) * 512;
      for (int r = 0; r < 16; ++r) {
        for (int col = 0; col < 16; ++col) {
          const int j = nb * 16 + col;
          if (j >= n) continue;
          t[r * 32 + 2 * col] = kernels::cpu::bf16::to_bf16(b[static_cast<size_t>(kb * 32 + 2 * r) * n + j]);
          t[r * 32 + 2 * col + 1] = kernels::cpu::bf16::to_bf16(b[static_cast<size_t>(kb * 32 + 2 * r + 1) * n + j]);
        }
      }
    }
  }
}

void gemm(int m, const float* a, int lda, const PackedB& b, float* c, int ldc, bool accumulate, int ways) {
  if (m <= 0) return;
  const int k = b.k(), mpad = padded_rows(m);
  thread_local std::vector<uint16_t> abf;
  abf.resize(static_cast<size_t>(mpad) * k);  // padding rows keep whatever they held: their results are dropped
  kernels::cpu::bf16::to_bf16_rows(a, m, k, lda, abf.data(), k);
  gemm_bf16(m, abf.data(), k, b, c, ldc, accumulate, ways);
}

void gemm_bf16(int m, const uint16_t* a, int lda, const PackedB& b, float* c, int ldc, bool accumulate, int ways) {
  if (m <= 0) return;
  const int pairs = (b.n() + 31) / 32;
  // Split only products of ≳0.1 ms (see use_ops::sgemm on hand-off costs).
  const double macs = static_cast<double>(padded_rows(m)) * b.k() * b.n();
  const int parts = std::min(ways, pairs);
  if (parts <= 1 || macs < 5.0e7) {
    kernel(m, a, lda, b, c, ldc, accumulate, 0, pairs);
    return;
  }
  core::ThreadPool::global().parallel_for(static_cast<size_t>(parts), [&](size_t pb, size_t pe) {
    for (size_t p = pb; p < pe; ++p) {
      kernel(m, a, lda, b, c, ldc, accumulate, static_cast<int>(pairs * p / parts),
             static_cast<int>(pairs * (p + 1) / parts));
    }
  });
}

}  // namespace kbseek::encoder::use_amx
