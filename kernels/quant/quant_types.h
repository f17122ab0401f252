// ggml's weight formats as we read them from GGUF files: the type ids, the
// block layouts (byte for byte as ggml-common.h), fp16/bf16 conversion and
// scalar dequantize / quantize routines that are the reference for the SIMD
// dot-product kernels.
//
// A quantised row of n values is n / block_elements(t) blocks laid end to end;
// a tensor is its rows laid end to end (ggml order: dims[0] is the row). All
// multi-byte fields are little-endian, as on every machine we build for.
//
// Formulas (x = the value, i = index inside the block, q = the stored code):
//   F32   x = the float itself.
//   F16   x = IEEE binary16 widened.            BF16  x = top 16 bits of a float32.
//   Q8_0  32 values: x[i] = d * qs[i]           (qs int8, d fp16)
//   Q5_0  32 values: q[i] = low nibble of qs[i] | bit i of qh << 4      (i < 16)
//                    q[i] = high nibble of qs[i-16] | bit i of qh << 4  (i >= 16)
//                    x[i] = d * (q[i] - 16)     (qh is read as a little-endian uint32)
//   Q4_K  256 values in 8 sub-blocks of 32, each with a 6-bit scale sc[j] and
//         6-bit min m[j] packed in scales[12] (see BlockQ4K):
//                    x = (d * sc[j]) * q - (dmin * m[j]),  q a 4-bit code.
//         Sub-blocks 2k and 2k+1 share qs[32k .. 32k+31]: 2k takes the low
//         nibbles, 2k+1 the high nibbles.
//   Q6_K  256 values in 16 sub-blocks of 16, int8 scale each:
//                    x = (d * scales[j]) * (q - 32),  q a 6-bit code (see BlockQ6K).
//   Q8_K  (activations only, never stored in a file) 256 values:
//                    x[i] = d * qs[i], d a float32; bsums[k] = sum of qs[16k .. 16k+15].
//
// Every function here is pure and thread-safe. None checks its arguments:
// callers guarantee n % block_elements(t) == 0 and buffers of row_bytes(t, n).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

namespace kbseek::kernels::quant {

enum class QuantType { kF32, kF16, kBF16, kQ8_0, kQ5_0, kQ4_K, kQ6_K };

// The GGML type id stored in GGUF tensor infos: F32 0, F16 1, Q5_0 6, Q8_0 8,
// Q4_K 12, Q6_K 14, BF16 30. nullopt for every other id (Q4_0, Q5_K, IQ*, ...).
std::optional<QuantType> from_ggml_type_id(uint32_t id);
uint32_t ggml_type_id(QuantType t);
// ggml's spelling: "F32", "F16", "BF16", "Q8_0", "Q5_0", "Q4_K", "Q6_K".
const char* name(QuantType t);

constexpr int kQK8_0 = 32;  // values per Q8_0 block
constexpr int kQK5_0 = 32;  // values per Q5_0 block
constexpr int kQK_K = 256;  // values per K-quant super-block (Q4_K, Q6_K, Q8_K)

#pragma pack(push, 1)
// 34 bytes, 8.5 bits per value.
struct BlockQ8_0 {
  uint16_t d;         // fp16 scale
  int8_t qs[kQK8_0];  // x[i] = d * qs[i]
};

// 22 bytes, 5.5 bits per value.
struct BlockQ5_0 {
  uint16_t d;              // fp16 scale
  uint8_t qh[4];           // bit i (little-endian uint32) = 5th bit of value i
  uint8_t qs[kQK5_0 / 2];  // qs[j]: value j in the low nibble, value j+16 in the high
};

// 144 bytes, 4.5 bits per value. scales[12] packs 8 six-bit scales sc[j] and
// 8 six-bit mins m[j]:
//   j < 4:  sc[j] = scales[j] & 63          m[j] = scales[j+4] & 63
//   j >= 4: sc[j] = (scales[j+4] & 15) | ((scales[j-4] >> 6) << 4)
//           m[j]  = (scales[j+4] >> 4) | ((scales[j]   >> 6) << 4)
// Value 64k + l (l < 32) is the low nibble of qs[32k + l] in sub-block 2k;
// value 64k + 32 + l is its high nibble in sub-block 2k+1.
struct BlockQ4K {
  uint16_t d;     // fp16 super-block scale for the scales
  uint16_t dmin;  // fp16 super-block scale for the mins
  uint8_t scales[12];
  uint8_t qs[kQK_K / 2];
};

// 210 bytes, 6.5625 bits per value. For half h (values 128h .. 128h+127),
// l < 32, with L = ql + 64h, H = qh + 32h, value 128h + 32r + l has
//   r = 0: q = (L[l]    & 15) | ((H[l] >> 0) & 3) << 4
//   r = 1: q = (L[l+32] & 15) | ((H[l] >> 2) & 3) << 4
//   r = 2: q = (L[l]    >> 4) | ((H[l] >> 4) & 3) << 4
//   r = 3: q = (L[l+32] >> 4) | ((H[l] >> 6) & 3) << 4
// and scale scales[8h + 2r + l / 16]; x = d * scale * (q - 32).
struct BlockQ6K {
  uint8_t ql[kQK_K / 2];  // low 4 bits
  uint8_t qh[kQK_K / 4];  // high 2 bits
  int8_t scales[kQK_K / 16];
  uint16_t d;  // fp16 super-block scale
};

// 292 bytes: the activation side of the K-quant dot products. bsums lets a
// kernel subtract the Q4_K mins as dmin * sum_j m[j] * (bsums[2j] + bsums[2j+1]).
struct BlockQ8K {
  float d;
  int8_t qs[kQK_K];
  int16_t bsums[kQK_K / 16];
};
#pragma pack(pop)

static_assert(sizeof(BlockQ8_0) == 2 + kQK8_0, "BlockQ8_0 must match ggml's block_q8_0");
static_assert(sizeof(BlockQ5_0) == 2 + 4 + kQK5_0 / 2, "BlockQ5_0 must match ggml's block_q5_0");
static_assert(sizeof(BlockQ4K) == 2 * 2 + 12 + kQK_K / 2, "BlockQ4K must match ggml's block_q4_K");
static_assert(sizeof(BlockQ6K) == kQK_K / 2 + kQK_K / 4 + kQK_K / 16 + 2, "BlockQ6K must match ggml's block_q6_K");
static_assert(sizeof(BlockQ8K) == 4 + kQK_K + kQK_K / 16 * 2, "BlockQ8K must match ggml's block_q8_K");

// Values per block (1 for F32/F16/BF16) and bytes per block.
int64_t block_elements(QuantType t);
size_t block_bytes(QuantType t);
// Bytes of a row of n values: n / block_elements(t) * block_bytes(t).
size_t row_bytes(QuantType t, int64_t n);

// IEEE binary16: round to nearest even; overflow becomes inf, NaN stays a
// (quiet) NaN with its sign, subnormals are kept. Exact on the way up.
float fp16_to_fp32(uint16_t h);
uint16_t fp32_to_fp16(float f);
// bfloat16 as ggml: round to nearest even, NaN forced quiet, subnormals kept.
float bf16_to_fp32(uint16_t h);
uint16_t fp32_to_bf16(float f);

// dst[0..n) = the n values encoded at src (n % block_elements(t) == 0).
// Bit-identical to ggml's dequantize_row_* (and gguf-py's numpy port).
void dequantize_row(QuantType t, const void* src, float* dst, int64_t n);

// ggml's quantize_row_q8_0_ref: per block of 32, d = max|x| / 127 (as fp16),
// qs = round-half-away(x / d); all-zero blocks get d = 0. dst holds n / 32 blocks.
void quantize_row_q8_0(const float* src, void* dst, int64_t n);

// ggml's quantize_row_q8_K_ref: per block of 256, with xmax the value of
// largest magnitude (the first such), iscale = -127 / xmax,
// qs = min(127, round-half-even(x * iscale)) and d = 1 / iscale, so qs lies in
// [-127, 127] and x ~= d * qs; bsums as above. An all-zero block is all zero.
// dst holds n / 256 BlockQ8K.
void quantize_row_q8_k(const float* src, void* dst, int64_t n);
// x[i] = d * qs[i] (for tests and reference paths).
void dequantize_row_q8_k(const void* src, float* dst, int64_t n);

}  // namespace kbseek::kernels::quant
