// THE SEAM other folders use to turn text into vectors.
//
// An Encoder maps texts to L2-normalised float vectors of dimension(), one
// row per text, row-major, in input order. Implementations come from a
// registry keyed by the model folder's config.json (encoder/registry.h); the
// compute device is chosen at open time by kernels::choose_backend
// (kernels/device.h: KBSEEK_DEVICE=cpu|cuda|auto, default auto: the CUDA
// backend when a device is present and the family's GPU path has been
// checked on one — BERT — else the CPU with one log line saying why).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace kbseek::encoder {

// Some models embed queries and passages differently (a prompt prefix from
// config_sentence_transformers.json); all-MiniLM treats both the same.
enum class InputKind { kQuery, kPassage };

// Arithmetic of a model's matrix products, chosen the same way for BERT and
// Gemma (encoder/precision.h). kAuto: the fastest path measured within the
// model's accuracy bar (cosine 0.999 to the reference on every golden vector
// of a non-blank text): int8 where the backend has
// kernels::WeightFormat::kInt8 (CPUs with AVX512-VNNI or AVX2), fp32
// elsewhere; and fp32 for bulk work (EncoderOptions::bulk) on CPUs whose int8
// products run on AVX2 alone, where int8 wins on a query's few rows and loses
// on hundreds (bench/results/linear-rows-avx2.md).
//   * EmbeddingGemma: 3.7 long passages/s at batch 32 against fp32's 2.0,
//     PyTorch fp32's 1.3 and bf16's 1.3, query p50 21 ms against 60
//     (bench/results/encoder-embeddinggemma-300m.md); worst golden cosine 0.99940.
//   * all-MiniLM-L6-v2: worst golden cosine 0.99902 (blank text 0.9983);
//     hybrid query p50 15.2 -> 9.7 ms on xquadr_en with nDCG@10 0.8930 ->
//     0.8929 (bench/results/linear-rows.md).
// KBSEEK_PRECISION=fp32|bf16|int8 overrides kAuto. kInt8: the backend's own
// int8 weights where it has them (kernels/cpu/int8_gemm.h), else the weights
// quantized at load to ggml's Q8_0 blocks and run by the LLM stage's
// quantized kernels (VNNI / AVX2 / CUDA); a quarter of fp32's bytes either
// way. kBf16 where the backend lacks it is InvalidArgument. use-m3 picks its
// own (KBSEEK_USE_M3_MATMUL).
enum class Precision { kAuto, kFp32, kBf16, kInt8 };

struct EncoderOptions {
  // Threads one CPU op may use; <= 0 leaves the default (one per core,
  // KBSEEK_THREADS overrides). Process-wide: see kernels::set_cpu_threads.
  int num_threads = 0;
  // Hash every file against SHA256SUMS before loading (≈0.3 s for all-MiniLM,
  // ≈3 s for EmbeddingGemma's 1.2 GB).
  bool verify_checksums = true;
  // Output dimension: 0 = the model's own. Otherwise a Matryoshka
  // truncation the model was trained for (EmbeddingGemma: 512, 256, 128 —
  // the first components, renormalised); InvalidArgument for any other
  // model or size. An index records the dimension it was built with.
  int dimension = 0;
  Precision precision = Precision::kAuto;
  // Bulk indexing: batches of hundreds of rows, not single queries. Only
  // kAuto's choice reads it: on CPUs whose int8 products run on AVX2 alone
  // it picks fp32 (OpenBLAS: about even with int8 at 128 rows, 1.3-1.7× it
  // at 512); int8 stays the choice for queries (1.2-13× fp32 at 1-16 rows;
  // bench/results/linear-rows-avx2.md).
  bool bulk = false;
};

class Encoder {
 public:
  virtual ~Encoder() = default;
  virtual const std::string& name() const = 0;         // model folder name, e.g. "all-minilm-l6-v2"
  virtual const std::string& fingerprint() const = 0;  // sha256 over the folder's SHA256SUMS (identifies weights)
  virtual int dimension() const = 0;
  virtual int max_tokens() const = 0;  // usable window incl. special tokens (sentence_bert_config max_seq_length)
  virtual int count_tokens(std::string_view text) const = 0;  // wordpieces, no specials
  // Encodes n texts into out[n * dimension()], row-major, L2-normalised, truncating each to max_tokens().
  // Thread-safe. InvalidArgument (naming the index) for invalid UTF-8.
  virtual core::Status encode(const std::vector<std::string>& texts, InputKind kind, float* out) = 0;
  // Share of `text`'s tokens that the model's vocabulary knows, in [0, 1]
  // (1 - the [UNK] share for WordPiece). Query understanding trusts a dense
  // list less for queries the model cannot read, e.g. Chinese under an
  // English-only vocabulary. Models without an unknown token return 1.
  virtual double vocabulary_coverage(std::string_view text) const {
    (void)text;
    return 1.0;
  }
  // Language codes the model was trained for (its model card's `language:`),
  // e.g. {"en"}; empty when unknown, meaning no restriction.
  virtual const std::vector<std::string>& languages() const {
    static const std::vector<std::string> kUnknown;
    return kUnknown;
  }
  // Lookups served and missed by a cache of per-token work that the model
  // shares across calls (use-m3's per-id rows: use/per_id_cache.h); zeros
  // for models without one. Thread-safe.
  struct TokenCacheCounts {
    uint64_t hits = 0, misses = 0;
  };
  virtual TokenCacheCounts token_cache_counts() const { return {}; }
};

// Opens a model folder; picks the implementation from config.json's architecture via a registry
// (BERT, use-m3, Gemma 3; new families = one file + one registry line). Verifies SHA256SUMS first.
core::Result<std::unique_ptr<Encoder>> open_encoder(const std::string& model_dir, const EncoderOptions& opts = {});

}  // namespace kbseek::encoder
