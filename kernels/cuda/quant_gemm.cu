// Quantized products on the GPU, kept simple and obviously right: each
// thread block takes one weight row and 32 activation rows, dequantizes the
// row 1024 values at a time into shared memory with the formulas of
// quant_types.h (read byte by byte, no packed-struct access on the device),
// and each warp sums fp32 products for four activation rows. No integer
// tricks, no activation quantization: only fp32 rounding separates it from
// x · dequantize(W)ᵀ.
#include <cuda_fp16.h>

#include "kernels/cuda/cuda_check.h"
#include "kernels/cuda/quant_gemm.h"
#include "kernels/cuda/reduce.cuh"

namespace kbseek::kernels::cuda {
namespace {

constexpr int kThreads = 256;      // 8 warps
constexpr int kChunk = 1024;       // weight values staged per step
constexpr int kRowsPerBlock = 32;  // activation rows per thread block
constexpr int kRowsPerWarp = kRowsPerBlock / (kThreads / 32);

enum Kind : int { kQ8_0, kQ5_0, kQ4_K, kQ6_K };

__device__ __forceinline__ float fp16_at(const uint8_t* p) {
  return __half2float(__ushort_as_half(static_cast<unsigned short>(p[0] | (p[1] << 8))));
}

// Value i of a row stored at `row` (quant_types.h's layouts and formulas).
__device__ float dequant(int kind, const uint8_t* row, int i) {
  switch (kind) {
    case kQ8_0: {
      const uint8_t* b = row + static_cast<size_t>(i / 32) * 34;  // d, qs[32]
      return fp16_at(b) * static_cast<float>(static_cast<int8_t>(b[2 + i % 32]));
    }
    case kQ5_0: {
      const uint8_t* b = row + static_cast<size_t>(i / 32) * 22;  // d, qh[4], qs[16]
      const int j = i % 32;
      const uint32_t qh = b[2] | (b[3] << 8) | (b[4] << 16) | (static_cast<uint32_t>(b[5]) << 24);
      const int low = j < 16 ? (b[6 + j] & 15) : (b[6 + j - 16] >> 4);
      return fp16_at(b) * static_cast<float>((low | (((qh >> j) & 1) << 4)) - 16);
    }
    case kQ4_K: {
      const uint8_t* b = row + static_cast<size_t>(i / 256) * 144;  // d, dmin, scales[12], qs[128]
      const int v = i % 256, j = v / 32, l = v % 32;
      const uint8_t* s = b + 4;
      const int sc = j < 4 ? s[j] & 63 : (s[j + 4] & 15) | ((s[j - 4] >> 6) << 4);
      const int m = j < 4 ? s[j + 4] & 63 : (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
      const uint8_t byte = b[16 + 32 * (j / 2) + l];
      const int q = (j % 2 == 0) ? (byte & 15) : (byte >> 4);
      return fp16_at(b) * static_cast<float>(sc) * static_cast<float>(q) - fp16_at(b + 2) * static_cast<float>(m);
    }
    default: {  // kQ6_K: ql[128], qh[64], scales[16] (int8), d
      const uint8_t* b = row + static_cast<size_t>(i / 256) * 210;
      const int v = i % 256, h = v / 128, r = (v % 128) / 32, l = v % 32;
      const uint8_t* ql = b + 64 * h;
      const uint8_t* qh = b + 128 + 32 * h;
      const int low = r == 0 ? ql[l] & 15 : r == 1 ? ql[l + 32] & 15 : r == 2 ? ql[l] >> 4 : ql[l + 32] >> 4;
      const int q = low | (((qh[l] >> (2 * r)) & 3) << 4);
      const int scale = static_cast<int8_t>(b[192 + 8 * h + 2 * r + l / 16]);
      return fp16_at(b + 208) * static_cast<float>(scale) * static_cast<float>(q - 32);
    }
  }
}

__global__ void quant_linear_kernel(int kind, const uint8_t* w, size_t row_bytes, int in, const float* x, int rows,
                                    float* y, int out) {
  __shared__ float wsh[kChunk];
  const int o = blockIdx.x;
  const int r0 = blockIdx.y * kRowsPerBlock;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const uint8_t* wrow = w + static_cast<size_t>(o) * row_bytes;
  float acc[kRowsPerWarp] = {};
  for (int c0 = 0; c0 < in; c0 += kChunk) {
    const int len = min(kChunk, in - c0);
    for (int i = threadIdx.x; i < len; i += kThreads) wsh[i] = dequant(kind, wrow, c0 + i);
    __syncthreads();
    for (int k = 0; k < kRowsPerWarp; ++k) {
      const int r = r0 + warp + (kThreads / 32) * k;
      if (r >= rows) break;
      const float* xr = x + static_cast<size_t>(r) * in + c0;
      for (int i = lane; i < len; i += 32) acc[k] += xr[i] * wsh[i];
    }
    __syncthreads();
  }
  for (int k = 0; k < kRowsPerWarp; ++k) {
    const int r = r0 + warp + (kThreads / 32) * k;
    const float sum = warp_sum(acc[k]);
    if (lane == 0 && r < rows) y[static_cast<size_t>(r) * out + o] = sum;
  }
}

int kind_of(quant::QuantType t) {
  switch (t) {
    case quant::QuantType::kQ8_0: return kQ8_0;
    case quant::QuantType::kQ5_0: return kQ5_0;
    case quant::QuantType::kQ4_K: return kQ4_K;
    case quant::QuantType::kQ6_K: return kQ6_K;
    default: return -1;
  }
}

}  // namespace

bool quant_gemm_supports(quant::QuantType t) { return kind_of(t) >= 0; }

core::Status quant_linear(cudaStream_t s, quant::QuantType t, const uint8_t* w, int out, int in, const float* x,
                          int rows, float* y) {
  if (rows <= 0 || out <= 0) return core::Status::ok();
  const dim3 grid(static_cast<unsigned>(out), static_cast<unsigned>((rows + kRowsPerBlock - 1) / kRowsPerBlock));
  quant_linear_kernel<<<grid, kThreads, 0, s>>>(kind_of(t), w, quant::row_bytes(t, in), in, x, rows, y, out);
  KB_CUDA_CHECK_LAUNCH("quant_linear_kernel");
  return core::Status::ok();
}

}  // namespace kbseek::kernels::cuda
