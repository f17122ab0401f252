// The portable tile kernel of the quantized products (quant_dot.h): the same
// integer sums as the SIMD kernels, one value at a time, for CPUs without
// AVX2 and as the tests' second opinion on the unpacked layouts.
#include "kernels/cpu/quant_dot.h"

namespace kbseek::kernels::cpu::qdot {
namespace {

float dot_super(int n, const WeightRow& w, const ActRow& a) {
  float sum = 0.0f;
  for (int s = 0; s < n / kSuperValues; ++s) {
    int32_t main = 0, corr = 0;
    for (int v = s * kSuperValues; v < (s + 1) * kSuperValues; ++v) main += w.scale[v / 2] * w.q[v] * a.q[v];
    for (int j = 0; j < 16; ++j) corr += w.coef[16 * s + j] * a.bsums[16 * s + j];
    sum += w.d[s] * a.d[s] * static_cast<float>(main) - w.dc[s] * a.d[s] * static_cast<float>(corr);
  }
  return sum;
}

float dot_block32(int n, const WeightRow& w, const ActRow& a) {
  float sum = 0.0f;
  for (int l = 0; l < n / 4; ++l) {
    int32_t lane = 0;
    for (int v = 4 * l; v < 4 * l + 4; ++v) lane += static_cast<int8_t>(w.q[v]) * a.q[v];
    sum += w.ws[l] * a.as[l] * static_cast<float>(lane);
  }
  return sum;
}

}  // namespace

void dot_tile_scalar(Scheme s, int n, const WeightRow* w, int n_w, const ActRow* a, int n_a, float* y, size_t ldy) {
  for (int r = 0; r < n_a; ++r) {
    for (int o = 0; o < n_w; ++o) {
      y[r * ldy + o] = s == Scheme::kSuper ? dot_super(n, w[o], a[r]) : dot_block32(n, w[o], a[r]);
    }
  }
}

}  // namespace kbseek::kernels::cpu::qdot
