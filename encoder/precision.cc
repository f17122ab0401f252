#include "encoder/precision.h"

#include <cstdlib>
#include <string>

#include "kernels/cpu/quant_gemm.h"
#include "kernels/quant/quant_types.h"

namespace kbseek::encoder {

core::Result<kernels::WeightFormat> choose_weight_format(Precision asked, const kernels::Backend& backend, bool bulk) {
  if (asked == Precision::kAuto) {
    const char* env = std::getenv("KBSEEK_PRECISION");
    const std::string v = env != nullptr ? env : "";
    if (v == "fp32")
      asked = Precision::kFp32;
    else if (v == "bf16")
      asked = Precision::kBf16;
    else if (v == "int8")
      asked = Precision::kInt8;
    else if (!v.empty())
      return core::Status::invalid_argument("KBSEEK_PRECISION=" + v + ": expected fp32, bf16 or int8");
  }
  switch (asked) {
    case Precision::kFp32: return kernels::WeightFormat::kF32;
    case Precision::kBf16:
      if (!backend.supports_weights(kernels::WeightFormat::kBF16)) {
        return core::Status::invalid_argument(backend.device_name() + " has no bf16 path (the CPU lacks AVX512-BF16)");
      }
      return kernels::WeightFormat::kBF16;
    case Precision::kInt8:
      // The VNNI kernel (32-value blocks, kernels/cpu/int8_gemm.h) where the
      // backend has it: 2.4-3× OpenBLAS sgemm on Gemma's products, where the
      // Q8_0 kernels ran at half sgemm's speed (bench_quant_gemm). Elsewhere
      // the weights go to Q8_0 blocks for the quantized kernels.
      if (backend.supports_weights(kernels::WeightFormat::kInt8)) return kernels::WeightFormat::kInt8;
      if (!backend.supports_quantized(kernels::quant::QuantType::kQ8_0)) {
        return core::Status::invalid_argument(backend.device_name() + " has no int8 products");
      }
      return kernels::WeightFormat::kQuantized;
    case Precision::kAuto: break;
  }
  if (!backend.supports_weights(kernels::WeightFormat::kInt8)) return kernels::WeightFormat::kF32;
  // AVX2 has no fused int8 dot product: VPMADDWD + VPADDD retire as many
  // products per instruction as an fp32 FMA, so int8 wins only where reading
  // W (and OpenBLAS packing it on every call) dominates: on few rows.
  const bool avx2_only = backend.is_host_memory() && kernels::cpu::best_quant_isa() == kernels::cpu::QuantIsa::kAvx2;
  return bulk && avx2_only ? kernels::WeightFormat::kF32 : kernels::WeightFormat::kInt8;
}

core::Result<std::unique_ptr<kernels::PreparedWeights>> prepare_matrix(kernels::Backend* backend,
                                                                       const std::vector<float>& w, int out, int in,
                                                                       kernels::WeightFormat format) {
  if (format != kernels::WeightFormat::kQuantized) return backend->prepare_weights(w.data(), out, in, format);
  if (in % kernels::quant::kQK8_0 != 0) {
    return core::Status::invalid_argument("int8 weights need rows of a multiple of " +
                                          std::to_string(kernels::quant::kQK8_0) + " values, got " +
                                          std::to_string(in));
  }
  const size_t row = kernels::quant::row_bytes(kernels::quant::QuantType::kQ8_0, in);
  std::vector<uint8_t> blocks(row * static_cast<size_t>(out));
  for (int r = 0; r < out; ++r) {
    kernels::quant::quantize_row_q8_0(w.data() + static_cast<size_t>(r) * in, blocks.data() + row * r, in);
  }
  return backend->prepare_quantized(blocks.data(), kernels::quant::QuantType::kQ8_0, out, in);
}

}  // namespace kbseek::encoder
