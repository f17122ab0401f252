// The CPU backend's prepared weights: fp32 as given (OpenBLAS sgemm through
// cpu::linear), bf16 packed once for the VDPBF16PS kernel (bf16_gemm.h), or
// int8 quantized and packed once for the VPDPBUSD kernel (int8_gemm.h).
// The packing transposes W [out × in] into the kernel's B = Wᵀ [in × out]
// at load, so no forward pays for it.
#include "kernels/cpu/prepared_weights.h"

#include <vector>

#include "kernels/cpu/bf16_gemm.h"
#include "kernels/cpu/cpu_ops.h"
#include "kernels/cpu/int8_gemm.h"

namespace kbseek::kernels::cpu {
namespace {

class F32Weights final : public PreparedWeights {
 public:
  F32Weights(const float* w, int out, int in)
      : PreparedWeights(out, in, WeightFormat::kF32), w_(w, w + static_cast<size_t>(out) * in) {}
  const float* data() const { return w_.data(); }

 private:
  std::vector<float> w_;
};

class Bf16Weights final : public PreparedWeights {
 public:
  Bf16Weights(const float* w, int out, int in) : PreparedWeights(out, in, WeightFormat::kBF16) {
    std::vector<float> t(static_cast<size_t>(in) * out);
    for (int o = 0; o < out; ++o) {
      for (int i = 0; i < in; ++i) t[static_cast<size_t>(i) * out + o] = w[static_cast<size_t>(o) * in + i];
    }
    packed_ = bf16::PackedB(t.data(), in, out);
  }
  const bf16::PackedB& packed() const { return packed_; }

 private:
  bf16::PackedB packed_;
};

class Int8Weights final : public PreparedWeights {
 public:
  Int8Weights(const float* w, int out, int in) : PreparedWeights(out, in, WeightFormat::kInt8), packed_(w, out, in) {}
  const int8::PackedW& packed() const { return packed_; }

 private:
  int8::PackedW packed_;
};

}  // namespace

bool supports_weights(WeightFormat f) {
  switch (f) {
    case WeightFormat::kF32: return true;
    case WeightFormat::kBF16: return bf16::available();
    case WeightFormat::kInt8: return int8::available();
    case WeightFormat::kQuantized: return false;
  }
  return false;
}

core::Result<std::unique_ptr<PreparedWeights>> prepare_weights(const float* w, int out, int in, WeightFormat f) {
  const std::string shape = "[" + std::to_string(out) + " x " + std::to_string(in) + "]";
  if (out <= 0 || in <= 0) return core::Status::invalid_argument("prepare_weights: empty matrix " + shape);
  if (f == WeightFormat::kF32) return std::unique_ptr<PreparedWeights>(new F32Weights(w, out, in));
  if (f == WeightFormat::kInt8) {
    if (!int8::available()) {
      return core::Status::invalid_argument("prepare_weights: int8 needs AVX2 (or AVX512-VNNI), which this CPU lacks");
    }
    return std::unique_ptr<PreparedWeights>(new Int8Weights(w, out, in));
  }
  if (f != WeightFormat::kBF16) {
    return core::Status::invalid_argument(std::string("prepare_weights: ") + weight_format_name(f) +
                                          " weights are not made here");
  }
  if (!bf16::available()) {
    return core::Status::invalid_argument("prepare_weights: bf16 needs AVX512-BF16, which this CPU lacks");
  }
  if (in % 2 != 0 || out % 16 != 0) {
    return core::Status::invalid_argument("prepare_weights: bf16 needs in % 2 == 0 and out % 16 == 0, got " + shape);
  }
  return std::unique_ptr<PreparedWeights>(new Bf16Weights(w, out, in));
}

core::Status linear_prepared(const float* x, int rows, const PreparedWeights& w, float* y) {
  if (const auto* f = dynamic_cast<const F32Weights*>(&w)) {
    linear(x, rows, w.in(), f->data(), nullptr, y, w.out());
    return core::Status::ok();
  }
  if (const auto* b = dynamic_cast<const Bf16Weights*>(&w)) {
    if (rows <= 0) return core::Status::ok();
    // x is rounded to bf16 once here (the buffer outlives the team's parts:
    // run() returns when all are done), then the column panels are split on
    // the ForkJoin team. Why not bf16::gemm's own split: it hands off to the
    // condition-variable pool and only above 1e7 multiply-adds, so a ~15-token
    // query ran its q/k/v/o products on one core (perf: 37% of its time).
    thread_local std::vector<uint16_t> xb;
    const bf16::PackedB& p = b->packed();
    xb.resize(static_cast<size_t>(rows) * w.in());
    bf16::to_bf16_rows(x, rows, w.in(), w.in(), xb.data(), w.in());
    // By pointer: inside the lambda `xb` would name the worker's own buffer.
    const uint16_t* xp = xb.data();
    const double cost_per_panel = 2.0 * rows * w.in() * bf16::PackedB::kPanel;
    parallel_for(static_cast<size_t>(bf16::panel_count(p)), cost_per_panel, [&](size_t qb, size_t qe) {
      bf16::gemm_bf16_panels(rows, xp, w.in(), p, y, w.out(), /*accumulate=*/false, static_cast<int>(qb),
                             static_cast<int>(qe));
    });
    return core::Status::ok();
  }
  if (const auto* q = dynamic_cast<const Int8Weights*>(&w)) {
    int8::gemm(x, rows, q->packed(), y);
    return core::Status::ok();
  }
  return core::Status::invalid_argument("linear_prepared: weights prepared by another backend");
}

}  // namespace kbseek::kernels::cpu
