// One way for every model family to turn encoder.h's Precision into the
// backend's weight format, and to prepare a weight matrix in it.
//
// kAuto (after KBSEEK_PRECISION=fp32|bf16|int8) is int8 where the backend
// has its own int8 products (kernels::WeightFormat::kInt8: CPUs with
// AVX512-VNNI or AVX2), fp32 elsewhere, and fp32 for `bulk` work where those
// products run on AVX2 alone (EncoderOptions::bulk). Why int8 first: a
// search query is 10-40 tokens, and a product over so few rows is bound by
// reading W from memory; int8 reads a quarter of fp32's bytes. With VNNI its
// kernel ran 3-25x OpenBLAS sgemm at 1-128 rows on all-MiniLM's and
// EmbeddingGemma's shapes (bench/results/linear-rows.md); with AVX2 alone,
// 1.5-17x at 1-16 rows, 1.0-1.6x at 32-64, and 0.95-1.2x at 128-512
// (bench/results/linear-rows-avx2.md), hence fp32 (exact, as fast) for bulk
// work there. Each
// model family's golden test holds its int8 path to cosine >= 0.999.
#pragma once

#include <memory>
#include <vector>

#include "core/status.h"
#include "encoder/encoder.h"
#include "kernels/backend.h"

namespace kbseek::encoder {

// The format `asked` means on `backend`. kBf16 without AVX512-BF16, or kInt8
// with neither the backend's int8 products nor its Q8_0 kernels, is
// InvalidArgument naming the device; so is an unknown KBSEEK_PRECISION.
core::Result<kernels::WeightFormat> choose_weight_format(Precision asked, const kernels::Backend& backend,
                                                         bool bulk = false);

// W [out x in] (row-major fp32, host) prepared in `format`. kQuantized means
// ggml's Q8_0 blocks (each row quantized as quantize_row_q8_0 does), run by
// the LLM stage's quantized kernels; `in` must then be a multiple of 32.
core::Result<std::unique_ptr<kernels::PreparedWeights>> prepare_matrix(kernels::Backend* backend,
                                                                       const std::vector<float>& w, int out, int in,
                                                                       kernels::WeightFormat format);

}  // namespace kbseek::encoder
