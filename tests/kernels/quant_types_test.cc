// ggml block formats: hand-packed blocks whose values follow from the
// documented formulas, fp16/bf16 rounding at its edges, and the Q8_0 / Q8_K
// quantizers' round-trip bounds.
#include "kernels/quant/quant_types.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace kbseek::kernels::quant {
namespace {

uint32_t bits(float f) {
  uint32_t u;
  std::memcpy(&u, &f, sizeof u);
  return u;
}

float from_bits(uint32_t u) {
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

TEST(QuantTypes, GgmlIdsNamesAndSizes) {
  const struct {
    uint32_t id;
    QuantType t;
    const char* name;
    int64_t elems;
    size_t bytes;
  } kCases[] = {
      {0, QuantType::kF32, "F32", 1, 4},        {1, QuantType::kF16, "F16", 1, 2},
      {30, QuantType::kBF16, "BF16", 1, 2},     {8, QuantType::kQ8_0, "Q8_0", 32, 34},
      {6, QuantType::kQ5_0, "Q5_0", 32, 22},    {12, QuantType::kQ4_K, "Q4_K", 256, 144},
      {14, QuantType::kQ6_K, "Q6_K", 256, 210},
  };
  for (const auto& c : kCases) {
    ASSERT_EQ(from_ggml_type_id(c.id), c.t) << c.name;
    EXPECT_EQ(ggml_type_id(c.t), c.id);
    EXPECT_STREQ(name(c.t), c.name);
    EXPECT_EQ(block_elements(c.t), c.elems);
    EXPECT_EQ(block_bytes(c.t), c.bytes);
    EXPECT_EQ(row_bytes(c.t, 4 * c.elems), 4 * c.bytes);
  }
  for (uint32_t unsupported : {2u, 3u, 7u, 9u, 10u, 11u, 13u, 15u, 31u, 1000u}) {
    EXPECT_FALSE(from_ggml_type_id(unsupported).has_value()) << unsupported;
  }
  EXPECT_EQ(sizeof(BlockQ8K), 292u);
}

TEST(Fp16, KnownValues) {
  EXPECT_EQ(fp16_to_fp32(0x3C00), 1.0f);
  EXPECT_EQ(fp16_to_fp32(0xC000), -2.0f);
  EXPECT_EQ(fp16_to_fp32(0x7BFF), 65504.0f);
  EXPECT_EQ(fp16_to_fp32(0x0400), std::ldexp(1.0f, -14));
  EXPECT_EQ(fp16_to_fp32(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(fp16_to_fp32(0x83FF), -1023 * std::ldexp(1.0f, -24));
  EXPECT_EQ(bits(fp16_to_fp32(0x8000)), 0x80000000u);
  EXPECT_EQ(fp16_to_fp32(0x7C00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(fp16_to_fp32(0xFC00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(fp16_to_fp32(0x7E00)));
  EXPECT_TRUE(std::isnan(fp16_to_fp32(0x7C01)));
}

TEST(Fp16, EveryHalfRoundTrips) {
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = fp16_to_fp32(static_cast<uint16_t>(h));
    const uint16_t back = fp32_to_fp16(f);
    if (std::isnan(f)) {
      EXPECT_EQ(back, h | 0x0200u) << std::hex << h;  // made quiet, sign and payload kept
    } else {
      EXPECT_EQ(back, h) << std::hex << h;
    }
  }
}

TEST(Fp16, RoundsToNearestEven) {
  const float ulp1 = std::ldexp(1.0f, -10);
  EXPECT_EQ(fp32_to_fp16(1.0f + ulp1 / 2), 0x3C00);      // tie, even below
  EXPECT_EQ(fp32_to_fp16(1.0f + 3 * ulp1 / 2), 0x3C02);  // tie, even above
  EXPECT_EQ(fp32_to_fp16(1.0f + ulp1 / 2 + ulp1 / 1024), 0x3C01);
  EXPECT_EQ(fp32_to_fp16(-1.0f - ulp1 / 2 - ulp1 / 1024), 0xBC01);
  EXPECT_EQ(fp32_to_fp16(65519.0f), 0x7BFF);
  EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7C00);  // halfway to 2^16 rounds to infinity
  EXPECT_EQ(fp32_to_fp16(1e10f), 0x7C00);
  EXPECT_EQ(fp32_to_fp16(-1e10f), 0xFC00);
  EXPECT_EQ(fp32_to_fp16(std::numeric_limits<float>::infinity()), 0x7C00);
  // Subnormal halves: units of 2^-24.
  const float unit = std::ldexp(1.0f, -24);
  EXPECT_EQ(fp32_to_fp16(unit / 2), 0x0000);  // tie with zero
  EXPECT_EQ(fp32_to_fp16(unit / 2 * 1.0001f), 0x0001);
  EXPECT_EQ(fp32_to_fp16(3 * unit / 2), 0x0002);    // tie, even above
  EXPECT_EQ(fp32_to_fp16(5 * unit / 2), 0x0002);    // tie, even below
  EXPECT_EQ(fp32_to_fp16(1023.5f * unit), 0x0400);  // carries into the smallest normal
  EXPECT_EQ(fp32_to_fp16(-7 * unit), 0x8007);
  EXPECT_EQ(fp32_to_fp16(1e-10f), 0x0000);
  EXPECT_EQ(fp32_to_fp16(-1e-10f), 0x8000);
  EXPECT_EQ(fp32_to_fp16(std::numeric_limits<float>::denorm_min()), 0x0000);
  const uint16_t nan = fp32_to_fp16(std::numeric_limits<float>::quiet_NaN());
  EXPECT_EQ(nan & 0x7C00, 0x7C00);
  EXPECT_NE(nan & 0x03FF, 0);
}

// Against a definition-level check: the chosen half is at least as close as
// both neighbours, and on a tie it is the even one.
TEST(Fp16, RandomFloatsRoundToNearest) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> log_mag(-26.0f, 16.0f);
  for (int i = 0; i < 200000; ++i) {
    float f = std::exp2(log_mag(rng));
    if (i & 1) f = -f;
    const uint16_t h = fp32_to_fp16(f);
    if ((h & 0x7FFF) == 0x7C00) {  // infinity: only from 65520 up
      ASSERT_GE(std::fabs(f), 65520.0f) << f;
      continue;
    }
    ASSERT_LT(std::fabs(f), 65520.0f) << f;
    const double err = std::fabs(static_cast<double>(f) - fp16_to_fp32(h));
    for (int step : {-1, 1}) {
      const uint16_t n = static_cast<uint16_t>(h + step);
      if ((n & 0x7FFF) >= 0x7C00 || (n & 0x8000) != (h & 0x8000)) continue;
      const double err_n = std::fabs(static_cast<double>(f) - fp16_to_fp32(n));
      ASSERT_LE(err, err_n) << f;
      if (err == err_n) {
        ASSERT_EQ(h & 1, 0) << f;
      }
    }
  }
}

TEST(Bf16, RoundingInfNanSubnormals) {
  EXPECT_EQ(fp32_to_bf16(1.0f), 0x3F80);
  EXPECT_EQ(bf16_to_fp32(0x3F80), 1.0f);
  EXPECT_EQ(bf16_to_fp32(0xC0A0), -5.0f);
  EXPECT_EQ(fp32_to_bf16(from_bits(0x3F808000)), 0x3F80);  // tie, even below
  EXPECT_EQ(fp32_to_bf16(from_bits(0x3F818000)), 0x3F82);  // tie, even above
  EXPECT_EQ(fp32_to_bf16(from_bits(0x3F808001)), 0x3F81);
  EXPECT_EQ(fp32_to_bf16(from_bits(0xBF80FFFF)), 0xBF81);
  EXPECT_EQ(fp32_to_bf16(std::numeric_limits<float>::infinity()), 0x7F80);
  EXPECT_EQ(fp32_to_bf16(-std::numeric_limits<float>::infinity()), 0xFF80);
  EXPECT_EQ(fp32_to_bf16(std::numeric_limits<float>::max()), 0x7F80);  // rounds up to infinity
  EXPECT_EQ(fp32_to_bf16(from_bits(0x7F800001)), 0x7FC0);              // signalling NaN made quiet
  EXPECT_EQ(fp32_to_bf16(from_bits(0xFFC12345)), 0xFFC1);
  EXPECT_EQ(fp32_to_bf16(from_bits(0x00018000)), 0x0002);  // subnormals are kept
  EXPECT_EQ(fp32_to_bf16(from_bits(0x00008000)), 0x0000);
  EXPECT_EQ(bits(bf16_to_fp32(0x0001)), 0x00010000u);
  for (uint32_t h = 0; h < 0x10000; ++h) {
    const float f = bf16_to_fp32(static_cast<uint16_t>(h));
    if (!std::isnan(f)) {
      ASSERT_EQ(fp32_to_bf16(f), h);
    }
  }
}

TEST(Dequantize, FloatTypes) {
  const float f32[4] = {1.5f, -2.0f, 0.0f, 3.25f};
  const uint16_t f16[4] = {0x3E00, 0xC000, 0x0000, 0x4280};
  const uint16_t bf16[4] = {0x3FC0, 0xC000, 0x0000, 0x4050};
  float out[4];
  dequantize_row(QuantType::kF32, f32, out, 4);
  EXPECT_EQ(std::vector<float>(out, out + 4), std::vector<float>(f32, f32 + 4));
  dequantize_row(QuantType::kF16, f16, out, 4);
  EXPECT_EQ(std::vector<float>(out, out + 4), std::vector<float>(f32, f32 + 4));
  dequantize_row(QuantType::kBF16, bf16, out, 4);
  EXPECT_EQ(std::vector<float>(out, out + 4), std::vector<float>(f32, f32 + 4));
}

TEST(Dequantize, Q8_0) {
  BlockQ8_0 b[2];
  b[0].d = fp32_to_fp16(0.5f);
  b[1].d = fp32_to_fp16(-0.125f);
  for (int i = 0; i < 32; ++i) {
    b[0].qs[i] = static_cast<int8_t>(i - 16);
    b[1].qs[i] = static_cast<int8_t>(i % 2 ? 127 : -128);
  }
  float out[64];
  dequantize_row(QuantType::kQ8_0, b, out, 64);
  for (int i = 0; i < 32; ++i) {
    EXPECT_EQ(out[i], 0.5f * (i - 16)) << i;
    EXPECT_EQ(out[32 + i], -0.125f * (i % 2 ? 127 : -128)) << i;
  }
}

TEST(Dequantize, Q5_0) {
  BlockQ5_0 b{};
  b.d = fp32_to_fp16(0.25f);
  int q[32];
  uint32_t qh = 0;
  for (int i = 0; i < 32; ++i) {
    q[i] = (i * 7 + 3) % 32;  // every code 0..31 once
    qh |= static_cast<uint32_t>(q[i] >> 4) << i;
  }
  for (int j = 0; j < 16; ++j) b.qs[j] = static_cast<uint8_t>((q[j] & 15) | (q[j + 16] & 15) << 4);
  std::memcpy(b.qh, &qh, 4);
  float out[32];
  dequantize_row(QuantType::kQ5_0, &b, out, 32);
  for (int i = 0; i < 32; ++i) EXPECT_EQ(out[i], 0.25f * (q[i] - 16)) << i;
}

TEST(Dequantize, Q4K) {
  // Six-bit scales and mins that use the high bits of the packing.
  const int sc[8] = {1, 63, 17, 32, 5, 48, 0, 33};
  const int m[8] = {0, 2, 63, 16, 40, 7, 31, 60};
  BlockQ4K b{};
  b.d = fp32_to_fp16(0.0625f);
  b.dmin = fp32_to_fp16(0.015625f);
  for (int j = 0; j < 4; ++j) {
    b.scales[j] = static_cast<uint8_t>(sc[j] | (sc[j + 4] >> 4) << 6);
    b.scales[j + 4] = static_cast<uint8_t>(m[j] | (m[j + 4] >> 4) << 6);
    b.scales[j + 8] = static_cast<uint8_t>((sc[j + 4] & 15) | (m[j + 4] & 15) << 4);
  }
  int q[256];
  for (int v = 0; v < 256; ++v) q[v] = (v * 5 + v / 32) % 16;
  for (int k = 0; k < 4; ++k) {
    for (int l = 0; l < 32; ++l) b.qs[32 * k + l] = static_cast<uint8_t>(q[64 * k + l] | q[64 * k + 32 + l] << 4);
  }
  float out[256];
  dequantize_row(QuantType::kQ4_K, &b, out, 256);
  for (int v = 0; v < 256; ++v) {
    const int j = v / 32;  // sub-block
    EXPECT_EQ(out[v], 0.0625 * sc[j] * q[v] - 0.015625 * m[j]) << v;
  }
}

TEST(Dequantize, Q6K) {
  BlockQ6K b{};
  b.d = fp32_to_fp16(0.125f);
  int q[256];
  for (int v = 0; v < 256; ++v) q[v] = (v * 11 + 5) % 64;
  for (int s = 0; s < 16; ++s) b.scales[s] = static_cast<int8_t>(s % 2 ? -128 + 9 * s : 127 - 5 * s);
  for (int v = 0; v < 256; ++v) {
    const int h = v / 128, r = (v % 128) / 32, l = v % 32;
    uint8_t& low = b.ql[64 * h + l + (r & 1) * 32];
    low |= static_cast<uint8_t>((q[v] & 15) << (r >= 2 ? 4 : 0));
    b.qh[32 * h + l] |= static_cast<uint8_t>((q[v] >> 4) << (2 * r));
  }
  float out[256];
  dequantize_row(QuantType::kQ6_K, &b, out, 256);
  for (int v = 0; v < 256; ++v) EXPECT_EQ(out[v], 0.125 * b.scales[v / 16] * (q[v] - 32)) << v;
}

TEST(QuantizeQ8, Q8_0RoundTrip) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> u(-3.0f, 3.0f);
  std::vector<float> x(1024);
  for (float& v : x) v = u(rng);
  std::fill(x.begin() + 64, x.begin() + 96, 0.0f);                          // an all-zero block
  for (int i = 0; i < 32; ++i) x[96 + i] = static_cast<float>(i - 20) * 4;  // exactly representable: d = 4... /127
  std::vector<BlockQ8_0> q(x.size() / 32);
  quantize_row_q8_0(x.data(), q.data(), static_cast<int64_t>(x.size()));
  std::vector<float> y(x.size());
  dequantize_row(QuantType::kQ8_0, q.data(), y.data(), static_cast<int64_t>(x.size()));
  for (size_t b = 0; b < q.size(); ++b) {
    float amax = 0;
    for (int i = 0; i < 32; ++i) amax = std::max(amax, std::fabs(x[32 * b + i]));
    // Half a step, plus the fp16 rounding of d scaled up to the largest code.
    const float bound = amax / 127 * 0.5f + amax * std::ldexp(1.0f, -11) * 1.01f;
    for (int i = 0; i < 32; ++i) ASSERT_LE(std::fabs(x[32 * b + i] - y[32 * b + i]), bound) << b << " " << i;
  }
  EXPECT_EQ(q[2].d, 0);
  for (int i = 0; i < 32; ++i) EXPECT_EQ(q[2].qs[i], 0);
  EXPECT_EQ(q[3].qs[0], -127);  // the largest magnitude maps to -127
}

TEST(QuantizeQ8, Q8KRoundTripAndBsums) {
  std::mt19937 rng(13);
  std::normal_distribution<float> g(0.0f, 2.0f);
  std::vector<float> x(1024);
  for (float& v : x) v = g(rng);
  std::fill(x.begin() + 256, x.begin() + 512, 0.0f);
  // Block 3: xmax = 127 makes iscale = -1, so ties show the rounding rule.
  for (int i = 0; i < 256; ++i) x[768 + i] = 0.0f;
  x[768] = 127.0f;
  x[769] = 2.5f;
  x[770] = 3.5f;
  x[771] = -126.5f;
  std::vector<BlockQ8K> q(4);
  quantize_row_q8_k(x.data(), q.data(), 1024);
  std::vector<float> y(1024);
  dequantize_row_q8_k(q.data(), y.data(), 1024);
  for (int b = 0; b < 4; ++b) {
    for (int k = 0; k < 16; ++k) {
      int sum = 0;
      for (int i = 0; i < 16; ++i) sum += q[b].qs[16 * k + i];
      EXPECT_EQ(q[b].bsums[k], sum) << b << " " << k;
    }
    for (int i = 0; i < 256; ++i) {
      ASSERT_GE(q[b].qs[i], -127);
      ASSERT_LE(std::fabs(x[256 * b + i] - y[256 * b + i]), std::fabs(q[b].d) * 0.5f * 1.0001f) << b << " " << i;
    }
  }
  EXPECT_EQ(q[1].d, 0.0f);
  EXPECT_EQ(q[3].d, -1.0f);
  EXPECT_EQ(q[3].qs[0], -127);
  EXPECT_EQ(q[3].qs[1], -2);   // -2.5 to even
  EXPECT_EQ(q[3].qs[2], -4);   // -3.5 to even
  EXPECT_EQ(q[3].qs[3], 126);  // 126.5 to even
}

}  // namespace
}  // namespace kbseek::kernels::quant
