// Naive double-precision references the kernel parity tests compare against.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <vector>

namespace kbseek::kernels::testing {

// Row-major C = alpha op(A) op(B) + beta C; `ta`/`tb` true means transposed.
inline std::vector<double> ref_sgemm(bool ta, bool tb, int m, int n, int k, double alpha, const std::vector<float>& a,
                                     int lda, const std::vector<float>& b, int ldb, double beta,
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

inline std::vector<double> ref_layernorm(const std::vector<float>& x, const float* residual, int rows, int cols,
                                         const std::vector<float>& gamma, const std::vector<float>& beta, double eps) {
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

// Gemma-style RMSNorm: x / sqrt(mean(x²) + eps) * gamma per row.
inline std::vector<double> ref_rms_norm(const std::vector<float>& x, int rows, int cols,
                                        const std::vector<float>& gamma, double eps) {
  std::vector<double> out(x.size());
  for (int r = 0; r < rows; ++r) {
    const float* xr = x.data() + static_cast<size_t>(r) * cols;
    double sq = 0;
    for (int c = 0; c < cols; ++c) sq += static_cast<double>(xr[c]) * xr[c];
    const double inv = 1.0 / std::sqrt(sq / cols + eps);
    for (int c = 0; c < cols; ++c) out[static_cast<size_t>(r) * cols + c] = xr[c] * inv * gamma[c];
  }
  return out;
}

// Rotate-half RoPE as backend.h states it: inv_freq and the angle in fp32
// (as transformers), cos/sin and the rotation in double. Columns of a row
// past num_heads*head_dim are copied unchanged.
inline std::vector<double> ref_rope(const std::vector<float>& x, int ld, const std::vector<int>& offsets, int num_heads,
                                    int head_dim, float base) {
  std::vector<double> out(x.begin(), x.end());
  const int half = head_dim / 2;
  for (size_t b = 0; b + 1 < offsets.size(); ++b) {
    for (int t = offsets[b]; t < offsets[b + 1]; ++t) {
      const float p = static_cast<float>(t - offsets[b]);
      for (int h = 0; h < num_heads; ++h) {
        const size_t o = static_cast<size_t>(t) * ld + static_cast<size_t>(h) * head_dim;
        for (int i = 0; i < half; ++i) {
          const float inv = 1.0f / std::pow(base, static_cast<float>(2 * i) / static_cast<float>(head_dim));
          const double a = static_cast<float>(p * inv);
          const double x1 = x[o + i], x2 = x[o + i + half];
          out[o + i] = x1 * std::cos(a) - x2 * std::sin(a);
          out[o + i + half] = x2 * std::cos(a) + x1 * std::sin(a);
        }
      }
    }
  }
  return out;
}

// One query row (d floats) attending to `keys`/`values` (each d floats):
// softmax(q·k * scale) weighted sum of the values, into out[0..d).
inline void ref_attend_row(const float* q, const std::vector<const float*>& keys,
                           const std::vector<const float*>& values, int d, double scale, double* out) {
  std::vector<double> p(keys.size());
  for (size_t n = 0; n < keys.size(); ++n) {
    double s = 0;
    for (int c = 0; c < d; ++c) s += static_cast<double>(q[c]) * keys[n][c];
    p[n] = s * scale;
  }
  ref_softmax_row(p.data(), static_cast<int>(p.size()));
  for (int c = 0; c < d; ++c) {
    double s = 0;
    for (size_t n = 0; n < keys.size(); ++n) s += p[n] * values[n][c];
    out[c] = s;
  }
}

// Grouped-query attention over packed sequences, query i of a sequence seeing
// key j iff window <= 0 or |i - j| < window; q, ctx [T × hq*d], k, v [T × hkv*d].
inline std::vector<double> ref_gqa_attention(const std::vector<float>& q, const std::vector<float>& k,
                                             const std::vector<float>& v, const std::vector<int>& offsets, int hq,
                                             int hkv, int d, double scale, int window) {
  const int group = hq / hkv, ld_q = hq * d, ld_kv = hkv * d;
  std::vector<double> ctx(static_cast<size_t>(offsets.back()) * ld_q, 0.0);
  for (size_t b = 0; b + 1 < offsets.size(); ++b) {
    const int base = offsets[b], len = offsets[b + 1] - base;
    for (int h = 0; h < hq; ++h) {
      const int g = h / group;
      for (int i = 0; i < len; ++i) {
        std::vector<const float*> keys, values;
        for (int j = 0; j < len; ++j) {
          if (window > 0 && std::abs(i - j) >= window) continue;
          keys.push_back(&k[static_cast<size_t>(base + j) * ld_kv + g * d]);
          values.push_back(&v[static_cast<size_t>(base + j) * ld_kv + g * d]);
        }
        ref_attend_row(&q[static_cast<size_t>(base + i) * ld_q + h * d], keys, values, d, scale,
                       &ctx[static_cast<size_t>(base + i) * ld_q + h * d]);
      }
    }
  }
  return ctx;
}

// PyTorch's gelu(approximate="tanh").
inline double ref_gelu_tanh(double x) {
  return 0.5 * x * (1.0 + std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
}

// out[r, c] = gelu_tanh(gu[r, c]) * gu[r, cols + c].
inline std::vector<double> ref_geglu(const std::vector<float>& gu, int rows, int cols) {
  std::vector<double> out(static_cast<size_t>(rows) * cols);
  for (int r = 0; r < rows; ++r) {
    for (int c = 0; c < cols; ++c) {
      const size_t g = static_cast<size_t>(r) * 2 * cols + c;
      out[static_cast<size_t>(r) * cols + c] = ref_gelu_tanh(gu[g]) * gu[g + cols];
    }
  }
  return out;
}

}  // namespace kbseek::kernels::testing
