// int8::gemm against a scalar reference of its arithmetic (codes from
// quantize_block per 32 values of W and kBlock of x, exact integer sums, double
// outer sums),
// and against fp32 within the quantization error; every row tail, panel
// width, partial block and the row- and panel-split paths, on each kernel the
// CPU can run (AVX2; AVX512-VNNI too where it has it, whose results the AVX2
// kernel must equal bit for bit). Skips on CPUs with neither.
#include "kernels/cpu/int8_gemm.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "kernels/backend.h"
#include "kernels/cpu/cpu_ops.h"

namespace kbseek::kernels::cpu {
namespace {

// Codes and scales of one row, `block` values at a time, as int8::gemm
// quantizes both operands; codes padded with zeros to a multiple of kBlock.
struct QRow {
  std::vector<int8_t> q;
  std::vector<float> s;
};
QRow quantize(const float* v, int n, int block) {
  QRow r;
  const int padded = (n + int8::kBlock - 1) / int8::kBlock * int8::kBlock;
  r.q.assign(static_cast<size_t>(padded), 0);
  for (int b = 0; b * block < padded; ++b) {
    r.s.push_back(
        int8::quantize_block(v + b * block, std::max(0, std::min(block, n - b * block)), r.q.data() + b * block));
  }
  return r;
}

TEST(Int8Gemm, QuantizeBlockRoundsHalfToEvenAndKeepsZeros) {
  // max 127 makes the scale 1, so the codes are the values rounded.
  const float v[] = {127.0f, 0.5f, 1.5f, 2.5f, -2.5f, -0.49f, 3.7f, -127.0f};
  int8_t q[8];
  EXPECT_FLOAT_EQ(int8::quantize_block(v, 8, q), 1.0f);
  const int8_t want[] = {127, 0, 2, 2, -2, 0, 4, -127};
  for (int i = 0; i < 8; ++i) EXPECT_EQ(q[i], want[i]) << i;
  const float zeros[4] = {0, 0, 0, 0};
  int8_t qz[4] = {1, 1, 1, 1};
  EXPECT_EQ(int8::quantize_block(zeros, 4, qz), 0.0f);
  for (const int8_t c : qz) EXPECT_EQ(c, 0);
}

// The kernels this CPU can run, best first.
std::vector<QuantIsa> runnable() {
  std::vector<QuantIsa> isas;
  if (best_quant_isa() == QuantIsa::kAvx512Vnni) isas.push_back(QuantIsa::kAvx512Vnni);
  if (best_quant_isa() != QuantIsa::kScalar) isas.push_back(QuantIsa::kAvx2);
  return isas;
}

TEST(Int8Gemm, MatchesScalarReferenceAndStaysNearFp32) {
  if (!int8::available()) GTEST_SKIP() << "neither AVX2 nor AVX512-VNNI on this CPU";
  for (const QuantIsa isa : runnable()) {
    SCOPED_TRACE(quant_isa_name(isa));
    std::mt19937 rng(5);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    struct Shape {
      int m, k, n;
    };
    // Rows 1-7 take the panel split, 8+ the row split (200 crosses a chunk);
    // n = 16, 40, 48 leave 16-wide and ragged panels; k = 100, 300 partial blocks.
    for (const Shape sh :
         {Shape{1, 128, 16}, Shape{5, 100, 40}, Shape{7, 300, 48}, Shape{8, 768, 256}, Shape{13, 1152, 768},
          Shape{200, 768, 80}, Shape{7, 768, 2304}, Shape{3, 64, 56}, Shape{9, 96, 120}}) {
      std::vector<float> x(static_cast<size_t>(sh.m) * sh.k), w(static_cast<size_t>(sh.n) * sh.k);
      for (float& v : x) v = dist(rng);
      for (float& v : w) v = dist(rng);
      x[3] = 40.0f;  // an outlier, as transformer activations have
      const int8::PackedW packed(w.data(), sh.n, sh.k);
      std::vector<float> y(static_cast<size_t>(sh.m) * sh.n, -1.0f), fp32(y.size());
      int8::gemm(x.data(), sh.m, packed, y.data(), isa);
      linear(x.data(), sh.m, sh.k, w.data(), nullptr, fp32.data(), sh.n);
      std::vector<QRow> wq;
      for (int o = 0; o < sh.n; ++o)
        wq.push_back(quantize(w.data() + static_cast<size_t>(o) * sh.k, sh.k, int8::kWeightBlock));
      double worst_ref = 0, err2 = 0, ref2 = 0;
      for (int r = 0; r < sh.m; ++r) {
        const QRow xq = quantize(x.data() + static_cast<size_t>(r) * sh.k, sh.k, int8::kBlock);
        for (int o = 0; o < sh.n; ++o) {
          double want = 0, mag = 0;
          for (size_t b = 0; b < wq[o].s.size(); ++b) {
            int64_t dot = 0, adot = 0;
            for (int i = 0; i < int8::kWeightBlock; ++i) {
              const size_t k = b * int8::kWeightBlock + i;
              const int p = xq.q[k] * wq[o].q[k];
              dot += p;
              adot += std::abs(p);
            }
            const double s = static_cast<double>(xq.s[b * int8::kWeightBlock / int8::kBlock]) * wq[o].s[b];
            want += s * dot;
            mag += s * adot;
          }
          const float got = y[static_cast<size_t>(r) * sh.n + o];
          worst_ref = std::max(worst_ref, std::fabs(got - want) / (mag + 1e-30));
          const double e = got - fp32[static_cast<size_t>(r) * sh.n + o];
          err2 += e * e;
          ref2 +=
              static_cast<double>(fp32[static_cast<size_t>(r) * sh.n + o]) * fp32[static_cast<size_t>(r) * sh.n + o];
        }
      }
      const std::string what = std::to_string(sh.m) + "x" + std::to_string(sh.k) + "x" + std::to_string(sh.n);
      // Float rounding of the block scales and sums only.
      EXPECT_LT(worst_ref, 1e-5) << what;
      // 8-bit codes on both sides: ~1-2% of the product's size (the outlier
      // coarsens its block).
      EXPECT_LT(std::sqrt(err2 / ref2), 0.03) << what;
    }
  }
}

// Both kernels sum the same integers in the same order: where the CPU runs
// both, every output is the same float.
TEST(Int8Gemm, Avx2KernelEqualsTheVnniKernel) {
  if (best_quant_isa() != QuantIsa::kAvx512Vnni) GTEST_SKIP() << "no AVX512-VNNI on this CPU to compare with";
  std::mt19937 rng(11);
  std::normal_distribution<float> dist(0.0f, 1.0f);
  for (const int rows : {1, 3, 8, 37, 300}) {
    const int in = 1000, out = 120;
    std::vector<float> x(static_cast<size_t>(rows) * in), w(static_cast<size_t>(out) * in);
    for (float& v : x) v = dist(rng);
    for (float& v : w) v = dist(rng);
    const int8::PackedW packed(w.data(), out, in);
    std::vector<float> a(static_cast<size_t>(rows) * out), b(a.size());
    int8::gemm(x.data(), rows, packed, a.data(), QuantIsa::kAvx512Vnni);
    int8::gemm(x.data(), rows, packed, b.data(), QuantIsa::kAvx2);
    for (size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << rows << " rows, output " << i;
  }
}

// Codes at ±127 on both sides: the AVX2 kernel's VPMADDUBSW pair sums reach
// 2 · 127 · 127 = 32258, just under int16's limit, and must stay exact. With
// x and W all ±1 every product is ±1, so each output is an integer.
TEST(Int8Gemm, CodesAtTheLimitsGiveExactSums) {
  if (!int8::available()) GTEST_SKIP() << "neither AVX2 nor AVX512-VNNI on this CPU";
  for (const QuantIsa isa : runnable()) {
    SCOPED_TRACE(quant_isa_name(isa));
    std::mt19937 rng(13);
    const int in = 96, out = 48, rows = 5;
    std::vector<float> w(static_cast<size_t>(out) * in), x(static_cast<size_t>(rows) * in);
    for (float& v : w) v = rng() % 2 ? 1.0f : -1.0f;
    for (float& v : x) v = rng() % 2 ? 1.0f : -1.0f;
    // Rows of all +1 and all −1 against every output: pairs of equal signs.
    std::fill(x.begin(), x.begin() + in, 1.0f);
    std::fill(x.begin() + in, x.begin() + 2 * in, -1.0f);
    std::fill(w.begin(), w.begin() + in, -1.0f);
    const int8::PackedW packed(w.data(), out, in);
    std::vector<float> y(static_cast<size_t>(rows) * out);
    int8::gemm(x.data(), rows, packed, y.data(), isa);
    for (int r = 0; r < rows; ++r)
      for (int o = 0; o < out; ++o) {
        int want = 0;
        for (int i = 0; i < in; ++i)
          want += static_cast<int>(x[static_cast<size_t>(r) * in + i] * w[static_cast<size_t>(o) * in + i]);
        EXPECT_NEAR(y[static_cast<size_t>(r) * out + o], want, 1e-3) << "row " << r << ", output " << o;
      }
  }
}

// Each 32 values of a weight row have their own scale: a block of small
// weights beside large ones keeps its precision (one scale per 128 values
// would round it to zero).
TEST(Int8Gemm, SmallWeightsBesideLargeOnesKeepTheirPrecision) {
  if (!int8::available()) GTEST_SKIP() << "neither AVX2 nor AVX512-VNNI on this CPU";
  for (const QuantIsa isa : runnable()) {
    SCOPED_TRACE(quant_isa_name(isa));
    std::mt19937 rng(9);
    std::normal_distribution<float> dist(0.0f, 1.0f);
    const int in = 256, out = 32;
    for (const int rows : {3, 21}) {
      std::vector<float> w(static_cast<size_t>(out) * in), x(static_cast<size_t>(rows) * in, 0.0f);
      for (int o = 0; o < out; ++o)
        for (int i = 0; i < in; ++i) w[static_cast<size_t>(o) * in + i] = dist(rng) * (i / 32 == 1 ? 1e-3f : 1.0f);
      for (int r = 0; r < rows; ++r)
        for (int i = 32; i < 64; ++i) x[static_cast<size_t>(r) * in + i] = dist(rng);
      const int8::PackedW packed(w.data(), out, in);
      std::vector<float> y(static_cast<size_t>(rows) * out), fp32(y.size());
      int8::gemm(x.data(), rows, packed, y.data(), isa);
      linear(x.data(), rows, in, w.data(), nullptr, fp32.data(), out);
      double err2 = 0, ref2 = 0;
      for (size_t i = 0; i < y.size(); ++i) {
        err2 += (y[i] - fp32[i]) * static_cast<double>(y[i] - fp32[i]);
        ref2 += static_cast<double>(fp32[i]) * fp32[i];
      }
      EXPECT_LT(std::sqrt(err2 / ref2), 0.02) << rows << " rows";
    }
  }
}

TEST(Int8Gemm, BackendPreparesInt8WeightsWhereTheCpuHasAvx2OrVnni) {
  Backend* backend = cpu_backend();
  EXPECT_EQ(backend->supports_weights(WeightFormat::kInt8), int8::available());
  std::vector<float> w(48 * 256, 0.25f), x(3 * 256, 1.0f), y(3 * 48, 0.0f);
  auto pw = backend->prepare_weights(w.data(), 48, 256, WeightFormat::kInt8);
  if (!int8::available()) {
    ASSERT_FALSE(pw.is_ok());
    EXPECT_NE(pw.status().message().find("AVX2"), std::string::npos) << pw.status().to_string();
    return;
  }
  ASSERT_TRUE(pw.is_ok()) << pw.status().to_string();
  EXPECT_EQ(pw.value()->format(), WeightFormat::kInt8);
  ASSERT_TRUE(backend->linear_prepared(x.data(), 3, *pw.value(), y.data()).is_ok());
  for (const float v : y) EXPECT_FLOAT_EQ(v, 64.0f);
}

}  // namespace
}  // namespace kbseek::kernels::cpu
