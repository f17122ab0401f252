// Error checks for CUDA runtime and cuBLAS calls inside kernels/cuda: each
// failure becomes a Status naming the statement, file and line.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <string>

#include "core/status.h"

namespace kbseek::kernels::cuda {

inline core::Status cuda_error(cudaError_t err, const char* stmt, const char* file, int line) {
  return core::Status::internal(std::string("cuda: ") + stmt + " failed at " + file + ":" + std::to_string(line) +
                                ": " + cudaGetErrorName(err) + " (" + cudaGetErrorString(err) + ")");
}

inline core::Status cublas_error(cublasStatus_t st, const char* stmt, const char* file, int line) {
  return core::Status::internal(std::string("cublas: ") + stmt + " failed at " + file + ":" + std::to_string(line) +
                                ": status " + std::to_string(static_cast<int>(st)));
}

}  // namespace kbseek::kernels::cuda

// Returns a Status from the enclosing function when a CUDA runtime call fails.
#define KB_CUDA_CHECK(stmt)                                                                \
  do {                                                                                     \
    cudaError_t kb_cuda_err_ = (stmt);                                                     \
    if (kb_cuda_err_ != cudaSuccess)                                                       \
      return ::kbseek::kernels::cuda::cuda_error(kb_cuda_err_, #stmt, __FILE__, __LINE__); \
  } while (0)

// Checks the kernel launch just made (configuration errors surface at
// cudaGetLastError); `kernel_name` is a string literal.
#define KB_CUDA_CHECK_LAUNCH(kernel_name)                                                                     \
  do {                                                                                                        \
    cudaError_t kb_cuda_err_ = cudaGetLastError();                                                            \
    if (kb_cuda_err_ != cudaSuccess)                                                                          \
      return ::kbseek::kernels::cuda::cuda_error(kb_cuda_err_, "launch of " kernel_name, __FILE__, __LINE__); \
  } while (0)

#define KB_CUBLAS_CHECK(stmt)                                                                 \
  do {                                                                                        \
    cublasStatus_t kb_cublas_st_ = (stmt);                                                    \
    if (kb_cublas_st_ != CUBLAS_STATUS_SUCCESS)                                               \
      return ::kbseek::kernels::cuda::cublas_error(kb_cublas_st_, #stmt, __FILE__, __LINE__); \
  } while (0)
