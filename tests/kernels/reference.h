// Naive double-precision references the kernel parity tests compare against.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace kbseek::kernels::testing {

// Row-major C = alpha op(A) op(B) + beta C; `ta`/`tb` true means transposed.
inline std::vector<double> ref_sgemm(bool ta, bool tb, int m, int n, int k, double alpha,
                                     const std::vector<float>& a, int lda,
                                     const std::vector<float>& b, int ldb, double beta,
                                     const std::vector<float>& c, int ldc) {
  std::vector<double> out(c.begin(), c.end());
  for (int i = 0; i < m; ++i) {
    for (int j = 0; j < n; ++j) {
      double s = 0;
      for (int p = 0; p < k; ++p) {
        const double av = ta ? a[p * lda + i] : a[i * lda + p];
        const double bv = tb ? b[j * ldb + p] : b[p * ldb + j];
        s += av * bv;
      }
      out[i * ldc + j] = alpha * s + beta * c[i * ldc + j];
    }
  }
  return out;
}

inline double ref_gelu(double x) { return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0))); }

inline void ref_softmax_row(double* x, int cols) {
  const double mx = *std::max_element(x, x + cols);
  double sum = 0;
  for (int c = 0; c < cols; ++c) sum += (x[c] = std::exp(x[c] - mx));
  for (int c = 0; c < cols; ++c) x[c] /= sum;
}

inline std::vector<double> ref_layernorm(const std::vector<float>& x, const float* residual, int rows,
                                         int cols, const std::vector<float>& gamma,
                                         const std::vector<float>& beta, double eps) {
  std::vector<double> out(x.size());
  for (int r = 0; r < rows; ++r) {
    std::vector<double> v(cols);
    double mean = 0, var = 0;
    for (int c = 0; c < cols; ++c) {
      v[c] = x[r * cols + c] + (residual ? residual[r * cols + c] : 0.0f);
      mean += v[c];
    }
    mean /= cols;
    for (int c = 0; c < cols; ++c) var += (v[c] - mean) * (v[c] - mean);
    var /= cols;
    for (int c = 0; c < cols; ++c) {
      out[r * cols + c] = (v[c] - mean) / std::sqrt(var + eps) * gamma[c] + beta[c];
    }
  }
  return out;
}

}  // namespace kbseek::kernels::testing
