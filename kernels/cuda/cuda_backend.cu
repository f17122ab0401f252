// CudaBackend: device memory, one stream, one cuBLAS handle; ops in kernels/cuda.
#include <algorithm>
#include <memory>
#include <mutex>
#include <vector>

#include "core/logging.h"
#include "kernels/backend.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"
#include "kernels/cuda/quant_gemm.h"

namespace kbseek::kernels {
namespace {

// fp32 weights in device memory (Buffer frees them with the backend).
class DeviceWeights final : public PreparedWeights {
 public:
  DeviceWeights(Buffer buf, int out, int in) : PreparedWeights(out, in, WeightFormat::kF32), buf_(std::move(buf)) {}
  const float* data() const { return buf_.data(); }

 private:
  Buffer buf_;
};

// ggml blocks in device memory, byte for byte as in the GGUF file (in a
// float Buffer rounded up, so that the backend frees them like any other).
class DeviceQuantWeights final : public PreparedWeights {
 public:
  DeviceQuantWeights(Buffer buf, quant::QuantType t, int out, int in)
      : PreparedWeights(out, in, WeightFormat::kQuantized), buf_(std::move(buf)), type_(t) {}
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(buf_.data()); }
  quant::QuantType type() const { return type_; }

 private:
  Buffer buf_;
  quant::QuantType type_;
};

class CudaBackend final : public Backend {
 public:
  static core::Result<std::unique_ptr<CudaBackend>> create();

  // The process-wide instance lives until exit, when the driver may already be
  // unloading: freeing the stream and handle then can fail, so it does not.
  ~CudaBackend() override = default;

  const std::string& device_name() const override { return name_; }
  bool is_host_memory() const override { return false; }
  bool supports(Op) const override { return true; }

  core::Result<Buffer> allocate(size_t count) override {
    void* p = nullptr;
    if (count != 0) {
      cudaError_t err = cudaMalloc(&p, count * sizeof(float));
      if (err != cudaSuccess) {
        return core::Status::resource_exhausted(name_ + ": cudaMalloc of " + std::to_string(count * sizeof(float)) +
                                                " bytes failed: " + cudaGetErrorString(err));
      }
    }
    return Buffer(this, static_cast<float*>(p), count);
  }
  core::Status copy_to_device(float* dst, const float* src, size_t count) override {
    KB_CUDA_CHECK(cudaMemcpyAsync(dst, src, count * sizeof(float), cudaMemcpyHostToDevice, stream_));
    // The host buffer may be freed right after return.
    KB_CUDA_CHECK(cudaStreamSynchronize(stream_));
    return core::Status::ok();
  }
  core::Status copy_to_host(float* dst, const float* src, size_t count) override {
    KB_CUDA_CHECK(cudaMemcpyAsync(dst, src, count * sizeof(float), cudaMemcpyDeviceToHost, stream_));
    KB_CUDA_CHECK(cudaStreamSynchronize(stream_));
    return core::Status::ok();
  }
  core::Status synchronize() override {
    KB_CUDA_CHECK(cudaStreamSynchronize(stream_));
    return core::Status::ok();
  }

  core::Status sgemm(Transpose ta, Transpose tb, int m, int n, int k, float alpha, const float* a, int lda,
                     const float* b, int ldb, float beta, float* c, int ldc) override {
    return cuda::sgemm(blas_, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
  core::Status sgemm_batched(Transpose ta, Transpose tb, int m, int n, int k, float alpha, const float* a, int lda,
                             int64_t sa, const float* b, int ldb, int64_t sb, float beta, float* c, int ldc, int64_t sc,
                             int batch) override {
    return cuda::sgemm_batched(blas_, ta, tb, m, n, k, alpha, a, lda, sa, b, ldb, sb, beta, c, ldc, sc, batch);
  }
  core::Status linear(const float* x, int rows, int in, const float* w, const float* bias, float* y, int out) override {
    return cuda::linear(blas_, stream_, x, rows, in, w, bias, y, out);
  }
  // fp32 weights live in device memory as given; bf16 (cuBLAS's bf16 GEMM)
  // is not wired yet.
  bool supports_weights(WeightFormat f) const override { return f == WeightFormat::kF32; }
  core::Result<std::unique_ptr<PreparedWeights>> prepare_weights(const float* w, int out, int in,
                                                                 WeightFormat f) override {
    if (f != WeightFormat::kF32) {
      return core::Status::invalid_argument(name_ + ": " + weight_format_name(f) + " weights are not supported");
    }
    KB_ASSIGN_OR_RETURN(Buffer buf, allocate(static_cast<size_t>(out) * in));
    KB_RETURN_IF_ERROR(copy_to_device(buf.data(), w, static_cast<size_t>(out) * in));
    return std::unique_ptr<PreparedWeights>(new DeviceWeights(std::move(buf), out, in));
  }
  core::Status linear_prepared(const float* x, int rows, const PreparedWeights& w, float* y) override {
    if (const auto* q = dynamic_cast<const DeviceQuantWeights*>(&w)) {
      return cuda::quant_linear(stream_, q->type(), q->data(), w.out(), w.in(), x, rows, y);
    }
    const auto* d = dynamic_cast<const DeviceWeights*>(&w);
    if (d == nullptr) return core::Status::invalid_argument(name_ + ": weights prepared by another backend");
    return cuda::linear(blas_, stream_, x, rows, w.in(), d->data(), nullptr, y, w.out());
  }
  bool supports_quantized(quant::QuantType t) const override { return cuda::quant_gemm_supports(t); }
  core::Result<std::unique_ptr<PreparedWeights>> prepare_quantized(const void* blocks, quant::QuantType t, int out,
                                                                   int in) override {
    const std::string what =
        std::string(quant::name(t)) + " [" + std::to_string(out) + " x " + std::to_string(in) + "]";
    if (!cuda::quant_gemm_supports(t)) {
      return core::Status::invalid_argument(name_ + ": prepare_quantized: " + what + " weights are not supported");
    }
    if (out <= 0 || in <= 0) return core::Status::invalid_argument(name_ + ": prepare_quantized: empty matrix " + what);
    const int64_t block = quant::block_elements(t);
    if (in % block != 0) {
      return core::Status::invalid_argument(name_ + ": prepare_quantized: " + what + ": in must be a multiple of " +
                                            std::to_string(block) + " (the block)");
    }
    const size_t bytes = quant::row_bytes(t, in) * static_cast<size_t>(out);
    KB_ASSIGN_OR_RETURN(Buffer buf, allocate((bytes + sizeof(float) - 1) / sizeof(float)));
    KB_CUDA_CHECK(cudaMemcpyAsync(buf.data(), blocks, bytes, cudaMemcpyHostToDevice, stream_));
    KB_CUDA_CHECK(cudaStreamSynchronize(stream_));
    return std::unique_ptr<PreparedWeights>(new DeviceQuantWeights(std::move(buf), t, out, in));
  }
  core::Status add_bias(float* x, int rows, int cols, const float* bias) override {
    return cuda::add_bias(stream_, x, rows, cols, bias);
  }
  core::Status bias_gelu(float* x, int rows, int cols, const float* bias) override {
    return cuda::bias_gelu(stream_, x, rows, cols, bias);
  }
  core::Status gelu(float* x, size_t n) override { return cuda::gelu(stream_, x, n); }
  core::Status layernorm(const float* x, const float* residual, float* out, int rows, int cols, const float* gamma,
                         const float* beta, float eps) override {
    return cuda::layernorm(stream_, x, residual, out, rows, cols, gamma, beta, eps);
  }
  core::Status softmax_rows(float* x, int rows, int cols, int ld, float scale, const float* mask) override {
    return cuda::softmax_rows(stream_, x, rows, cols, ld, scale, mask);
  }
  core::Status attention(const float* qkv, float* ctx, int num_seqs, const int* offsets, int num_heads,
                         int head_dim) override {
    size_t longest = 0;
    for (int b = 0; b < num_seqs; ++b) longest = std::max<size_t>(longest, offsets[b + 1] - offsets[b]);
    KB_RETURN_IF_ERROR(reserve_scores(static_cast<size_t>(num_heads) * longest * longest));
    return cuda::attention(blas_, stream_, qkv, ctx, scores_.data(), num_seqs, offsets, num_heads, head_dim);
  }

  core::Status rms_norm(const float* x, float* out, int rows, int cols, const float* gamma, float eps,
                        bool accumulate) override {
    return cuda::rms_norm(stream_, x, out, rows, cols, gamma, eps, accumulate);
  }
  core::Status rope(float* x, int ld, int num_seqs, const int* offsets, int num_heads, int head_dim, float base,
                    int first_position) override {
    KB_ASSIGN_OR_RETURN(const int* device_offsets, upload_offsets(offsets, num_seqs));
    return cuda::rope(stream_, x, ld, offsets[num_seqs], num_seqs, device_offsets, num_heads, head_dim, base,
                      first_position);
  }
  core::Status gqa_attention(const float* q, const float* k, const float* v, float* ctx, int num_seqs,
                             const int* offsets, int num_q_heads, int num_kv_heads, int head_dim, float scale,
                             int window) override {
    KB_RETURN_IF_ERROR(
        reserve_scores(cuda::gqa_attention_scratch(num_seqs, offsets, num_q_heads, num_kv_heads, window)));
    return cuda::gqa_attention(blas_, stream_, q, k, v, ctx, scores_.data(), num_seqs, offsets, num_q_heads,
                               num_kv_heads, head_dim, scale, window);
  }
  core::Status geglu(const float* gu, float* out, int rows, int cols) override {
    return cuda::geglu(stream_, gu, out, rows, cols);
  }
  core::Status causal_attention(const float* q, const float* k, const float* v, const float* prefix_k,
                                const float* prefix_v, int prefix_len, float* ctx, int num_seqs, const int* offsets,
                                int num_q_heads, int num_kv_heads, int head_dim, float scale) override {
    KB_ASSIGN_OR_RETURN(const int* device_offsets, upload_offsets(offsets, num_seqs));
    return cuda::causal_attention(stream_, q, k, v, prefix_k, prefix_v, prefix_len, ctx, offsets[num_seqs], num_seqs,
                                  device_offsets, num_q_heads, num_kv_heads, head_dim, scale);
  }
  core::Status swiglu(const float* gu, float* out, int rows, int cols) override {
    return cuda::swiglu(stream_, gu, out, rows, cols);
  }
  core::Status add(float* y, const float* x, size_t n) override { return cuda::add(stream_, y, x, n); }

 protected:
  void release(float* data) override { cudaFree(data); }

 private:
  // Grows the attention scratch to at least `count` floats. Freeing the old
  // one waits for the work queued on it (cudaFree synchronises).
  core::Status reserve_scores(size_t count) {
    if (scores_.size() >= std::max<size_t>(count, 1)) return core::Status::ok();
    scores_.reset();
    KB_ASSIGN_OR_RETURN(scores_, allocate(std::max<size_t>(count, 1)));
    return core::Status::ok();
  }

  // A device copy of the host offsets rope needs, uploaded only when they
  // differ from the last ones: every layer's q and k rotations of a forward
  // pass share them. The copy is queued on the stream, so kernels still
  // reading the previous offsets finish first; cudaMemcpyAsync from pageable
  // memory has read the host array by the time it returns.
  core::Result<const int*> upload_offsets(const int* host, int num_seqs) {
    const size_t n = static_cast<size_t>(num_seqs) + 1;
    if (last_offsets_.size() == n && std::equal(host, host + n, last_offsets_.begin())) {
      return static_cast<const int*>(device_offsets_);
    }
    if (offsets_capacity_ < n) {
      if (device_offsets_ != nullptr) KB_CUDA_CHECK(cudaFree(device_offsets_));
      device_offsets_ = nullptr;
      offsets_capacity_ = 0;
      KB_CUDA_CHECK(cudaMalloc(&device_offsets_, n * sizeof(int)));
      offsets_capacity_ = n;
    }
    last_offsets_.clear();  // a failed copy leaves nothing cached
    KB_CUDA_CHECK(cudaMemcpyAsync(device_offsets_, host, n * sizeof(int), cudaMemcpyHostToDevice, stream_));
    last_offsets_.assign(host, host + n);
    return static_cast<const int*>(device_offsets_);
  }

  std::string name_;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t blas_ = nullptr;
  Buffer scores_;                  // attention scratch, grown on demand
  int* device_offsets_ = nullptr;  // rope's sequence offsets (upload_offsets)
  size_t offsets_capacity_ = 0;
  std::vector<int> last_offsets_;
};

core::Result<std::unique_ptr<CudaBackend>> CudaBackend::create() {
  int count = 0;
  cudaError_t err = cudaGetDeviceCount(&count);
  if (err != cudaSuccess) {
    return core::Status::unavailable(std::string("no CUDA device: ") + cudaGetErrorString(err));
  }
  if (count == 0) return core::Status::unavailable("no CUDA device: cudaGetDeviceCount found none");
  auto backend = std::make_unique<CudaBackend>();
  KB_CUDA_CHECK(cudaSetDevice(0));
  cudaDeviceProp prop{};
  KB_CUDA_CHECK(cudaGetDeviceProperties(&prop, 0));
  backend->name_ = std::string("cuda:0 (") + prop.name + ")";
  KB_CUDA_CHECK(cudaStreamCreateWithFlags(&backend->stream_, cudaStreamNonBlocking));
  KB_CUBLAS_CHECK(cublasCreate(&backend->blas_));
  KB_CUBLAS_CHECK(cublasSetStream(backend->blas_, backend->stream_));
  // Keep full fp32 in sgemm (no TF32) so results match the CPU backend.
  KB_CUBLAS_CHECK(cublasSetMathMode(backend->blas_, CUBLAS_DEFAULT_MATH));
  return core::Result<std::unique_ptr<CudaBackend>>(std::move(backend));
}

}  // namespace

core::Result<Backend*> cuda_backend() {
  static std::once_flag once;
  static std::unique_ptr<CudaBackend> backend;
  static core::Status error;
  std::call_once(once, [] {
    auto created = CudaBackend::create();
    if (created.is_ok()) {
      backend = std::move(created).value();
      core::log_info("kernels", "CUDA backend on " + backend->device_name());
    } else {
      error = created.status();
      core::log_info("kernels", "CUDA backend unavailable, using the CPU: " + error.message());
    }
  });
  if (!backend) return error;
  return static_cast<Backend*>(backend.get());
}

}  // namespace kbseek::kernels
