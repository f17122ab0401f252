// CudaBackend: device memory, one stream, one cuBLAS handle; ops in kernels/cuda.
#include <algorithm>
#include <memory>
#include <mutex>

#include "core/logging.h"
#include "kernels/backend.h"
#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/cuda_ops.h"

namespace kbseek::kernels {
namespace {

class CudaBackend final : public Backend {
 public:
  static core::Result<std::unique_ptr<CudaBackend>> create();

  // The process-wide instance lives until exit, when the driver may already be
  // unloading: freeing the stream and handle then can fail, so it does not.
  ~CudaBackend() override = default;

  const std::string& device_name() const override { return name_; }
  bool is_host_memory() const override { return false; }
  // The decoder-block ops have no CUDA kernels yet: callers that need them
  // run on the CPU backend (they ask supports() first).
  bool supports(Op op) const override {
    return op != Op::kRmsNorm && op != Op::kRope && op != Op::kGqaAttention && op != Op::kGeglu;
  }

  core::Result<Buffer> allocate(size_t count) override {
    void* p = nullptr;
    if (count != 0) {
      cudaError_t err = cudaMalloc(&p, count * sizeof(float));
      if (err != cudaSuccess) {
        return core::Status::resource_exhausted(name_ + ": cudaMalloc of " +
                                                std::to_string(count * sizeof(float)) +
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

  core::Status sgemm(Transpose ta, Transpose tb, int m, int n, int k, float alpha, const float* a,
                     int lda, const float* b, int ldb, float beta, float* c, int ldc) override {
    return cuda::sgemm(blas_, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  }
  core::Status sgemm_batched(Transpose ta, Transpose tb, int m, int n, int k, float alpha,
                             const float* a, int lda, int64_t sa, const float* b, int ldb,
                             int64_t sb, float beta, float* c, int ldc, int64_t sc,
                             int batch) override {
    return cuda::sgemm_batched(blas_, ta, tb, m, n, k, alpha, a, lda, sa, b, ldb, sb, beta, c, ldc,
                               sc, batch);
  }
  core::Status linear(const float* x, int rows, int in, const float* w, const float* bias, float* y,
                      int out) override {
    return cuda::linear(blas_, stream_, x, rows, in, w, bias, y, out);
  }
  core::Status add_bias(float* x, int rows, int cols, const float* bias) override {
    return cuda::add_bias(stream_, x, rows, cols, bias);
  }
  core::Status bias_gelu(float* x, int rows, int cols, const float* bias) override {
    return cuda::bias_gelu(stream_, x, rows, cols, bias);
  }
  core::Status gelu(float* x, size_t n) override { return cuda::gelu(stream_, x, n); }
  core::Status layernorm(const float* x, const float* residual, float* out, int rows, int cols,
                         const float* gamma, const float* beta, float eps) override {
    return cuda::layernorm(stream_, x, residual, out, rows, cols, gamma, beta, eps);
  }
  core::Status softmax_rows(float* x, int rows, int cols, int ld, float scale,
                            const float* mask) override {
    return cuda::softmax_rows(stream_, x, rows, cols, ld, scale, mask);
  }
  core::Status attention(const float* qkv, float* ctx, int num_seqs, const int* offsets,
                         int num_heads, int head_dim) override {
    size_t longest = 0;
    for (int b = 0; b < num_seqs; ++b) longest = std::max<size_t>(longest, offsets[b + 1] - offsets[b]);
    const size_t need = std::max<size_t>(1, static_cast<size_t>(num_heads) * longest * longest);
    if (scores_.size() < need) {
      scores_.reset();
      KB_ASSIGN_OR_RETURN(scores_, allocate(need));
    }
    return cuda::attention(blas_, stream_, qkv, ctx, scores_.data(), num_seqs, offsets, num_heads,
                           head_dim);
  }

  core::Status rms_norm(const float*, float*, int, int, const float*, float, bool) override {
    return unsupported(Op::kRmsNorm);
  }
  core::Status rope(float*, int, int, const int*, int, int, float) override {
    return unsupported(Op::kRope);
  }
  core::Status gqa_attention(const float*, const float*, const float*, float*, int, const int*, int,
                             int, int, float, int) override {
    return unsupported(Op::kGqaAttention);
  }
  core::Status geglu(const float*, float*, int, int) override { return unsupported(Op::kGeglu); }

 protected:
  void release(float* data) override { cudaFree(data); }

 private:
  static core::Status unsupported(Op op) {
    return core::Status::unavailable(std::string("cuda: ") + op_name(op) + " has no CUDA kernel yet (supports() is false)");
  }
  std::string name_;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t blas_ = nullptr;
  Buffer scores_;  // attention scratch, grown on demand
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
