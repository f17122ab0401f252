// The small dense ops of the use-m3 forward pass, on row-major float
// matrices with explicit leading dimensions (ld = floats between rows).
// sgemm goes to OpenBLAS pinned to one thread per call, or for a few rows to
// kernels/cpu/sgemm_small.h when B comes packed in strips as well
// (kernels::configure_cpu_blas, which use_model calls before any product); callers parallelise
// by splitting columns (sgemm's `ways`) or by running chunks on different
// threads. All functions are thread-safe on disjoint outputs.
#pragma once

#include <cstdint>

#include "kernels/cpu/sgemm_small.h"

namespace kbseek::encoder::use_ops {

// C[m×n] (ldc) = A[m×k] (lda) · B[k×n] (row-major, ld n) + (accumulate ? C : 0).
// With ways > 1 and enough work, the columns are split across
// core::ThreadPool::global() (nested calls run inline). `strips`: B packed
// (or null, or empty), used for up to kernels::cpu::kSgemmSmallMaxRows rows.
void sgemm(int m, int n, int k, const float* a, int lda, const float* b, float* c, int ldc, bool accumulate, int ways,
           const kernels::cpu::PackedStrips* strips = nullptr);

// Per row of x (rows × cols, ld): x = (x - mean) / sqrt(var + eps) * gamma + beta.
void layer_norm_rows(float* x, int rows, int cols, int ld, const float* gamma, const float* beta, float eps);

// Per row: x[r] += bias (may be null). The bias is added before relu and residual below.
void add_bias_rows(float* x, int rows, int cols, int ld, const float* bias);

// Per row: y = max(y + bias, 0) + residual[r].
void bias_relu_residual_rows(float* y, int ldy, const float* residual, int ldr, int rows, int cols, const float* bias);

// sums[b] (cols floats) = Σ of the rows of sequence b of x (rows × cols, ld).
void sum_rows_per_sequence(const float* x, int ld, int cols, const int* offsets, int num_seqs, float* sums);

// Window gather for an n-gram convolution over packed sequences. Row t of
// `out` (rows × width*cols, contiguous) is the rows t-left .. t-left+width-1
// of `x` (rows × cols, ld) side by side, zeros where a row lies outside t's
// own sequence. Sequence b owns rows [offsets[b], offsets[b+1]). T is float
// (fp32 products) or uint16_t (bf16 for AMX).
template <typename T>
void gather_windows(const T* x, int ld, int cols, const int* offsets, int num_seqs, int width, int left, T* out);

// The first layer of an n-gram branch from per-id partial products, with its
// activation and residual:
//   h[t] = max(bias + Σ_w y[row_of[t-left+w]][w*cols ..], 0) + x[row_of[t]]
// summing over the w whose position lies inside t's own sequence. y holds,
// for each distinct id u, the products of its row with each of the `width`
// weight blocks side by side (u × width*cols, ld_y); x (ld_x) is the branch's
// input row of each id. h is rows × cols, contiguous. Equal to gathering
// windows and multiplying, without recomputing repeated tokens.
void ngram_first_layer(const float* y, int ld_y, const float* x, int ld_x, const int* row_of, const int* offsets,
                       int num_seqs, int width, int left, int cols, const float* bias, float* h);

}  // namespace kbseek::encoder::use_ops
