// The compute backend seam: dense ops a transformer encoder needs, behind one
// abstract class so the encoder runs unchanged on the CPU or a CUDA device.
//
// Layout: every matrix is row-major float32 with an explicit leading
// dimension (elements between consecutive rows). Pointers passed to ops live
// in the backend's memory (host memory for the CPU backend, device memory for
// CUDA); move data in and out with copy_to_device / copy_to_host. Host-side
// arguments (like sequence offsets) are plain host arrays.
//
// Ops return a Status: the CPU backend always succeeds for valid shapes;
// the CUDA backend reports launch and runtime errors naming the failing call.
// Ops on one backend are ordered (they run on one stream); results are
// visible to the host after copy_to_host or synchronize().
//
// Thread-safety: the CPU backend is safe to use from any number of threads
// (one caller at a time gets the worker team; others run their op on their
// own thread, so concurrent callers never oversubscribe). The CUDA backend keeps one stream and one cuBLAS handle:
// callers must serialise their use of it (the encoder holds a mutex around a forward).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "core/status.h"
#include "kernels/quant/quant_types.h"

namespace kbseek::kernels {

enum class Op {
  kSgemm,            // C = alpha * op(A) * op(B) + beta * C
  kSgemmBatched,     // the same over `batch` matrices at fixed strides
  kLinear,           // y = x Wᵀ + b (a PyTorch Linear layer)
  kAddBias,          // x[r, c] += bias[c]
  kBiasGelu,         // x[r, c] = gelu(x[r, c] + bias[c])
  kGelu,             // x = gelu(x), erf form
  kLayerNorm,        // out = layernorm(x + residual) * gamma + beta
  kSoftmaxRows,      // row softmax of scale * x + mask
  kAttention,        // multi-head scaled dot-product attention over packed QKV
  kRmsNorm,          // out (+)= x / rms(x) * gamma
  kRope,             // rotary position embedding, rotate-half convention
  kGqaAttention,     // grouped-query bidirectional attention, optional sliding window
  kGeglu,            // out = gelu_tanh(gate) * up
  kCausalAttention,  // grouped-query causal attention after a cached prefix
  kSwiglu,           // out = silu(gate) * up
  kAdd,              // y += x
};
const char* op_name(Op op);
inline constexpr Op kAllOps[] = {Op::kSgemm, Op::kSgemmBatched, Op::kLinear,      Op::kAddBias,         Op::kBiasGelu,
                                 Op::kGelu,  Op::kLayerNorm,    Op::kSoftmaxRows, Op::kAttention,       Op::kRmsNorm,
                                 Op::kRope,  Op::kGqaAttention, Op::kGeglu,       Op::kCausalAttention, Op::kSwiglu,
                                 Op::kAdd};

enum class Transpose { kNo, kYes };

// The precision a weight matrix is kept in for linear_prepared.
//   kF32:  as given;
//   kBF16: rounded to bf16 (nearest even); inputs are rounded to bf16 too and
//          products summed in fp32 — half the bytes per forward, twice the
//          multiply-adds per instruction where the CPU has AVX512-BF16.
//   kQuantized: kept in a ggml block type (quant::QuantType: Q4_K, Q6_K,
//          Q5_0, Q8_0) as read from a GGUF file; made by prepare_quantized,
//          never by prepare_weights.
//   kInt8: quantized by prepare_weights to 8 bits per 128-value block of a
//          row, inputs quantized the same way per call, exact integer sums
//          within a block (kernels/cpu/int8_gemm.h); a quarter of fp32's
//          bytes. CPUs with AVX512-VNNI.
enum class WeightFormat { kF32, kBF16, kQuantized, kInt8 };
const char* weight_format_name(WeightFormat f);

// A weight matrix W [out × in] (PyTorch's Linear layout) prepared once by a
// backend in its own layout and precision; opaque to callers, usable only
// with the backend that made it. Immutable, so shareable across threads.
class PreparedWeights {
 public:
  virtual ~PreparedWeights() = default;
  int out() const { return out_; }
  int in() const { return in_; }
  WeightFormat format() const { return format_; }

 protected:
  PreparedWeights(int out, int in, WeightFormat format) : out_(out), in_(in), format_(format) {}

 private:
  int out_, in_;
  WeightFormat format_;
};

class Backend;

// Owning handle to `count` floats of a backend's memory (RAII; move-only).
class Buffer {
 public:
  Buffer() = default;
  Buffer(Backend* owner, float* data, size_t count) : owner_(owner), data_(data), count_(count) {}
  ~Buffer() { reset(); }
  Buffer(Buffer&& o) noexcept { *this = std::move(o); }
  Buffer& operator=(Buffer&& o) noexcept;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  float* data() const { return data_; }
  size_t size() const { return count_; }
  void reset();

 private:
  Backend* owner_ = nullptr;
  float* data_ = nullptr;
  size_t count_ = 0;
};

class Backend {
 public:
  virtual ~Backend() = default;

  // "cpu" or "cuda:0 (NVIDIA H100 80GB HBM3)".
  virtual const std::string& device_name() const = 0;
  virtual bool is_host_memory() const = 0;
  virtual bool supports(Op op) const = 0;

  // --- memory -------------------------------------------------------------
  // ResourceExhausted when the device cannot hold `count` floats.
  virtual core::Result<Buffer> allocate(size_t count) = 0;
  virtual core::Status copy_to_device(float* dst, const float* host_src, size_t count) = 0;
  virtual core::Status copy_to_host(float* host_dst, const float* src, size_t count) = 0;
  // Waits for queued work; a no-op on the CPU.
  virtual core::Status synchronize() = 0;

  // --- ops (shapes in elements) ---------------------------------------------
  // C[m×n] = alpha * op(A)[m×k] * op(B)[k×n] + beta * C. With kNo, A is m×k
  // (lda ≥ k); with kYes, A is stored k×m (lda ≥ m). Likewise B.
  virtual core::Status sgemm(Transpose ta, Transpose tb, int m, int n, int k, float alpha, const float* a, int lda,
                             const float* b, int ldb, float beta, float* c, int ldc) = 0;
  // `batch` independent sgemms; matrix i starts at a + i*stride_a (and so on).
  virtual core::Status sgemm_batched(Transpose ta, Transpose tb, int m, int n, int k, float alpha, const float* a,
                                     int lda, int64_t stride_a, const float* b, int ldb, int64_t stride_b, float beta,
                                     float* c, int ldc, int64_t stride_c, int batch) = 0;
  // y[rows×out] = x[rows×in] · Wᵀ + bias, W stored [out×in] row-major as in
  // PyTorch; bias (out floats) may be null. All contiguous; y must not alias x.
  virtual core::Status linear(const float* x, int rows, int in, const float* w, const float* bias, float* y,
                              int out) = 0;
  // Weights kept in a backend's own layout and precision (see WeightFormat):
  // supports_weights says which formats it can prepare; prepare_weights
  // takes W [out × in] in host memory (InvalidArgument naming the shape
  // when the format's constraints do not hold: kBF16 on the CPU needs
  // in % 2 == 0 and out % 16 == 0); linear_prepared computes
  // y[rows × out] = x[rows × in] · Wᵀ, contiguous, no bias, y not aliasing x.
  virtual bool supports_weights(WeightFormat f) const = 0;
  virtual core::Result<std::unique_ptr<PreparedWeights>> prepare_weights(const float* w_host, int out, int in,
                                                                         WeightFormat f) = 0;
  virtual core::Status linear_prepared(const float* x, int rows, const PreparedWeights& w, float* y) = 0;
  // Quantized weights (WeightFormat::kQuantized) for linear_prepared, kept in
  // their ggml block type: `blocks` (host memory, copied) holds `out` rows,
  // each of `in` values stored as quant::row_bytes(type, in) bytes, the GGUF
  // layout of a [out × in] tensor (ggml dims {in, out}). InvalidArgument
  // naming the type and shape when !supports_quantized(type), out or in is
  // not positive, or in is not a multiple of quant::block_elements(type)
  // (32 for Q5_0 / Q8_0, 256 for Q4_K / Q6_K).
  // Accuracy: the CPU quantizes each row of x to 8 bits as ggml does (Q8_K
  // for the K-quants, Q8_0 otherwise) and sums integer products per block,
  // so y is within ≈ 4e-3 normalized error of x · dequantize(W)ᵀ for
  // activations spread evenly over a block's range (uniform rounding of 1/127
  // of the block's largest |x|); CUDA dequantizes W and keeps x in fp32
  // (≈ 1e-6).
  virtual bool supports_quantized(quant::QuantType type) const = 0;
  virtual core::Result<std::unique_ptr<PreparedWeights>> prepare_quantized(const void* blocks, quant::QuantType type,
                                                                           int out, int in) = 0;
  // x is rows×cols, contiguous (ld = cols).
  virtual core::Status add_bias(float* x, int rows, int cols, const float* bias) = 0;
  virtual core::Status bias_gelu(float* x, int rows, int cols, const float* bias) = 0;
  // gelu(x) = 0.5 x (1 + erf(x / sqrt 2)), as HF BERT's "gelu"; |error| ≤ 1e-6.
  virtual core::Status gelu(float* x, size_t n) = 0;
  // Per row: v = x + residual (residual may be null); out = (v - mean) /
  // sqrt(var + eps) * gamma + beta, with the biased variance. out may alias x.
  virtual core::Status layernorm(const float* x, const float* residual, float* out, int rows, int cols,
                                 const float* gamma, const float* beta, float eps) = 0;
  // In place, per row of x (rows×cols, leading dimension ld ≥ cols):
  // softmax(scale * x[r] + mask), mask a cols-long additive row (may be null).
  // Use a large negative mask value (-1e30 or -inf) to exclude a column.
  virtual core::Status softmax_rows(float* x, int rows, int cols, int ld, float scale, const float* mask) = 0;

  // Multi-head self-attention over packed variable-length sequences (no
  // padding): sequence b owns rows [offsets[b], offsets[b+1]).
  //   qkv: [offsets[num_seqs], 3*hidden] rows, Q|K|V side by side, head h in
  //        columns [h*head_dim, (h+1)*head_dim) of each third.
  //   ctx: [offsets[num_seqs], hidden] output.
  //   offsets: host array of num_seqs+1 non-decreasing ints, offsets[0] = 0.
  // ctx = softmax(Q K^T / sqrt(head_dim)) V within each sequence and head.
  virtual core::Status attention(const float* qkv, float* ctx, int num_seqs, const int* offsets, int num_heads,
                                 int head_dim) = 0;

  // --- decoder-style blocks (Gemma 3, Qwen 2.5; EmbeddingGemma first) -------
  // Per row of x [rows × cols] (contiguous): n = x / sqrt(mean(x²) + eps) *
  // gamma, in fp32 as transformers' Gemma3RMSNorm. accumulate=false: out = n
  // (out may alias x); true: out += n (a residual add; out must not alias x).
  // Gemma's (1 + w) weight is folded into gamma by the caller.
  virtual core::Status rms_norm(const float* x, float* out, int rows, int cols, const float* gamma, float eps,
                                bool accumulate) = 0;
  // Rotary position embedding in place, transformers' "rotate_half" (NeoX)
  // convention. For row t of sequence b (position p = first_position + t -
  // offsets[b]: 0 for a whole prompt, the cached prefix's length for the
  // rows a decoder runs after it), head h
  // (columns [h*head_dim, (h+1)*head_dim)) and i < head_dim/2:
  //   inv = 1 / base^(2i/head_dim), a = p * inv (both fp32, as transformers),
  //   (x1, x2) = (x[i], x[i + head_dim/2]);
  //   x[i] = x1 cos a - x2 sin a;  x[i + head_dim/2] = x2 cos a + x1 sin a.
  // x: offsets[num_seqs] rows of `ld` floats (ld ≥ num_heads*head_dim);
  // offsets is a host array. head_dim even.
  virtual core::Status rope(float* x, int ld, int num_seqs, const int* offsets, int num_heads, int head_dim, float base,
                            int first_position) = 0;
  // Grouped-query bidirectional self-attention over packed sequences.
  //   q, ctx: [T × num_q_heads*head_dim]; k, v: [T × num_kv_heads*head_dim];
  //   all contiguous, T = offsets[num_seqs] (host array, as attention()).
  // Query head h reads kv head h / (num_q_heads / num_kv_heads). Within
  // sequence b, query i sees key j iff window <= 0 or |i - j| < window (the
  // bidirectional sliding window of transformers' Gemma3
  // `_bidirectional_window_overlay`); never across sequences.
  // ctx = softmax(scale * q kᵀ over the keys it sees) v. num_q_heads must be
  // a multiple of num_kv_heads.
  virtual core::Status gqa_attention(const float* q, const float* k, const float* v, float* ctx, int num_seqs,
                                     const int* offsets, int num_q_heads, int num_kv_heads, int head_dim, float scale,
                                     int window) = 0;
  // GeGLU: out[r, c] = gelu_tanh(gu[r, c]) * gu[r, cols + c], gu [rows × 2·cols]
  // (gate | up, as one fused projection writes them), out [rows × cols], not
  // aliasing. gelu_tanh(x) = 0.5 x (1 + tanh(√(2/π) (x + 0.044715 x³))),
  // PyTorch's approximate="tanh" (relative error ≤ 1e-6).
  virtual core::Status geglu(const float* gu, float* out, int rows, int cols) = 0;
  // --- decoder-only blocks (Qwen 2) -----------------------------------------
  // Causal grouped-query attention of new rows after a cached prefix, for
  // scoring many continuations of one prompt:
  //   q, ctx: [T × num_q_heads*head_dim]; k, v: [T × num_kv_heads*head_dim],
  //   the new rows' keys and values (T = offsets[num_seqs], host offsets as
  //   attention()); prefix_k, prefix_v: [prefix_len × num_kv_heads*head_dim]
  //   (null when prefix_len is 0), shared by every sequence.
  // Row i of sequence b sees every prefix row and rows 0..i of its own
  // sequence: ctx = softmax(scale · q Kᵀ) V over those keys, per query head h
  // reading kv head h / (num_q_heads / num_kv_heads). ctx aliases nothing.
  virtual core::Status causal_attention(const float* q, const float* k, const float* v, const float* prefix_k,
                                        const float* prefix_v, int prefix_len, float* ctx, int num_seqs,
                                        const int* offsets, int num_q_heads, int num_kv_heads, int head_dim,
                                        float scale) = 0;
  // SwiGLU over the fused gate|up projection: gu [rows × 2·cols] (gate |
  // up), out [rows × cols] = silu(gate) · up, silu(x) = x / (1 + e^-x); out
  // does not alias gu.
  virtual core::Status swiglu(const float* gu, float* out, int rows, int cols) = 0;
  // y[i] += x[i] for i < n (residual adds); y does not alias x.
  virtual core::Status add(float* y, const float* x, size_t n) = 0;

 protected:
  friend class Buffer;
  virtual void release(float* data) = 0;
};

// The CPU backend (OpenBLAS sgemm; vectorised elementwise ops with runtime
// dispatch to AVX2/AVX-512). Always present; process-wide; never null.
// Its ops split work across a shared fork-join team (kernels/cpu/fork_join.h,
// one thread per core, KBSEEK_THREADS overrides) themselves and call
// OpenBLAS single-threaded: the first call pins OpenBLAS to one thread for
// the whole process (openblas_set_num_threads(1)), which was faster on every
// shape measured and avoids OpenBLAS's spin-waits when several threads call
// it at once. Other BLAS users in the process (FAISS) see that setting too.
Backend* cpu_backend();

// Once per process, before its first matrix product: OpenBLAS's kernels
// chosen for this CPU (where OpenBLAS 0.3.21 does not know the CPU model it
// falls back to SSE3 kernels, 4-6x slower here: kernels/cpu/blas_setup.cc)
// and OpenBLAS pinned to one thread. cpu_backend() calls it; so must any
// other caller of OpenBLAS that may come first (use-m3). Thread-safe.
void configure_cpu_blas();

// Caps how many threads one CPU op uses (n <= 0: the whole team, one per
// core, KBSEEK_THREADS overrides). Process-wide.
void set_cpu_threads(int n);

// The first CUDA device, created on first call. Unavailable (logged once, with
// the reason) when the build has no CUDA or no device is present.
core::Result<Backend*> cuda_backend();

}  // namespace kbseek::kernels
