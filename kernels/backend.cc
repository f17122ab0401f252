// Backend-independent pieces: op names and the Buffer handle.
#include "kernels/backend.h"

namespace kbseek::kernels {

const char* op_name(Op op) {
  switch (op) {
    case Op::kSgemm: return "sgemm";
    case Op::kSgemmBatched: return "sgemm_batched";
    case Op::kLinear: return "linear";
    case Op::kAddBias: return "add_bias";
    case Op::kBiasGelu: return "bias_gelu";
    case Op::kGelu: return "gelu";
    case Op::kLayerNorm: return "layernorm";
    case Op::kSoftmaxRows: return "softmax_rows";
    case Op::kAttention: return "attention";
    case Op::kRmsNorm: return "rms_norm";
    case Op::kRope: return "rope";
    case Op::kGqaAttention: return "gqa_attention";
    case Op::kGeglu: return "geglu";
    case Op::kCausalAttention: return "causal_attention";
    case Op::kSwiglu: return "swiglu";
    case Op::kAdd: return "add";
  }
  return "unknown";
}

const char* weight_format_name(WeightFormat f) {
  switch (f) {
    case WeightFormat::kF32: return "fp32";
    case WeightFormat::kBF16: return "bf16";
    case WeightFormat::kQuantized: return "quantized";
    case WeightFormat::kInt8: return "int8";
  }
  return "unknown";
}

Buffer& Buffer::operator=(Buffer&& o) noexcept {
  if (this != &o) {
    reset();
    owner_ = o.owner_;
    data_ = o.data_;
    count_ = o.count_;
    o.owner_ = nullptr;
    o.data_ = nullptr;
    o.count_ = 0;
  }
  return *this;
}

void Buffer::reset() {
  if (owner_ != nullptr && data_ != nullptr) owner_->release(data_);
  owner_ = nullptr;
  data_ = nullptr;
  count_ = 0;
}

}  // namespace kbseek::kernels
