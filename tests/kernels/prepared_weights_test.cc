// Prepared weights on every backend: fp32 equals linear(); bf16 (where the
// backend supports it) equals a double-precision product of bf16-rounded
// operands and stays close to fp32; bad shapes and foreign weights are refused.
#include <cstring>

#include "tests/kernels/backend_fixture.h"

namespace kbseek::kernels::testing {
namespace {

using PreparedWeightsTest = BackendTest;

double round_bf16(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  u = ((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16) << 16;
  float r;
  std::memcpy(&r, &u, 4);
  return r;
}

// Gemma's shapes (q: 768 → 768, k: 768 → 256, gate|up: 768 → 2304, down:
// 1152 → 768) with row counts that leave micro-kernel tails.
struct Shape {
  int rows, in, out;
};
const Shape kShapes[] = {{1, 768, 768}, {7, 768, 256}, {61, 768, 2304}, {130, 1152, 768}};

TEST_P(PreparedWeightsTest, Fp32EqualsLinear) {
  for (const Shape s : kShapes) {
    const auto x = random_vector(static_cast<size_t>(s.rows) * s.in, 1),
               w = random_vector(static_cast<size_t>(s.out) * s.in, 2);
    auto pw = backend_->prepare_weights(w.data(), s.out, s.in, WeightFormat::kF32);
    ASSERT_TRUE(pw.is_ok()) << pw.status().to_string();
    EXPECT_EQ(pw.value()->format(), WeightFormat::kF32);
    Buffer dx = upload(x), dw = upload(w), y1 = upload(std::vector<float>(static_cast<size_t>(s.rows) * s.out, 0.0f)),
           y2 = upload(std::vector<float>(static_cast<size_t>(s.rows) * s.out, 0.0f));
    ASSERT_TRUE(backend_->linear_prepared(dx.data(), s.rows, *pw.value(), y1.data()).is_ok());
    ASSERT_TRUE(backend_->linear(dx.data(), s.rows, s.in, dw.data(), nullptr, y2.data(), s.out).is_ok());
    EXPECT_EQ(download(y1), download(y2)) << s.rows << "x" << s.in << "x" << s.out;
  }
}

TEST_P(PreparedWeightsTest, Bf16MatchesRoundedOperandsAndStaysNearFp32) {
  if (!backend_->supports_weights(WeightFormat::kBF16)) GTEST_SKIP() << backend_->device_name() << ": no bf16 weights";
  for (const Shape s : kShapes) {
    const auto x = random_vector(static_cast<size_t>(s.rows) * s.in, 3),
               w = random_vector(static_cast<size_t>(s.out) * s.in, 4);
    auto pw = backend_->prepare_weights(w.data(), s.out, s.in, WeightFormat::kBF16);
    ASSERT_TRUE(pw.is_ok()) << pw.status().to_string();
    Buffer dx = upload(x), dy = upload(std::vector<float>(static_cast<size_t>(s.rows) * s.out, 7.0f));
    ASSERT_TRUE(backend_->linear_prepared(dx.data(), s.rows, *pw.value(), dy.data()).is_ok());
    const auto got = download(dy);
    std::vector<double> rounded(got.size()), exact(got.size());
    for (int r = 0; r < s.rows; ++r) {
      for (int o = 0; o < s.out; ++o) {
        double a = 0, b = 0;
        for (int i = 0; i < s.in; ++i) {
          const float xv = x[static_cast<size_t>(r) * s.in + i], wv = w[static_cast<size_t>(o) * s.in + i];
          a += round_bf16(xv) * round_bf16(wv);
          b += static_cast<double>(xv) * wv;
        }
        rounded[static_cast<size_t>(r) * s.out + o] = a;
        exact[static_cast<size_t>(r) * s.out + o] = b;
      }
    }
    EXPECT_LT(normalized_error(got, rounded), 1e-6) << s.rows << "x" << s.in << "x" << s.out;
    // Rounding both operands to 8 significant bits: ~3e-3 relative per product.
    EXPECT_LT(normalized_error(got, exact), 1e-2) << s.rows << "x" << s.in << "x" << s.out;
    EXPECT_GT(normalized_error(got, exact), 1e-5) << "bf16 weights gave fp32 results: not rounded?";
  }
}

TEST_P(PreparedWeightsTest, RefusesBadShapesAndForeignWeights) {
  const auto w = random_vector(24 * 9, 5);
  if (backend_->supports_weights(WeightFormat::kBF16)) {
    auto odd = backend_->prepare_weights(w.data(), 24, 9, WeightFormat::kBF16);
    ASSERT_FALSE(odd.is_ok());
    EXPECT_NE(odd.status().message().find("[24 x 9]"), std::string::npos) << odd.status().message();
  }
  class Foreign final : public PreparedWeights {
   public:
    Foreign() : PreparedWeights(24, 9, WeightFormat::kF32) {}
  } foreign;
  Buffer dx = upload(random_vector(9, 6)), dy = upload(std::vector<float>(24, 0.0f));
  core::Status st = backend_->linear_prepared(dx.data(), 1, foreign, dy.data());
  ASSERT_FALSE(st.is_ok());
  EXPECT_NE(st.message().find("another backend"), std::string::npos) << st.message();
}

KB_INSTANTIATE_BACKENDS(PreparedWeightsTest);

}  // namespace
}  // namespace kbseek::kernels::testing
