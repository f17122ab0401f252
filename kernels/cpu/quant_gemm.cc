// The CPU backend's quantized products: blocks kept as read from GGUF,
// unpacked per call a few weight rows at a time (quant_dot.h) and run
// against every activation row while the unpacked rows sit in L1, so the
// unpacking is paid once per weight row and activation block, not per
// output. Activations are quantized with quant_types.h's scalar ggml
// quantizers (bit-identical to ggml's reference ones).
#include "kernels/cpu/quant_gemm.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "kernels/cpu/cpu_ops.h"
#include "kernels/cpu/quant_dot.h"
#include "kernels/cpu/vec_math.h"

namespace kbseek::kernels::cpu {
namespace {

using qdot::ActRow;
using qdot::Scheme;
using qdot::WeightRow;

// Weight rows unpacked per kernel call: the AVX kernels' tile width.
constexpr int kTileRows = 2;
// Activation rows per pass over the weight tiles: their unpacked bytes stay
// within ~1.5 MB of L2 (a core here has 2 MB): a 128-row prefill of the
// 4864-wide down projection in one pass.
constexpr size_t kActBlockBytes = size_t{3} << 19;

struct alignas(64) Line {
  uint8_t b[64];
};

size_t round64(size_t n) { return (n + 63) / 64 * 64; }

// Where the unpacked arrays of one row start (bytes), and the row strides.
struct Layout {
  Scheme scheme;
  int n;  // values per row, padded to qdot::kPad
  int supers;
  size_t weight_stride, act_stride;
  size_t scale_at() const { return static_cast<size_t>(n); }
  size_t d_at() const { return 2 * static_cast<size_t>(n); }
  size_t dc_at() const { return d_at() + 4 * static_cast<size_t>(supers); }
  size_t coef_at() const { return dc_at() + 4 * static_cast<size_t>(supers); }
  size_t bsums_at() const { return d_at() + 4 * static_cast<size_t>(supers); }
};

Layout layout_for(quant::QuantType t, int in) {
  Layout l;
  const bool super = t == quant::QuantType::kQ4_K || t == quant::QuantType::kQ6_K;
  l.scheme = super ? Scheme::kSuper : Scheme::kBlock32;
  l.n = static_cast<int>(round64(static_cast<size_t>(in)));
  l.supers = super ? in / qdot::kSuperValues : 0;
  l.weight_stride = round64(2 * static_cast<size_t>(l.n) + 40 * static_cast<size_t>(l.supers));
  l.act_stride = round64(2 * static_cast<size_t>(l.n) + 36 * static_cast<size_t>(l.supers));
  return l;
}

WeightRow weight_view(const Layout& l, const uint8_t* p) {
  return {p,
          reinterpret_cast<const int16_t*>(p + l.scale_at()),
          reinterpret_cast<const float*>(p + l.scale_at()),
          reinterpret_cast<const float*>(p + l.d_at()),
          reinterpret_cast<const float*>(p + l.dc_at()),
          reinterpret_cast<const int16_t*>(p + l.coef_at())};
}

ActRow act_view(const Layout& l, const uint8_t* p) {
  return {reinterpret_cast<const int8_t*>(p), reinterpret_cast<const float*>(p + l.scale_at()),
          reinterpret_cast<const float*>(p + l.d_at()), reinterpret_cast<const int16_t*>(p + l.bsums_at())};
}

// --- weight unpacking (quant_types.h gives the block layouts) ---------------

KB_CPU_DISPATCH void unpack_q4_k(const quant::BlockQ4K* b, int supers, uint8_t* q, int16_t* scale, float* d, float* dc,
                                 int16_t* coef) {
  for (int s = 0; s < supers; ++s, q += 256, scale += 128, coef += 16) {
    const uint8_t* sp = b[s].scales;
    for (int j = 0; j < 8; ++j) {
      const int sc = j < 4 ? sp[j] & 63 : (sp[j + 4] & 15) | ((sp[j - 4] >> 6) << 4);
      const int m = j < 4 ? sp[j + 4] & 63 : (sp[j + 4] >> 4) | ((sp[j] >> 6) << 4);
      for (int p = 0; p < 16; ++p) scale[16 * j + p] = static_cast<int16_t>(sc);
      coef[2 * j] = coef[2 * j + 1] = static_cast<int16_t>(m);
    }
    for (int k = 0; k < 4; ++k) {
      for (int l = 0; l < 32; ++l) {
        q[64 * k + l] = b[s].qs[32 * k + l] & 15;
        q[64 * k + 32 + l] = b[s].qs[32 * k + l] >> 4;
      }
    }
    d[s] = quant::fp16_to_fp32(b[s].d);
    dc[s] = quant::fp16_to_fp32(b[s].dmin);
  }
}

KB_CPU_DISPATCH void unpack_q6_k(const quant::BlockQ6K* b, int supers, uint8_t* q, int16_t* scale, float* d, float* dc,
                                 int16_t* coef) {
  for (int s = 0; s < supers; ++s, q += 256, scale += 128, coef += 16) {
    for (int h = 0; h < 2; ++h) {
      const uint8_t* lo = b[s].ql + 64 * h;
      const uint8_t* hi = b[s].qh + 32 * h;
      uint8_t* out = q + 128 * h;
      for (int l = 0; l < 32; ++l) {
        out[l] = (lo[l] & 15) | (((hi[l] >> 0) & 3) << 4);
        out[l + 32] = (lo[l + 32] & 15) | (((hi[l] >> 2) & 3) << 4);
        out[l + 64] = (lo[l] >> 4) | (((hi[l] >> 4) & 3) << 4);
        out[l + 96] = (lo[l + 32] >> 4) | (((hi[l] >> 6) & 3) << 4);
      }
    }
    for (int j = 0; j < 16; ++j) {
      for (int p = 0; p < 8; ++p) scale[8 * j + p] = b[s].scales[j];
      coef[j] = static_cast<int16_t>(32 * b[s].scales[j]);
    }
    d[s] = dc[s] = quant::fp16_to_fp32(b[s].d);
  }
}

KB_CPU_DISPATCH void unpack_q8_0(const quant::BlockQ8_0* b, int blocks, uint8_t* q, float* ws) {
  for (int i = 0; i < blocks; ++i, q += 32, ws += 8) {
    std::memcpy(q, b[i].qs, 32);
    const float d = quant::fp16_to_fp32(b[i].d);
    for (int l = 0; l < 8; ++l) ws[l] = d;
  }
}

// Q5_0 codes minus 16, 8 values per 64-bit word: with the fifth bit set,
// code - 16 is the low nibble; without it, the nibble | 0xF0 (as int8).
// Byte k of kFifthBits[v] is that 0x00 / 0xF0 for bit k of v. (A per-value
// bit-shift loop that GCC left scalar made single-row Q5_0 products 4×
// slower than Q8_0's.)
struct FifthBits {
  uint64_t v[256];
  constexpr FifthBits() : v() {
    for (int b = 0; b < 256; ++b)
      for (int k = 0; k < 8; ++k) v[b] |= static_cast<uint64_t>(((b >> k) & 1) ? 0x00 : 0xF0) << (8 * k);
  }
};
constexpr FifthBits kFifthBits;

void unpack_q5_0(const quant::BlockQ5_0* b, int blocks, uint8_t* q, float* ws) {
  constexpr uint64_t kLow = 0x0F0F0F0F0F0F0F0FULL;
  for (int i = 0; i < blocks; ++i, q += 32, ws += 8) {
    uint64_t qs[2];
    std::memcpy(qs, b[i].qs, 16);
    const uint64_t out[4] = {(qs[0] & kLow) | kFifthBits.v[b[i].qh[0]], (qs[1] & kLow) | kFifthBits.v[b[i].qh[1]],
                             ((qs[0] >> 4) & kLow) | kFifthBits.v[b[i].qh[2]],
                             ((qs[1] >> 4) & kLow) | kFifthBits.v[b[i].qh[3]]};
    std::memcpy(q, out, 32);
    const float d = quant::fp16_to_fp32(b[i].d);
    for (int l = 0; l < 8; ++l) ws[l] = d;
  }
}

void unpack_weight_row(quant::QuantType t, const Layout& l, int in, const uint8_t* src, uint8_t* dst) {
  auto* scale = reinterpret_cast<int16_t*>(dst + l.scale_at());
  auto* ws = reinterpret_cast<float*>(dst + l.scale_at());
  auto* d = reinterpret_cast<float*>(dst + l.d_at());
  auto* dc = reinterpret_cast<float*>(dst + l.dc_at());
  auto* coef = reinterpret_cast<int16_t*>(dst + l.coef_at());
  switch (t) {
    case quant::QuantType::kQ4_K:
      unpack_q4_k(reinterpret_cast<const quant::BlockQ4K*>(src), l.supers, dst, scale, d, dc, coef);
      return;
    case quant::QuantType::kQ6_K:
      unpack_q6_k(reinterpret_cast<const quant::BlockQ6K*>(src), l.supers, dst, scale, d, dc, coef);
      return;
    case quant::QuantType::kQ8_0:
    case quant::QuantType::kQ5_0:
      if (t == quant::QuantType::kQ8_0) {
        unpack_q8_0(reinterpret_cast<const quant::BlockQ8_0*>(src), in / 32, dst, ws);
      } else {
        unpack_q5_0(reinterpret_cast<const quant::BlockQ5_0*>(src), in / 32, dst, ws);
      }
      // A 32-value tail up to the 64-value step: zero codes and scales.
      std::memset(dst + in, 0, static_cast<size_t>(l.n - in));
      std::memset(ws + in / 4, 0, static_cast<size_t>(l.n - in));
      return;
    default: return;
  }
}

// --- activation quantization (ggml's reference quantizers) -----------------

void quantize_act_row(const Layout& l, int in, const float* x, uint8_t* dst) {
  if (l.scheme == Scheme::kSuper) {
    thread_local std::vector<quant::BlockQ8K> blocks;
    blocks.resize(static_cast<size_t>(l.supers));
    quant::quantize_row_q8_k(x, blocks.data(), in);
    auto* d = reinterpret_cast<float*>(dst + l.d_at());
    auto* bsums = reinterpret_cast<int16_t*>(dst + l.bsums_at());
    for (int s = 0; s < l.supers; ++s) {
      std::memcpy(dst + 256 * static_cast<size_t>(s), blocks[s].qs, 256);
      d[s] = blocks[s].d;
      std::memcpy(bsums + 16 * s, blocks[s].bsums, sizeof blocks[s].bsums);
    }
    return;
  }
  thread_local std::vector<quant::BlockQ8_0> blocks;
  blocks.resize(static_cast<size_t>(in / 32));
  quant::quantize_row_q8_0(x, blocks.data(), in);
  auto* as = reinterpret_cast<float*>(dst + l.scale_at());
  for (int i = 0; i < in / 32; ++i) {
    std::memcpy(dst + 32 * static_cast<size_t>(i), blocks[i].qs, 32);
    const float d = quant::fp16_to_fp32(blocks[i].d);
    for (int k = 0; k < 8; ++k) as[8 * i + k] = d;
  }
  std::memset(dst + in, 0, static_cast<size_t>(l.n - in));
  std::memset(as + in / 4, 0, static_cast<size_t>(l.n - in));
}

// --- the prepared weights ----------------------------------------------------

class QuantWeights final : public PreparedWeights {
 public:
  QuantWeights(const void* blocks, quant::QuantType t, int out, int in)
      : PreparedWeights(out, in, WeightFormat::kQuantized),
        type_(t),
        row_bytes_(quant::row_bytes(t, in)),
        bytes_(static_cast<const uint8_t*>(blocks), static_cast<const uint8_t*>(blocks) + row_bytes_ * out) {}
  quant::QuantType type() const { return type_; }
  const uint8_t* row(int o) const { return bytes_.data() + row_bytes_ * static_cast<size_t>(o); }

 private:
  quant::QuantType type_;
  size_t row_bytes_;
  std::vector<uint8_t> bytes_;
};

using TileKernel = void (*)(Scheme, int, const WeightRow*, int, const ActRow*, int, float*, size_t);

TileKernel kernel_for(QuantIsa isa) {
  switch (isa) {
    case QuantIsa::kAvx512Vnni: return qdot::dot_tile_avx512;
    case QuantIsa::kAvx2: return qdot::dot_tile_avx2;
    case QuantIsa::kScalar: break;
  }
  return qdot::dot_tile_scalar;
}

QuantIsa detect_isa() {
#if defined(__x86_64__) && defined(__GNUC__)
  __builtin_cpu_init();
  // libgcc's feature bits include the OS's XSAVE support for the registers.
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vnni")) {
    return QuantIsa::kAvx512Vnni;
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return QuantIsa::kAvx2;
#endif
  return QuantIsa::kScalar;
}

}  // namespace

const char* quant_isa_name(QuantIsa isa) {
  switch (isa) {
    case QuantIsa::kScalar: return "scalar";
    case QuantIsa::kAvx2: return "avx2";
    case QuantIsa::kAvx512Vnni: return "avx512-vnni";
  }
  return "unknown";
}

QuantIsa best_quant_isa() {
  static const QuantIsa kBest = detect_isa();
  return kBest;
}

bool supports_quantized(quant::QuantType t) {
  return t == quant::QuantType::kQ4_K || t == quant::QuantType::kQ6_K || t == quant::QuantType::kQ5_0 ||
         t == quant::QuantType::kQ8_0;
}

core::Result<std::unique_ptr<PreparedWeights>> prepare_quantized(const void* blocks, quant::QuantType t, int out,
                                                                 int in) {
  const std::string what = std::string(quant::name(t)) + " [" + std::to_string(out) + " x " + std::to_string(in) + "]";
  if (!supports_quantized(t)) {
    return core::Status::invalid_argument("prepare_quantized: " + what +
                                          ": the CPU takes Q4_K, Q6_K, Q5_0 and Q8_0 weights only");
  }
  if (out <= 0 || in <= 0) return core::Status::invalid_argument("prepare_quantized: empty matrix " + what);
  const int64_t block = quant::block_elements(t);
  if (in % block != 0) {
    return core::Status::invalid_argument("prepare_quantized: " + what + ": in must be a multiple of " +
                                          std::to_string(block) + " (the block)");
  }
  if (blocks == nullptr) return core::Status::invalid_argument("prepare_quantized: " + what + ": no data");
  return std::unique_ptr<PreparedWeights>(new QuantWeights(blocks, t, out, in));
}

core::Status quant_linear(const float* x, int rows, const PreparedWeights& w, float* y) {
  return quant_linear_isa(x, rows, w, y, best_quant_isa());
}

core::Status quant_linear_isa(const float* x, int rows, const PreparedWeights& w, float* y, QuantIsa isa) {
  const auto* qw = dynamic_cast<const QuantWeights*>(&w);
  if (qw == nullptr) return core::Status::invalid_argument("linear_prepared: weights prepared by another backend");
  if (isa > best_quant_isa()) {
    return core::Status::invalid_argument(std::string("quant_linear: this CPU lacks ") + quant_isa_name(isa));
  }
  if (rows <= 0) return core::Status::ok();
  const int in = w.in(), out = w.out();
  const Layout l = layout_for(qw->type(), in);

  // By pointer into the lambdas: there `acts` would name the worker's own buffer.
  thread_local std::vector<Line> acts;
  thread_local std::vector<ActRow> act_rows;
  acts.resize(static_cast<size_t>(rows) * l.act_stride / sizeof(Line));
  uint8_t* act_base = acts[0].b;
  parallel_for(static_cast<size_t>(rows), 6.0 * in, [&](size_t rb, size_t re) {
    for (size_t r = rb; r < re; ++r) quantize_act_row(l, in, x + r * in, act_base + r * l.act_stride);
  });
  act_rows.resize(static_cast<size_t>(rows));
  for (int r = 0; r < rows; ++r) act_rows[r] = act_view(l, act_base + static_cast<size_t>(r) * l.act_stride);
  const ActRow* ap = act_rows.data();

  const TileKernel kernel = kernel_for(isa);
  const int tiles = (out + kTileRows - 1) / kTileRows;
  const int row_block = static_cast<int>(std::max<size_t>(16, kActBlockBytes / l.act_stride));
  parallel_for(static_cast<size_t>(tiles), 2.0 * rows * in * kTileRows, [&](size_t tb, size_t te) {
    thread_local std::vector<Line> unpacked;
    unpacked.resize(kTileRows * l.weight_stride / sizeof(Line));
    WeightRow wr[kTileRows];
    for (int r0 = 0; r0 < rows; r0 += row_block) {
      const int nr = std::min(row_block, rows - r0);
      for (size_t t = tb; t < te; ++t) {
        const int o0 = static_cast<int>(t) * kTileRows, nw = std::min(kTileRows, out - o0);
        for (int i = 0; i < nw; ++i) {
          uint8_t* dst = unpacked[0].b + i * l.weight_stride;
          unpack_weight_row(qw->type(), l, in, qw->row(o0 + i), dst);
          wr[i] = weight_view(l, dst);
        }
        kernel(l.scheme, l.n, wr, nw, ap + r0, nr, y + static_cast<size_t>(r0) * out + o0, static_cast<size_t>(out));
      }
    }
  });
  return core::Status::ok();
}

}  // namespace kbseek::kernels::cpu
