// Safetensors parsing: the header is JSON (nlohmann, whose exceptions stop
// here), the data is mmapped and converted per tensor on demand.
#include "encoder/safetensors.h"

#include <cstring>
#include <nlohmann/json.hpp>

namespace kbseek::encoder {
namespace {

// Upper bound from the format's reference implementation (100 MB header).
constexpr uint64_t kMaxHeaderBytes = 100u << 20;

DType parse_dtype(const std::string& s, size_t* elem_bytes) {
  if (s == "F32") {
    *elem_bytes = 4;
    return DType::kF32;
  }
  if (s == "F16") {
    *elem_bytes = 2;
    return DType::kF16;
  }
  if (s == "BF16") {
    *elem_bytes = 2;
    return DType::kBF16;
  }
  static const std::map<std::string, size_t> kOthers = {{"F64", 8}, {"I64", 8},  {"U64", 8},     {"I32", 4},
                                                        {"U32", 4}, {"I16", 2},  {"U16", 2},     {"I8", 1},
                                                        {"U8", 1},  {"BOOL", 1}, {"F8_E4M3", 1}, {"F8_E5M2", 1}};
  auto it = kOthers.find(s);
  *elem_bytes = it == kOthers.end() ? 0 : it->second;
  return DType::kOther;
}

float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  uint32_t exp = (h >> 10) & 0x1Fu;
  uint32_t mant = h & 0x3FFu;
  uint32_t bits;
  if (exp == 0x1F) {
    bits = sign | 0x7F800000u | (mant << 13);  // inf / nan
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else if (mant == 0) {
    bits = sign;
  } else {  // subnormal: renormalise
    int e = -1;
    do {
      mant <<= 1;
      ++e;
    } while ((mant & 0x400u) == 0);
    bits = sign | static_cast<uint32_t>(112 - e) << 23 | ((mant & 0x3FFu) << 13);
  }
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

}  // namespace

int64_t TensorInfo::num_elements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string shape_to_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

core::Result<std::unique_ptr<SafetensorsFile>> SafetensorsFile::open(const std::string& path) {
  std::unique_ptr<SafetensorsFile> f(new SafetensorsFile());
  f->path_ = path;
  KB_ASSIGN_OR_RETURN(f->file_, core::MappedFile::open(path));
  if (f->file_.size() < 8) {
    return core::Status::corruption(path + ": truncated safetensors file (" + std::to_string(f->file_.size()) +
                                    " bytes, header length needs 8)");
  }

  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | f->file_.data()[i];
  if (header_len > kMaxHeaderBytes || header_len > f->file_.size() - 8) {
    return core::Status::corruption(path + ": truncated or corrupt safetensors file: header length " +
                                    std::to_string(header_len) + " exceeds file size " +
                                    std::to_string(f->file_.size()));
  }
  f->data_ = f->file_.data() + 8 + header_len;
  f->data_size_ = f->file_.size() - 8 - header_len;

  nlohmann::json header;
  try {
    header = nlohmann::json::parse(f->file_.data() + 8, f->file_.data() + 8 + header_len);
  } catch (const nlohmann::json::exception& e) {
    return core::Status::corruption(path + ": safetensors header is not valid JSON: " + e.what());
  }
  if (!header.is_object()) return core::Status::corruption(path + ": safetensors header is not a JSON object");
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    const std::string where = path + ": tensor \"" + it.key() + "\"";
    const auto& v = it.value();
    if (!v.is_object() || !v.contains("dtype") || !v["dtype"].is_string() || !v.contains("shape") ||
        !v["shape"].is_array() || !v.contains("data_offsets") || !v["data_offsets"].is_array() ||
        v["data_offsets"].size() != 2) {
      return core::Status::corruption(where + ": header entry needs dtype, shape and data_offsets");
    }
    TensorInfo info;
    info.dtype_name = v["dtype"].get<std::string>();
    size_t elem_bytes = 0;
    info.dtype = parse_dtype(info.dtype_name, &elem_bytes);
    if (elem_bytes == 0) return core::Status::corruption(where + ": unknown dtype " + info.dtype_name);
    int64_t elements = 1;
    for (const auto& d : v["shape"]) {
      if (!d.is_number_unsigned()) return core::Status::corruption(where + ": shape must hold non-negative integers");
      const uint64_t dim = d.get<uint64_t>();
      // Guards the element count against overflow before it is multiplied out.
      if (dim != 0 && static_cast<uint64_t>(elements) > f->data_size_ / dim) {
        return core::Status::corruption(where + ": shape is larger than the file");
      }
      info.shape.push_back(static_cast<int64_t>(dim));
      elements *= static_cast<int64_t>(dim);
    }
    const auto& off = v["data_offsets"];
    if (!off[0].is_number_unsigned() || !off[1].is_number_unsigned()) {
      return core::Status::corruption(where + ": data_offsets must be non-negative integers");
    }
    info.begin = off[0].get<size_t>();
    info.end = off[1].get<size_t>();
    if (info.begin > info.end || info.end > f->data_size_) {
      return core::Status::corruption(where + ": data [" + std::to_string(info.begin) + ", " +
                                      std::to_string(info.end) + ") lies past the end of the data (" +
                                      std::to_string(f->data_size_) + " bytes): truncated file?");
    }
    if (info.end - info.begin != static_cast<size_t>(info.num_elements()) * elem_bytes) {
      return core::Status::corruption(where + ": " + std::to_string(info.end - info.begin) + " bytes do not match " +
                                      info.dtype_name + " " + shape_to_string(info.shape));
    }
    f->tensors_.emplace(it.key(), std::move(info));
  }
  return core::Result<std::unique_ptr<SafetensorsFile>>(std::move(f));
}

SafetensorsFile::~SafetensorsFile() = default;

core::Result<std::vector<float>> SafetensorsFile::read_f32(const std::string& name,
                                                           const std::vector<int64_t>& expected_shape) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) return core::Status::not_found(path_ + ": no tensor \"" + name + "\"");
  const TensorInfo& info = it->second;
  if (!expected_shape.empty() && info.shape != expected_shape) {
    return core::Status::invalid_argument(path_ + ": tensor \"" + name + "\" has shape " + shape_to_string(info.shape) +
                                          ", expected " + shape_to_string(expected_shape));
  }
  const size_t n = static_cast<size_t>(info.num_elements());
  std::vector<float> out(n);
  const uint8_t* src = data_ + info.begin;
  switch (info.dtype) {
    case DType::kF32:
      if (n) std::memcpy(out.data(), src, n * sizeof(float));
      break;
    case DType::kF16:
      for (size_t i = 0; i < n; ++i) out[i] = half_to_float(static_cast<uint16_t>(src[2 * i] | (src[2 * i + 1] << 8)));
      break;
    case DType::kBF16:
      for (size_t i = 0; i < n; ++i) {
        const uint32_t bits = static_cast<uint32_t>(src[2 * i] | (src[2 * i + 1] << 8)) << 16;
        std::memcpy(&out[i], &bits, sizeof(float));
      }
      break;
    case DType::kOther:
      return core::Status::invalid_argument(path_ + ": tensor \"" + name + "\" has dtype " + info.dtype_name +
                                            "; only F32, F16 and BF16 load as float");
  }
  return out;
}

core::Result<const uint8_t*> SafetensorsFile::view(const std::string& name, const char* dtype_name,
                                                   const std::vector<int64_t>& shape) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) return core::Status::not_found(path_ + ": no tensor \"" + name + "\"");
  const TensorInfo& info = it->second;
  if (info.dtype_name != dtype_name) {
    return core::Status::invalid_argument(path_ + ": tensor \"" + name + "\" is " + info.dtype_name + ", expected " +
                                          dtype_name);
  }
  if (info.shape != shape) {
    return core::Status::invalid_argument(path_ + ": tensor \"" + name + "\" has shape " + shape_to_string(info.shape) +
                                          ", expected " + shape_to_string(shape));
  }
  return data_ + info.begin;
}

core::Result<const uint8_t*> SafetensorsFile::view_u8(const std::string& name,
                                                      const std::vector<int64_t>& shape) const {
  return view(name, "U8", shape);
}

core::Result<const float*> SafetensorsFile::view_f32(const std::string& name, const std::vector<int64_t>& shape) const {
  KB_ASSIGN_OR_RETURN(const uint8_t* p, view(name, "F32", shape));
  // The data section starts 8 + header bytes in; safetensors pads the header
  // so tensors are 8-byte aligned, which float reads need.
  if (reinterpret_cast<uintptr_t>(p) % alignof(float) != 0) {
    return core::Status::corruption(path_ + ": tensor \"" + name + "\" is not 4-byte aligned");
  }
  return reinterpret_cast<const float*>(p);
}

}  // namespace kbseek::encoder
