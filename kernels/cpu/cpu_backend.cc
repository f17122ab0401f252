// CpuBackend: host memory, OpenBLAS sgemm and the vectorised ops in kernels/cpu.
#include <cstdlib>
#include <cstring>
#include <new>

#include "kernels/backend.h"
#include "kernels/cpu/cpu_ops.h"
#include "kernels/cpu/prepared_weights.h"
#include "kernels/cpu/quant_gemm.h"

namespace kbseek::kernels {
namespace {

class CpuBackend final : public Backend {
 public:
  const std::string& device_name() const override { return name_; }
  bool is_host_memory() const override { return true; }
  bool supports(Op) const override { return true; }

  core::Result<Buffer> allocate(size_t count) override {
    // 64-byte alignment: one cache line, one AVX-512 vector.
    const size_t bytes = ((count * sizeof(float) + 63) / 64) * 64;
    void* p = bytes == 0 ? nullptr : std::aligned_alloc(64, bytes);
    if (bytes != 0 && p == nullptr) {
      return core::Status::resource_exhausted("cpu: cannot allocate " + std::to_string(bytes) + " bytes");
    }
    return Buffer(this, static_cast<float*>(p), count);
  }
  core::Status copy_to_device(float* dst, const float* src, size_t count) override {
    if (count != 0) std::memcpy(dst, src, count * sizeof(float));
    return core::Status::ok();
  }
  core::Status copy_to_host(float* dst, const float* src, size_t count) override {
    if (count != 0) std::memcpy(dst, src, count * sizeof(float));
    return core::Status::ok();
  }
  core::Status synchronize() override { return core::Status::ok(); }

  core::Status sgemm(Transpose ta, Transpose tb, int m, int n, int k, float alpha, const float* a, int lda,
                     const float* b, int ldb, float beta, float* c, int ldc) override {
    cpu::sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    return core::Status::ok();
  }
  core::Status sgemm_batched(Transpose ta, Transpose tb, int m, int n, int k, float alpha, const float* a, int lda,
                             int64_t sa, const float* b, int ldb, int64_t sb, float beta, float* c, int ldc, int64_t sc,
                             int batch) override {
    cpu::sgemm_batched(ta, tb, m, n, k, alpha, a, lda, sa, b, ldb, sb, beta, c, ldc, sc, batch);
    return core::Status::ok();
  }
  core::Status linear(const float* x, int rows, int in, const float* w, const float* bias, float* y, int out) override {
    cpu::linear(x, rows, in, w, bias, y, out);
    return core::Status::ok();
  }
  // kQuantized weights come from prepare_quantized, never from floats.
  bool supports_weights(WeightFormat f) const override {
    return f != WeightFormat::kQuantized && cpu::supports_weights(f);
  }
  core::Result<std::unique_ptr<PreparedWeights>> prepare_weights(const float* w, int out, int in,
                                                                 WeightFormat f) override {
    if (f == WeightFormat::kQuantized) {
      return core::Status::invalid_argument("prepare_weights: quantized weights are made by prepare_quantized");
    }
    return cpu::prepare_weights(w, out, in, f);
  }
  core::Status linear_prepared(const float* x, int rows, const PreparedWeights& w, float* y) override {
    if (w.format() == WeightFormat::kQuantized) return cpu::quant_linear(x, rows, w, y);
    return cpu::linear_prepared(x, rows, w, y);
  }
  bool supports_quantized(quant::QuantType t) const override { return cpu::supports_quantized(t); }
  core::Result<std::unique_ptr<PreparedWeights>> prepare_quantized(const void* blocks, quant::QuantType t, int out,
                                                                   int in) override {
    return cpu::prepare_quantized(blocks, t, out, in);
  }
  core::Status add_bias(float* x, int rows, int cols, const float* bias) override {
    cpu::add_bias(x, rows, cols, bias);
    return core::Status::ok();
  }
  core::Status bias_gelu(float* x, int rows, int cols, const float* bias) override {
    cpu::bias_gelu(x, rows, cols, bias);
    return core::Status::ok();
  }
  core::Status gelu(float* x, size_t n) override {
    cpu::gelu(x, n);
    return core::Status::ok();
  }
  core::Status layernorm(const float* x, const float* residual, float* out, int rows, int cols, const float* gamma,
                         const float* beta, float eps) override {
    cpu::layernorm(x, residual, out, rows, cols, gamma, beta, eps);
    return core::Status::ok();
  }
  core::Status softmax_rows(float* x, int rows, int cols, int ld, float scale, const float* mask) override {
    cpu::softmax_rows(x, rows, cols, ld, scale, mask);
    return core::Status::ok();
  }
  core::Status attention(const float* qkv, float* ctx, int num_seqs, const int* offsets, int num_heads,
                         int head_dim) override {
    cpu::attention(qkv, ctx, num_seqs, offsets, num_heads, head_dim);
    return core::Status::ok();
  }
  core::Status rms_norm(const float* x, float* out, int rows, int cols, const float* gamma, float eps,
                        bool accumulate) override {
    cpu::rms_norm(x, out, rows, cols, gamma, eps, accumulate);
    return core::Status::ok();
  }
  core::Status rope(float* x, int ld, int num_seqs, const int* offsets, int num_heads, int head_dim, float base,
                    int first_position) override {
    cpu::rope(x, ld, num_seqs, offsets, num_heads, head_dim, base, first_position);
    return core::Status::ok();
  }
  core::Status gqa_attention(const float* q, const float* k, const float* v, float* ctx, int num_seqs,
                             const int* offsets, int num_q_heads, int num_kv_heads, int head_dim, float scale,
                             int window) override {
    cpu::gqa_attention(q, k, v, ctx, num_seqs, offsets, num_q_heads, num_kv_heads, head_dim, scale, window);
    return core::Status::ok();
  }
  core::Status geglu(const float* gu, float* out, int rows, int cols) override {
    cpu::geglu(gu, out, rows, cols);
    return core::Status::ok();
  }
  core::Status causal_attention(const float* q, const float* k, const float* v, const float* prefix_k,
                                const float* prefix_v, int prefix_len, float* ctx, int num_seqs, const int* offsets,
                                int num_q_heads, int num_kv_heads, int head_dim, float scale) override {
    cpu::causal_attention(q, k, v, prefix_k, prefix_v, prefix_len, ctx, num_seqs, offsets, num_q_heads, num_kv_heads,
                          head_dim, scale);
    return core::Status::ok();
  }
  core::Status swiglu(const float* gu, float* out, int rows, int cols) override {
    cpu::swiglu(gu, out, rows, cols);
    return core::Status::ok();
  }
  core::Status add(float* y, const float* x, size_t n) override {
    cpu::add(y, x, n);
    return core::Status::ok();
  }

 protected:
  void release(float* data) override { std::free(data); }

 private:
  std::string name_ = "cpu";
};

}  // namespace

Backend* cpu_backend() {
  static CpuBackend backend;
  configure_cpu_blas();
  return &backend;
}

}  // namespace kbseek::kernels
