// Quantized weights (Backend::prepare_quantized + linear_prepared) on every
// backend: random valid Q4_K / Q6_K / Q5_0 / Q8_0 blocks against a
// double-precision x · dequantize(W)ᵀ at Qwen2.5-0.5B's shapes; on the CPU,
// each instruction set's integer path against the same product with x
// quantized as the kernels do; bad shapes and foreign weights refused.
//
// Bounds. The CPU quantizes each row of x to 8 bits per block (step
// d = max|x| / 127, rounding error uniform in ±d/2, variance d²/12). For x
// uniform on [-1, 1] (variance 1/3, block max ≈ 1) that is a relative RMS
// error of (1/127)/√12 · √3 = 1/254 ≈ 3.9e-3 per value, and a product with
// weights independent of the rounding carries it unchanged into
// ||Δy|| / ||y||: ≈ 4e-3 expected (a little less for Q8_0's 32-value blocks,
// whose maxima are smaller); we allow 1e-2. (ggml's test-backend-ops bound of
// 5e-4 compares two backends that both quantize x; ours compares with the
// unquantized product.) CUDA keeps x in fp32: 1e-4 there. With x quantized
// the same way in the reference, only float rounding of the block scales and
// sums remains: 1e-5.
#include "kernels/cpu/quant_gemm.h"

#include <cstring>
#include <random>

#include "tests/kernels/backend_fixture.h"

namespace kbseek::kernels::testing {
namespace {

using quant::QuantType;

// Random but valid blocks: fp16 scales in a sane positive range, every
// other byte (codes, packed scales, high bits) uniformly random.
std::vector<uint8_t> random_blocks(QuantType t, int out, int in, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_real_distribution<float> scale(2e-3f, 2e-2f);
  std::vector<uint8_t> data(quant::row_bytes(t, in) * out);
  for (auto& b : data) b = static_cast<uint8_t>(byte(rng));
  const size_t bb = quant::block_bytes(t);
  for (size_t off = 0; off < data.size(); off += bb) {
    const uint16_t d = quant::fp32_to_fp16(scale(rng)), dmin = quant::fp32_to_fp16(scale(rng));
    switch (t) {
      case QuantType::kQ8_0:
      case QuantType::kQ5_0: std::memcpy(&data[off], &d, 2); break;
      case QuantType::kQ4_K:
        std::memcpy(&data[off], &d, 2);
        std::memcpy(&data[off + 2], &dmin, 2);
        break;
      case QuantType::kQ6_K: std::memcpy(&data[off + offsetof(quant::BlockQ6K, d)], &d, 2); break;
      default: break;
    }
  }
  return data;
}

std::vector<float> dequantize(QuantType t, const std::vector<uint8_t>& blocks, int out, int in) {
  std::vector<float> w(static_cast<size_t>(out) * in);
  for (int o = 0; o < out; ++o) {
    quant::dequantize_row(t, blocks.data() + quant::row_bytes(t, in) * o, w.data() + static_cast<size_t>(o) * in, in);
  }
  return w;
}

// x with every row quantized and dequantized as the CPU kernels do.
std::vector<float> quantize_like_cpu(QuantType t, const std::vector<float>& x, int rows, int in) {
  std::vector<float> xq(x.size());
  for (int r = 0; r < rows; ++r) {
    const float* src = x.data() + static_cast<size_t>(r) * in;
    float* dst = xq.data() + static_cast<size_t>(r) * in;
    if (t == QuantType::kQ4_K || t == QuantType::kQ6_K) {
      std::vector<quant::BlockQ8K> b(in / quant::kQK_K);
      quant::quantize_row_q8_k(src, b.data(), in);
      quant::dequantize_row_q8_k(b.data(), dst, in);
    } else {
      std::vector<quant::BlockQ8_0> b(in / quant::kQK8_0);
      quant::quantize_row_q8_0(src, b.data(), in);
      quant::dequantize_row(QuantType::kQ8_0, b.data(), dst, in);
    }
  }
  return xq;
}

// got and want at columns o % step == 0 only (the references are O(rows·in·out) in double).
double sampled_error(const std::vector<float>& got, const std::vector<float>& x, const std::vector<float>& w, int rows,
                     int in, int out, int step) {
  std::vector<float> g;
  std::vector<double> want;
  for (int r = 0; r < rows; ++r) {
    for (int o = 0; o < out; o += step) {
      double s = 0;
      const float* xr = x.data() + static_cast<size_t>(r) * in;
      const float* wr = w.data() + static_cast<size_t>(o) * in;
      for (int i = 0; i < in; ++i) s += static_cast<double>(xr[i]) * wr[i];
      want.push_back(s);
      g.push_back(got[static_cast<size_t>(r) * out + o]);
    }
  }
  return normalized_error(g, want);
}

struct Shape {
  int in, out;
};
// Qwen2.5-0.5B: q/o (896 → 896), k/v (896 → 128), gate|up (896 → 2·4864), down (4864 → 896).
const Shape kQwenShapes[] = {{896, 896}, {896, 128}, {896, 2 * 4864}, {4864, 896}};
const int kRowCounts[] = {1, 7, 64, 130};
const QuantType kTypes[] = {QuantType::kQ4_K, QuantType::kQ6_K, QuantType::kQ5_0, QuantType::kQ8_0};

bool fits(QuantType t, int in) { return in % quant::block_elements(t) == 0; }

using QuantGemmTest = BackendTest;

TEST_P(QuantGemmTest, MatchesDequantizedProductAtQwenShapes) {
  const double bound = GetParam() == "cpu" ? 1e-2 : 1e-4;
  for (const QuantType t : kTypes) {
    if (!backend_->supports_quantized(t)) {
      ADD_FAILURE() << backend_->device_name() << " lacks " << quant::name(t);
      continue;
    }
    for (const Shape s : kQwenShapes) {
      if (!fits(t, s.in)) continue;  // 896 is not a multiple of 256: ggml stores those as Q5_0 / Q8_0
      const auto blocks = random_blocks(t, s.out, s.in, 11 + s.in + s.out);
      const auto w = dequantize(t, blocks, s.out, s.in);
      auto pw = backend_->prepare_quantized(blocks.data(), t, s.out, s.in);
      ASSERT_TRUE(pw.is_ok()) << pw.status().to_string();
      EXPECT_EQ(pw.value()->format(), WeightFormat::kQuantized);
      for (const int rows : kRowCounts) {
        const auto x = random_vector(static_cast<size_t>(rows) * s.in, 100 + rows);
        Buffer dx = upload(x), dy = upload(std::vector<float>(static_cast<size_t>(rows) * s.out, 7.0f));
        ASSERT_TRUE(backend_->linear_prepared(dx.data(), rows, *pw.value(), dy.data()).is_ok());
        const int step = static_cast<size_t>(rows) * s.out > 20000 ? 7 : 1;
        const double err = sampled_error(download(dy), x, w, rows, s.in, s.out, step);
        EXPECT_LT(err, bound) << quant::name(t) << " rows " << rows << " [" << s.out << " x " << s.in << "]";
      }
    }
  }
}

TEST_P(QuantGemmTest, RefusesBadShapesAndForeignWeights) {
  const auto q4 = random_blocks(QuantType::kQ4_K, 4, 4864, 1);
  auto bad = backend_->prepare_quantized(q4.data(), QuantType::kQ4_K, 896, 896);
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("Q4_K [896 x 896]"), std::string::npos) << bad.status().message();
  auto odd = backend_->prepare_quantized(q4.data(), QuantType::kQ8_0, 4, 100);
  ASSERT_FALSE(odd.is_ok());
  EXPECT_NE(odd.status().message().find("[4 x 100]"), std::string::npos) << odd.status().message();
  EXPECT_FALSE(backend_->supports_quantized(QuantType::kF16));
  EXPECT_FALSE(backend_->prepare_quantized(q4.data(), QuantType::kF16, 4, 256).is_ok());
  EXPECT_FALSE(backend_->supports_weights(WeightFormat::kQuantized));

  class Foreign final : public PreparedWeights {
   public:
    Foreign() : PreparedWeights(4, 256, WeightFormat::kQuantized) {}
  } foreign;
  Buffer dx = upload(random_vector(256, 6)), dy = upload(std::vector<float>(4, 0.0f));
  core::Status st = backend_->linear_prepared(dx.data(), 1, foreign, dy.data());
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("another backend"), std::string::npos) << st.message();
}

KB_INSTANTIATE_BACKENDS(QuantGemmTest);

// Every instruction set this CPU has, against x quantized as the kernels do:
// the integer sums are exact, so only float rounding separates them. Odd
// shapes too: a 32-value tail past the 64-value step, odd out, 1-row tails.
TEST(QuantGemmCpuTest, IntegerPathsMatchSameQuantization) {
  const Shape shapes[] = {{4864, 896}, {896, 130}, {96, 3}, {256, 5}};
  const int row_counts[] = {1, 5, 66};
  for (int isa = 0; isa <= static_cast<int>(cpu::best_quant_isa()); ++isa) {
    const auto which = static_cast<cpu::QuantIsa>(isa);
    for (const QuantType t : kTypes) {
      for (const Shape s : shapes) {
        if (!fits(t, s.in)) continue;
        const auto blocks = random_blocks(t, s.out, s.in, 7 + s.in);
        const auto w = dequantize(t, blocks, s.out, s.in);
        auto pw = cpu::prepare_quantized(blocks.data(), t, s.out, s.in);
        ASSERT_TRUE(pw.is_ok()) << pw.status().to_string();
        for (const int rows : row_counts) {
          const auto x = random_vector(static_cast<size_t>(rows) * s.in, 200 + rows, -3.0f, 2.0f);
          std::vector<float> y(static_cast<size_t>(rows) * s.out, 7.0f);
          ASSERT_TRUE(cpu::quant_linear_isa(x.data(), rows, *pw.value(), y.data(), which).is_ok());
          const int step = static_cast<size_t>(rows) * s.out > 20000 ? 5 : 1;
          const double err = sampled_error(y, quantize_like_cpu(t, x, rows, s.in), w, rows, s.in, s.out, step);
          EXPECT_LT(err, 1e-5) << cpu::quant_isa_name(which) << " " << quant::name(t) << " rows " << rows << " ["
                               << s.out << " x " << s.in << "]";
        }
      }
    }
  }
}

}  // namespace
}  // namespace kbseek::kernels::testing

namespace kbseek::kernels::testing {
namespace {

// Each output row depends on its own activation row only: a row run in a
// batch of any size gives what it gives alone (the decoder's cached-prefix
// continuations rely on it), on every instruction set.
TEST(QuantGemmCpuTest, RowsAreIndependentOfTheBatch) {
  for (QuantType t : {QuantType::kQ4_K, QuantType::kQ6_K, QuantType::kQ5_0, QuantType::kQ8_0}) {
    const int in = t == QuantType::kQ4_K || t == QuantType::kQ6_K ? 4864 : 896;
    const int out = t == QuantType::kQ5_0 ? 9728 : 896;  // Qwen 2.5 0.5B: gate|up, down
    auto w = cpu::prepare_quantized(random_blocks(t, out, in, 11).data(), t, out, in);
    ASSERT_TRUE(w.is_ok()) << w.status().to_string();
    for (int rows : {2, 5, 37, 130, 301, 601}) {
      const auto x = random_vector(static_cast<size_t>(rows) * in, 12, -3, 3);
      std::vector<float> all(static_cast<size_t>(rows) * out), one(out);
      ASSERT_TRUE(cpu::quant_linear(x.data(), rows, *w.value(), all.data()).is_ok());
      for (int r : {0, rows / 2, rows - 1}) {
        ASSERT_TRUE(cpu::quant_linear(x.data() + static_cast<size_t>(r) * in, 1, *w.value(), one.data()).is_ok());
        for (int o = 0; o < out; ++o) {
          ASSERT_NEAR(all[static_cast<size_t>(r) * out + o], one[o], 1e-4 * (1 + std::abs(one[o])))
              << quant::name(t) << " rows " << rows << " row " << r << " out " << o;
        }
      }
    }
  }
}

}  // namespace
}  // namespace kbseek::kernels::testing
