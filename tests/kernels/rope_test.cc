// rope parity: packed sequences of different lengths (positions restart per
// sequence), a padded leading dimension left untouched, both of Gemma's
// bases at long positions, and position 0 as the identity.
#include "tests/kernels/backend_fixture.h"
#include "tests/kernels/reference.h"

namespace kbseek::kernels::testing {
namespace {

using RopeTest = BackendTest;

TEST_P(RopeTest, PackedSequencesRestartPositions) {
  const int heads = 3, dim = 256, ld = heads * dim;
  const std::vector<int> offsets = {0, 19, 20, 20, 57};  // a one-token and an empty sequence
  auto x = random_vector(static_cast<size_t>(offsets.back()) * ld, 90, -2.0f, 2.0f);
  Buffer dx = upload(x);
  ASSERT_TRUE(backend_->rope(dx.data(), ld, 4, offsets.data(), heads, dim, 10000.0f, 0).is_ok());
  const auto got = download(dx);
  EXPECT_LT(normalized_error(got, ref_rope(x, ld, offsets, heads, dim, 10000.0f)), 1e-6);
  for (int start : {0, 19, 20}) {  // the first row of each sequence is at position 0
    for (int c = 0; c < ld; ++c) {
      ASSERT_NEAR(got[static_cast<size_t>(start) * ld + c], x[static_cast<size_t>(start) * ld + c], 1e-7)
          << "row " << start << " col " << c;
    }
  }
}

TEST_P(RopeTest, PaddedRowsKeepTheirTail) {
  // The k slice of a fused row: ld wider than the heads, the rest untouched.
  const int heads = 2, dim = 64, ld = heads * dim + 40;
  const std::vector<int> offsets = {0, 5, 12};
  auto x = random_vector(static_cast<size_t>(offsets.back()) * ld, 91, -1.0f, 1.0f);
  Buffer dx = upload(x);
  ASSERT_TRUE(backend_->rope(dx.data(), ld, 2, offsets.data(), heads, dim, 10000.0f, 0).is_ok());
  const auto got = download(dx);
  EXPECT_LT(normalized_error(got, ref_rope(x, ld, offsets, heads, dim, 10000.0f)), 1e-6);
  for (int t = 0; t < offsets.back(); ++t) {
    for (int c = heads * dim; c < ld; ++c) {
      ASSERT_EQ(got[static_cast<size_t>(t) * ld + c], x[static_cast<size_t>(t) * ld + c]);
    }
  }
}

TEST_P(RopeTest, LongPositionsBothBases) {
  // Up to position 2,047 (EmbeddingGemma's longest input), where the fp32
  // angle of the fastest frequency is ~2,000 radians.
  const int heads = 1, dim = 256, ld = dim;
  const std::vector<int> offsets = {0, 2048};
  for (float base : {10000.0f, 1000000.0f}) {
    SCOPED_TRACE("base=" + std::to_string(base));
    auto x = random_vector(static_cast<size_t>(offsets.back()) * ld, 92, -1.0f, 1.0f);
    Buffer dx = upload(x);
    ASSERT_TRUE(backend_->rope(dx.data(), ld, 1, offsets.data(), heads, dim, base, 0).is_ok());
    EXPECT_LT(normalized_error(download(dx), ref_rope(x, ld, offsets, heads, dim, base)), 1e-6);
  }
}

TEST_P(RopeTest, RotatesPairsHalfADimensionApart) {
  // One head of 4 at position 1 with base 1: inv_freq = 1 for both pairs, so
  // (x0, x2) and (x1, x3) turn by one radian — the rotate-half pairing, not
  // the interleaved (x0, x1) one.
  const std::vector<int> offsets = {0, 2};
  std::vector<float> x = {1, 2, 3, 4, 1, 0, 0, 0};
  Buffer dx = upload(x);
  ASSERT_TRUE(backend_->rope(dx.data(), 4, 1, offsets.data(), 1, 4, 1.0f, 0).is_ok());
  const auto got = download(dx);
  const double c = std::cos(1.0), s = std::sin(1.0);
  const double want[] = {1, 2, 3, 4, c, 0, s, 0};
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(got[i], want[i], 1e-6) << i;
}

KB_INSTANTIATE_BACKENDS(RopeTest);

}  // namespace
}  // namespace kbseek::kernels::testing
