// Launchers for the CUDA kernels behind CudaBackend, one op per .cu file.
// Shapes and semantics are those of the Backend methods in kernels/backend.h;
// all pointers are device pointers unless named host_*. Work is queued on
// `stream`; errors name the failing launch.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstddef>
#include <cstdint>

#include "core/status.h"
#include "kernels/backend.h"

namespace kbseek::kernels::cuda {

core::Status sgemm(cublasHandle_t h, Transpose ta, Transpose tb, int m, int n, int k, float alpha, const float* a,
                   int lda, const float* b, int ldb, float beta, float* c, int ldc);
core::Status sgemm_batched(cublasHandle_t h, Transpose ta, Transpose tb, int m, int n, int k, float alpha,
                           const float* a, int lda, int64_t stride_a, const float* b, int ldb, int64_t stride_b,
                           float beta, float* c, int ldc, int64_t stride_c, int batch);
core::Status linear(cublasHandle_t h, cudaStream_t s, const float* x, int rows, int in, const float* w,
                    const float* bias, float* y, int out);
core::Status add_bias(cudaStream_t s, float* x, int rows, int cols, const float* bias);
core::Status bias_gelu(cudaStream_t s, float* x, int rows, int cols, const float* bias);
core::Status gelu(cudaStream_t s, float* x, size_t n);
core::Status layernorm(cudaStream_t s, const float* x, const float* residual, float* out, int rows, int cols,
                       const float* gamma, const float* beta, float eps);
core::Status softmax_rows(cudaStream_t s, float* x, int rows, int cols, int ld, float scale, const float* mask);
// `scores` is device scratch of at least num_heads * L * L floats for the
// longest sequence L; `host_offsets` is a host array.
core::Status attention(cublasHandle_t h, cudaStream_t s, const float* qkv, float* ctx, float* scores, int num_seqs,
                       const int* host_offsets, int num_heads, int head_dim);
core::Status rms_norm(cudaStream_t s, const float* x, float* out, int rows, int cols, const float* gamma, float eps,
                      bool accumulate);
// `offsets` is a device copy of the num_seqs+1 sequence offsets; rows is
// offsets[num_seqs]. InvalidArgument for an odd head_dim or one above
// kRopeMaxHeadDim (inv_freq travels as a kernel argument).
inline constexpr int kRopeMaxHeadDim = 512;
core::Status rope(cudaStream_t s, float* x, int ld, int rows, int num_seqs, const int* offsets, int num_heads,
                  int head_dim, float base, int first_position);
// Floats of `scores` scratch gqa_attention needs for these sequences.
size_t gqa_attention_scratch(int num_seqs, const int* host_offsets, int num_q_heads, int num_kv_heads, int window);
// InvalidArgument when num_q_heads is not a multiple of num_kv_heads.
core::Status gqa_attention(cublasHandle_t h, cudaStream_t s, const float* q, const float* k, const float* v, float* ctx,
                           float* scores, int num_seqs, const int* host_offsets, int num_q_heads, int num_kv_heads,
                           int head_dim, float scale, int window);
core::Status geglu(cudaStream_t s, const float* gu, float* out, int rows, int cols);
// `offsets` is a device copy (rows = its last entry); InvalidArgument for a
// head_dim above 256 or heads that do not group evenly.
core::Status causal_attention(cudaStream_t s, const float* q, const float* k, const float* v, const float* prefix_k,
                              const float* prefix_v, int prefix_len, float* ctx, int rows, int num_seqs,
                              const int* offsets, int num_q_heads, int num_kv_heads, int head_dim, float scale);
core::Status swiglu(cudaStream_t s, const float* gu, float* out, int rows, int cols);
core::Status add(cudaStream_t s, float* y, const float* x, size_t n);

}  // namespace kbseek::kernels::cuda
