// Scalar reference code for the ggml block formats. Loops follow the order of
// ggml-quants.c's dequantize_row_* so results are bit-identical (each value
// is one float product, or a product and a subtraction, in the same order).
#include "kernels/quant/quant_types.h"

#include <algorithm>
#include <cmath>
#include <cstring>

namespace kbseek::kernels::quant {
namespace {

uint32_t float_bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

float bits_float(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

void dequantize_q8_0(const BlockQ8_0* x, float* y, int64_t nb) {
  for (int64_t b = 0; b < nb; ++b, y += kQK8_0) {
    const float d = fp16_to_fp32(x[b].d);
    for (int i = 0; i < kQK8_0; ++i) y[i] = x[b].qs[i] * d;
  }
}

void dequantize_q5_0(const BlockQ5_0* x, float* y, int64_t nb) {
  for (int64_t b = 0; b < nb; ++b, y += kQK5_0) {
    const float d = fp16_to_fp32(x[b].d);
    uint32_t qh;
    std::memcpy(&qh, x[b].qh, sizeof qh);
    for (int j = 0; j < kQK5_0 / 2; ++j) {
      const int lo = (x[b].qs[j] & 0x0F) | (((qh >> j) & 1) << 4);
      const int hi = (x[b].qs[j] >> 4) | (((qh >> (j + 16)) & 1) << 4);
      y[j] = (lo - 16) * d;
      y[j + kQK5_0 / 2] = (hi - 16) * d;
    }
  }
}

// ggml's get_scale_min_k4.
void q4k_scale_min(int j, const uint8_t* s, int* sc, int* m) {
  if (j < 4) {
    *sc = s[j] & 63;
    *m = s[j + 4] & 63;
  } else {
    *sc = (s[j + 4] & 0x0F) | ((s[j - 4] >> 6) << 4);
    *m = (s[j + 4] >> 4) | ((s[j] >> 6) << 4);
  }
}

void dequantize_q4_k(const BlockQ4K* x, float* y, int64_t nb) {
  for (int64_t b = 0; b < nb; ++b) {
    const float d = fp16_to_fp32(x[b].d);
    const float dmin = fp16_to_fp32(x[b].dmin);
    const uint8_t* q = x[b].qs;
    for (int j = 0; j < 8; j += 2, q += 32) {
      int sc, m;
      q4k_scale_min(j, x[b].scales, &sc, &m);
      const float d1 = d * sc, m1 = dmin * m;
      q4k_scale_min(j + 1, x[b].scales, &sc, &m);
      const float d2 = d * sc, m2 = dmin * m;
      for (int l = 0; l < 32; ++l) *y++ = d1 * (q[l] & 0x0F) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * (q[l] >> 4) - m2;
    }
  }
}

void dequantize_q6_k(const BlockQ6K* x, float* y, int64_t nb) {
  for (int64_t b = 0; b < nb; ++b) {
    const float d = fp16_to_fp32(x[b].d);
    const uint8_t* ql = x[b].ql;
    const uint8_t* qh = x[b].qh;
    const int8_t* sc = x[b].scales;
    for (int half = 0; half < 2; ++half, y += 128, ql += 64, qh += 32, sc += 8) {
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = ((ql[l] & 0x0F) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0x0F) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l] = d * sc[is] * q1;
        y[l + 32] = d * sc[is + 2] * q2;
        y[l + 64] = d * sc[is + 4] * q3;
        y[l + 96] = d * sc[is + 6] * q4;
      }
    }
  }
}

}  // namespace

std::optional<QuantType> from_ggml_type_id(uint32_t id) {
  switch (id) {
    case 0: return QuantType::kF32;
    case 1: return QuantType::kF16;
    case 6: return QuantType::kQ5_0;
    case 8: return QuantType::kQ8_0;
    case 12: return QuantType::kQ4_K;
    case 14: return QuantType::kQ6_K;
    case 30: return QuantType::kBF16;
    default: return std::nullopt;
  }
}

uint32_t ggml_type_id(QuantType t) {
  switch (t) {
    case QuantType::kF32: return 0;
    case QuantType::kF16: return 1;
    case QuantType::kQ5_0: return 6;
    case QuantType::kQ8_0: return 8;
    case QuantType::kQ4_K: return 12;
    case QuantType::kQ6_K: return 14;
    case QuantType::kBF16: return 30;
  }
  return 0;
}

const char* name(QuantType t) {
  switch (t) {
    case QuantType::kF32: return "F32";
    case QuantType::kF16: return "F16";
    case QuantType::kBF16: return "BF16";
    case QuantType::kQ8_0: return "Q8_0";
    case QuantType::kQ5_0: return "Q5_0";
    case QuantType::kQ4_K: return "Q4_K";
    case QuantType::kQ6_K: return "Q6_K";
  }
  return "?";
}

int64_t block_elements(QuantType t) {
  switch (t) {
    case QuantType::kQ8_0: return kQK8_0;
    case QuantType::kQ5_0: return kQK5_0;
    case QuantType::kQ4_K:
    case QuantType::kQ6_K: return kQK_K;
    default: return 1;
  }
}

size_t block_bytes(QuantType t) {
  switch (t) {
    case QuantType::kF32: return 4;
    case QuantType::kF16:
    case QuantType::kBF16: return 2;
    case QuantType::kQ8_0: return sizeof(BlockQ8_0);
    case QuantType::kQ5_0: return sizeof(BlockQ5_0);
    case QuantType::kQ4_K: return sizeof(BlockQ4K);
    case QuantType::kQ6_K: return sizeof(BlockQ6K);
  }
  return 0;
}

size_t row_bytes(QuantType t, int64_t n) { return static_cast<size_t>(n / block_elements(t)) * block_bytes(t); }

float fp16_to_fp32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1Fu;
  uint32_t mant = h & 0x3FFu;
  if (exp == 0x1F) return bits_float(sign | 0x7F800000u | (mant << 13));
  if (exp != 0) return bits_float(sign | ((exp + 112) << 23) | (mant << 13));
  if (mant == 0) return bits_float(sign);
  // Subnormal: mant * 2^-24 is exact in float32.
  const float v = static_cast<float>(mant) * 0x1p-24f;
  return sign ? -v : v;
}

uint16_t fp32_to_fp16(float f) {
  const uint32_t x = float_bits(f);
  const uint16_t sign = static_cast<uint16_t>((x >> 16) & 0x8000u);
  const uint32_t a = x & 0x7FFFFFFFu;
  if (a > 0x7F800000u) return sign | 0x7E00u | ((a >> 13) & 0x3FFu);  // quiet NaN, top payload kept
  // 65520 is halfway between 65504 (odd mantissa) and 2^16, so it and all
  // above round to infinity.
  if (a >= 0x477FF000u) return sign | 0x7C00u;
  if (a >= 0x38800000u) {  // normal half: rebias the exponent, round the 13 dropped bits to even
    const uint32_t r = a + 0x0FFFu + ((a >> 13) & 1u);
    return sign | static_cast<uint16_t>((r - (112u << 23)) >> 13);
  }
  // 2^-25 (half the smallest subnormal) and below round to zero (ties to even).
  if (a <= 0x33000000u) return sign;
  // Subnormal half: value = m * 2^(e - 150) = (m >> shift) units of 2^-24.
  const uint32_t e = a >> 23;
  const uint32_t m = (a & 0x7FFFFFu) | 0x800000u;
  const uint32_t shift = 126 - e;
  uint32_t q = m >> shift;
  const uint32_t rem = m & ((1u << shift) - 1);
  const uint32_t halfway = 1u << (shift - 1);
  if (rem > halfway || (rem == halfway && (q & 1u))) ++q;  // q may carry into the smallest normal
  return sign | static_cast<uint16_t>(q);
}

float bf16_to_fp32(uint16_t h) { return bits_float(static_cast<uint32_t>(h) << 16); }

uint16_t fp32_to_bf16(float f) {
  const uint32_t u = float_bits(f);
  if ((u & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((u >> 16) | 64u);
  return static_cast<uint16_t>((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}

void dequantize_row(QuantType t, const void* src, float* dst, int64_t n) {
  const int64_t nb = n / block_elements(t);
  switch (t) {
    case QuantType::kF32:
      if (n > 0) std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));  // dst may be null when n == 0
      return;
    case QuantType::kF16:
    case QuantType::kBF16: {
      const auto* h = static_cast<const uint8_t*>(src);
      for (int64_t i = 0; i < n; ++i) {
        uint16_t v;
        std::memcpy(&v, h + 2 * i, sizeof v);
        dst[i] = t == QuantType::kF16 ? fp16_to_fp32(v) : bf16_to_fp32(v);
      }
      return;
    }
    case QuantType::kQ8_0: return dequantize_q8_0(static_cast<const BlockQ8_0*>(src), dst, nb);
    case QuantType::kQ5_0: return dequantize_q5_0(static_cast<const BlockQ5_0*>(src), dst, nb);
    case QuantType::kQ4_K: return dequantize_q4_k(static_cast<const BlockQ4K*>(src), dst, nb);
    case QuantType::kQ6_K: return dequantize_q6_k(static_cast<const BlockQ6K*>(src), dst, nb);
  }
}

void quantize_row_q8_0(const float* src, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ8_0*>(dst);
  for (int64_t b = 0; b < n / kQK8_0; ++b, src += kQK8_0) {
    float amax = 0.0f;
    for (int i = 0; i < kQK8_0; ++i) amax = std::max(amax, std::fabs(src[i]));
    const float d = amax / 127.0f;
    const float id = d != 0.0f ? 1.0f / d : 0.0f;
    y[b].d = fp32_to_fp16(d);
    for (int i = 0; i < kQK8_0; ++i) y[b].qs[i] = static_cast<int8_t>(std::round(src[i] * id));
  }
}

void quantize_row_q8_k(const float* src, void* dst, int64_t n) {
  auto* y = static_cast<BlockQ8K*>(dst);
  for (int64_t b = 0; b < n / kQK_K; ++b, src += kQK_K) {
    float amax = 0.0f, xmax = 0.0f;
    for (int i = 0; i < kQK_K; ++i) {
      const float ax = std::fabs(src[i]);
      if (ax > amax) {
        amax = ax;
        xmax = src[i];
      }
    }
    // ggml leaves bsums stale for a zero block; we zero the whole block.
    std::memset(&y[b], 0, sizeof(BlockQ8K));
    if (amax == 0.0f) continue;
    // -127, not -128: ggml's IQ kernels rely on qs never being -128.
    const float iscale = -127.0f / xmax;
    for (int i = 0; i < kQK_K; ++i) {
      const int v = static_cast<int>(std::nearbyint(iscale * src[i]));  // ggml's nearest_int: ties to even
      y[b].qs[i] = static_cast<int8_t>(std::min(127, v));
    }
    for (int k = 0; k < kQK_K / 16; ++k) {
      int sum = 0;
      for (int i = 0; i < 16; ++i) sum += y[b].qs[16 * k + i];
      y[b].bsums[k] = static_cast<int16_t>(sum);
    }
    y[b].d = 1.0f / iscale;
  }
}

void dequantize_row_q8_k(const void* src, float* dst, int64_t n) {
  const auto* x = static_cast<const BlockQ8K*>(src);
  for (int64_t b = 0; b < n / kQK_K; ++b, dst += kQK_K) {
    for (int i = 0; i < kQK_K; ++i) dst[i] = x[b].d * x[b].qs[i];
  }
}

}  // namespace kbseek::kernels::quant
