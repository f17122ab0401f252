// Pooling in double: the mean of up to 512 rows then a norm; cheap next to
// the forward pass and removes summation-order differences between batchings.
#include "encoder/pooling.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace kbseek::encoder {

void pool_and_normalize(const float* hidden, int len, int dim, Pooling mode, float* out) {
  std::vector<double> acc(dim);
  switch (mode) {
    case Pooling::kMean:
      for (int t = 0; t < len; ++t) {
        for (int c = 0; c < dim; ++c) acc[c] += hidden[static_cast<size_t>(t) * dim + c];
      }
      for (int c = 0; c < dim; ++c) acc[c] /= len;
      break;
    case Pooling::kCls:
      for (int c = 0; c < dim; ++c) acc[c] = hidden[c];
      break;
    case Pooling::kMax:
      for (int c = 0; c < dim; ++c) acc[c] = hidden[c];
      for (int t = 1; t < len; ++t) {
        for (int c = 0; c < dim; ++c) acc[c] = std::max<double>(acc[c], hidden[static_cast<size_t>(t) * dim + c]);
      }
      break;
  }
  double norm = 0;
  for (double v : acc) norm += v * v;
  norm = std::sqrt(norm);
  // sentence-transformers' Normalize clamps the norm at 1e-12 the same way.
  const double inv = 1.0 / std::max(norm, 1e-12);
  for (int c = 0; c < dim; ++c) out[c] = static_cast<float>(acc[c] * inv);
}

}  // namespace kbseek::encoder
