// The CPU implementations behind CpuBackend, one op per .cc file. Contracts
// (shapes, aliasing) are those of the matching Backend methods in
// kernels/backend.h; these functions cannot fail for valid shapes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>

#include "kernels/backend.h"

namespace kbseek::kernels::cpu {

void sgemm(Transpose ta, Transpose tb, int m, int n, int k, float alpha, const float* a, int lda, const float* b,
           int ldb, float beta, float* c, int ldc);
void sgemm_batched(Transpose ta, Transpose tb, int m, int n, int k, float alpha, const float* a, int lda,
                   int64_t stride_a, const float* b, int ldb, int64_t stride_b, float beta, float* c, int ldc,
                   int64_t stride_c, int batch);
void linear(const float* x, int rows, int in, const float* w, const float* bias, float* y, int out);
void add_bias(float* x, int rows, int cols, const float* bias);
void bias_gelu(float* x, int rows, int cols, const float* bias);
void gelu(float* x, size_t n);
void layernorm(const float* x, const float* residual, float* out, int rows, int cols, const float* gamma,
               const float* beta, float eps);
void softmax_rows(float* x, int rows, int cols, int ld, float scale, const float* mask);
void attention(const float* qkv, float* ctx, int num_seqs, const int* offsets, int num_heads, int head_dim);
void rms_norm(const float* x, float* out, int rows, int cols, const float* gamma, float eps, bool accumulate);
void rope(float* x, int ld, int num_seqs, const int* offsets, int num_heads, int head_dim, float base,
          int first_position);
void gqa_attention(const float* q, const float* k, const float* v, float* ctx, int num_seqs, const int* offsets,
                   int num_q_heads, int num_kv_heads, int head_dim, float scale, int window);
void geglu(const float* gu, float* out, int rows, int cols);
void causal_attention(const float* q, const float* k, const float* v, const float* prefix_k, const float* prefix_v,
                      int prefix_len, float* ctx, int num_seqs, const int* offsets, int num_q_heads, int num_kv_heads,
                      int head_dim, float scale);
void swiglu(const float* gu, float* out, int rows, int cols);
void add(float* y, const float* x, size_t n);

// Single-row kernels the ops above share (vectorised, runtime-dispatched).
void softmax_row(float* x, int cols, float scale, const float* mask);
void layernorm_row(const float* x, const float* residual, float* out, int cols, const float* gamma, const float* beta,
                   float eps);

// Runs fn(begin, end) over [0, n) on the shared thread pool when the total
// work (n * cost_per_item, in rough flops) is worth a hand-off; inline otherwise.
// Splits into at most set_cpu_threads() ranges (default: one per core), and
// runs inline while more than one request computes (core/cpu_demand.h).
void parallel_for(size_t n, double cost_per_item, const std::function<void(size_t, size_t)>& fn);

}  // namespace kbseek::kernels::cpu
