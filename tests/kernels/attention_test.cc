// attention parity: packed QKV of several variable-length sequences, several
// heads, including a one-token sequence.
#include "tests/kernels/backend_fixture.h"
#include "tests/kernels/reference.h"

namespace kbseek::kernels::testing {
namespace {

using AttentionTest = BackendTest;

std::vector<double> ref_attention(const std::vector<float>& qkv, const std::vector<int>& offsets, int heads, int dim) {
  const int hidden = heads * dim;
  const int batch = static_cast<int>(offsets.size()) - 1;
  std::vector<double> ctx(static_cast<size_t>(offsets.back()) * hidden, 0.0);
  for (int b = 0; b < batch; ++b) {
    const int len = offsets[b + 1] - offsets[b];
    const size_t base = offsets[b];
    for (int h = 0; h < heads; ++h) {
      for (int i = 0; i < len; ++i) {
        std::vector<double> p(len);
        for (int j = 0; j < len; ++j) {
          double s = 0;
          for (int d = 0; d < dim; ++d) {
            s += static_cast<double>(qkv[(base + i) * 3 * hidden + h * dim + d]) *
                 qkv[(base + j) * 3 * hidden + hidden + h * dim + d];
          }
          p[j] = s / std::sqrt(static_cast<double>(dim));
        }
        ref_softmax_row(p.data(), len);
        for (int d = 0; d < dim; ++d) {
          double s = 0;
          for (int j = 0; j < len; ++j) {
            s += p[j] * qkv[(base + j) * 3 * hidden + 2 * hidden + h * dim + d];
          }
          ctx[(base + i) * hidden + h * dim + d] = s;
        }
      }
    }
  }
  return ctx;
}

TEST_P(AttentionTest, PackedSequencesMatchReference) {
  const int heads = 4, dim = 32, hidden = heads * dim;
  const std::vector<int> offsets = {0, 19, 26, 27, 27, 40};  // includes empty and 1-token sequences
  auto qkv = random_vector(static_cast<size_t>(offsets.back()) * 3 * hidden, 40, -2.0f, 2.0f);
  std::vector<float> ctx(static_cast<size_t>(offsets.back()) * hidden, 123.0f);
  Buffer dqkv = upload(qkv), dctx = upload(ctx);
  ASSERT_TRUE(backend_->attention(dqkv.data(), dctx.data(), 5, offsets.data(), heads, dim).is_ok());
  EXPECT_LT(normalized_error(download(dctx), ref_attention(qkv, offsets, heads, dim)), 1e-6);
}

TEST_P(AttentionTest, LongSequencesManyHeads) {
  const int heads = 12, dim = 32, hidden = heads * dim;
  const std::vector<int> offsets = {0, 130, 259};
  auto qkv = random_vector(static_cast<size_t>(offsets.back()) * 3 * hidden, 41, -1.0f, 1.0f);
  std::vector<float> ctx(static_cast<size_t>(offsets.back()) * hidden, 0.0f);
  Buffer dqkv = upload(qkv), dctx = upload(ctx);
  ASSERT_TRUE(backend_->attention(dqkv.data(), dctx.data(), 2, offsets.data(), heads, dim).is_ok());
  EXPECT_LT(normalized_error(download(dctx), ref_attention(qkv, offsets, heads, dim)), 1e-6);
}

KB_INSTANTIATE_BACKENDS(AttentionTest);

}  // namespace
}  // namespace kbseek::kernels::testing
