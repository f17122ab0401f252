// GGUF parsing: one bounds-checked pass over the header at open(), recording
// where each value lies; getters decode from the mapping on demand, so a
// 150k-string vocabulary is not held twice.
#include "encoder/gguf/gguf_file.h"

#include <cstdio>
#include <cstring>
#include <limits>

namespace kbseek::encoder::gguf {
namespace {

using kernels::quant::QuantType;
using ValueType = GgufFile::ValueType;

constexpr int kMaxDims = 4;          // GGML_MAX_DIMS
constexpr int kMaxArrayNesting = 8;  // the spec sets none; this bounds recursion on crafted files
// Smallest encodings, used to reject counts the rest of the file cannot hold
// before looping over them: a kv is key length + type + a 1-byte value, a
// tensor info is name length + n_dims + type + offset.
constexpr uint64_t kMinKvBytes = 8 + 4 + 1;
constexpr uint64_t kMinTensorInfoBytes = 8 + 4 + 4 + 8;

template <typename T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Bytes of one fixed-size value; 0 for string and array.
size_t fixed_size(ValueType t) {
  switch (t) {
    case ValueType::kUint8:
    case ValueType::kInt8:
    case ValueType::kBool: return 1;
    case ValueType::kUint16:
    case ValueType::kInt16: return 2;
    case ValueType::kUint32:
    case ValueType::kInt32:
    case ValueType::kFloat32: return 4;
    case ValueType::kUint64:
    case ValueType::kInt64:
    case ValueType::kFloat64: return 8;
    default: return 0;
  }
}

bool is_integer(ValueType t) {
  return fixed_size(t) != 0 && t != ValueType::kBool && t != ValueType::kFloat32 && t != ValueType::kFloat64;
}

bool is_float(ValueType t) { return t == ValueType::kFloat32 || t == ValueType::kFloat64; }

// Integer at p; false when a uint64 does not fit int64.
bool decode_int(ValueType t, const uint8_t* p, int64_t* out) {
  switch (t) {
    case ValueType::kUint8: *out = load<uint8_t>(p); return true;
    case ValueType::kInt8: *out = load<int8_t>(p); return true;
    case ValueType::kUint16: *out = load<uint16_t>(p); return true;
    case ValueType::kInt16: *out = load<int16_t>(p); return true;
    case ValueType::kUint32: *out = load<uint32_t>(p); return true;
    case ValueType::kInt32: *out = load<int32_t>(p); return true;
    case ValueType::kInt64: *out = load<int64_t>(p); return true;
    case ValueType::kUint64: {
      const uint64_t u = load<uint64_t>(p);
      *out = static_cast<int64_t>(u);
      return u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
    }
    default: return false;
  }
}

double decode_float(ValueType t, const uint8_t* p) {
  return t == ValueType::kFloat32 ? load<float>(p) : load<double>(p);
}

// A GGUF string at p (already validated): its bytes and the offset past it.
std::string decode_string(const uint8_t* p, size_t* advance) {
  const uint64_t n = load<uint64_t>(p);
  *advance = 8 + n;
  return std::string(reinterpret_cast<const char*>(p + 8), n);
}

// Sequential reads that check every length against the end of the file.
class Cursor {
 public:
  Cursor(const uint8_t* data, size_t size, const std::string& path) : data_(data), size_(size), path_(path) {}
  size_t pos() const { return pos_; }
  size_t left() const { return size_ - pos_; }

  // Messages read "<path>: <context>: byte N: <what>".
  void set_context(std::string context) { context_ = std::move(context); }
  core::Status corrupt(const std::string& what) const {
    return core::Status::corruption(path_ + (context_.empty() ? "" : ": " + context_) + ": byte " +
                                    std::to_string(pos_) + ": " + what);
  }
  core::Status need(uint64_t n, const std::string& what) const {
    if (n <= left()) return core::Status::ok();
    return corrupt(what + " needs " + std::to_string(n) + " bytes but the file ends " + std::to_string(left()) +
                   " bytes later (truncated file?)");
  }
  template <typename T>
  core::Status read(T* out, const char* what) {
    KB_RETURN_IF_ERROR(need(sizeof(T), what));
    *out = load<T>(data_ + pos_);
    pos_ += sizeof(T);
    return core::Status::ok();
  }
  core::Status read_string(std::string* out, const char* what) {
    uint64_t n = 0;
    KB_RETURN_IF_ERROR(read(&n, what));
    KB_RETURN_IF_ERROR(need(n, std::string(what) + " of length " + std::to_string(n)));
    if (out != nullptr) out->assign(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return core::Status::ok();
  }
  // Checks a value of type t (an array's elements start after its header)
  // and moves past it.
  core::Status skip_value(ValueType t, int depth) {
    if (const size_t size = fixed_size(t)) {
      KB_RETURN_IF_ERROR(need(size, std::string(value_type_name(t)) + " value"));
      if (t == ValueType::kBool && data_[pos_] > 1) {
        return corrupt("bool value " + std::to_string(data_[pos_]) + ", expected 0 or 1");
      }
      pos_ += size;
      return core::Status::ok();
    }
    if (t == ValueType::kString) return read_string(nullptr, "string");
    if (t != ValueType::kArray) return corrupt("unknown value type " + std::to_string(static_cast<uint32_t>(t)));
    if (depth >= kMaxArrayNesting) {
      return corrupt("arrays nested deeper than " + std::to_string(kMaxArrayNesting));
    }
    uint32_t elem = 0;
    uint64_t count = 0;
    KB_RETURN_IF_ERROR(read(&elem, "array element type"));
    KB_RETURN_IF_ERROR(read(&count, "array length"));
    return skip_elements(static_cast<ValueType>(elem), count, depth + 1);
  }
  core::Status skip_elements(ValueType elem, uint64_t count, int depth) {
    if (elem > ValueType::kFloat64) {
      return corrupt("unknown array element type " + std::to_string(static_cast<uint32_t>(elem)));
    }
    const size_t size = fixed_size(elem);
    const uint64_t min_size = size ? size : elem == ValueType::kString ? 8 : 12;
    if (count > left() / min_size) {
      return corrupt("array of " + std::to_string(count) + " " + value_type_name(elem) +
                     " values is longer than the rest of the file (" + std::to_string(left()) + " bytes)");
    }
    if (size != 0 && elem != ValueType::kBool) {
      pos_ += count * size;
      return core::Status::ok();
    }
    for (uint64_t i = 0; i < count; ++i) KB_RETURN_IF_ERROR(skip_value(elem, depth));
    return core::Status::ok();
  }
  void align_to(size_t alignment) { pos_ = (pos_ + alignment - 1) / alignment * alignment; }

 private:
  const uint8_t* data_;
  size_t size_;
  const std::string& path_;
  std::string context_;
  size_t pos_ = 0;
};

std::string dims_to_string(const std::vector<int64_t>& dims) {
  std::string s = "[";
  for (size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + "]";
}

}  // namespace

const char* value_type_name(ValueType t) {
  static const char* const kNames[] = {"uint8", "int8",   "uint16", "int16",  "uint32", "int32",  "float32",
                                       "bool",  "string", "array",  "uint64", "int64",  "float64"};
  const auto i = static_cast<uint32_t>(t);
  return i < sizeof kNames / sizeof kNames[0] ? kNames[i] : "unknown";
}

int64_t GgufFile::TensorView::num_elements() const {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  return n;
}

core::Result<std::unique_ptr<GgufFile>> GgufFile::open(const std::string& path) {
  std::unique_ptr<GgufFile> f(new GgufFile());
  f->path_ = path;
  KB_ASSIGN_OR_RETURN(f->file_, core::MappedFile::open(path));
  if (f->file_.size() == 0) return core::Status::corruption(path + ": empty file, expected a GGUF header");
  KB_RETURN_IF_ERROR(f->parse());
  return core::Result<std::unique_ptr<GgufFile>>(std::move(f));
}

GgufFile::~GgufFile() = default;

core::Status GgufFile::parse() {
  Cursor c(file_.data(), file_.size(), path_);
  KB_RETURN_IF_ERROR(c.need(4, "magic"));
  if (std::memcmp(file_.data(), "GGUF", 4) != 0) {
    char hex[16];
    std::snprintf(hex, sizeof hex, "%02x %02x %02x %02x", file_.data()[0], file_.data()[1], file_.data()[2],
                  file_.data()[3]);
    return core::Status::invalid_argument(path_ + ": not a GGUF file (magic bytes " + hex + ", expected \"GGUF\")");
  }
  uint32_t magic = 0;  // checked above; read to move past it
  uint64_t tensor_count = 0, kv_count = 0;
  KB_RETURN_IF_ERROR(c.read(&magic, "magic"));
  KB_RETURN_IF_ERROR(c.read(&version_, "version"));
  if (version_ != 2 && version_ != 3) {
    return core::Status::invalid_argument(path_ + ": GGUF version " + std::to_string(version_) +
                                          ", this build reads versions 2-3");
  }
  KB_RETURN_IF_ERROR(c.read(&tensor_count, "tensor count"));
  KB_RETURN_IF_ERROR(c.read(&kv_count, "metadata count"));
  if (kv_count > c.left() / kMinKvBytes) {
    return c.corrupt("metadata count " + std::to_string(kv_count) + " cannot fit in the file");
  }

  for (uint64_t i = 0; i < kv_count; ++i) {
    std::string key;
    c.set_context("metadata entry " + std::to_string(i));
    KB_RETURN_IF_ERROR(c.read_string(&key, "key"));
    c.set_context("key \"" + key + "\"");
    if (keys_.count(key)) return core::Status::corruption(path_ + ": key \"" + key + "\": duplicate key");
    uint32_t type = 0;
    KB_RETURN_IF_ERROR(c.read(&type, "value type"));
    Value v{static_cast<ValueType>(type), ValueType::kUint8, 0, c.pos()};
    if (v.type == ValueType::kArray) {
      // The array header is read here, not by skip_value, so that v.offset
      // points at the first element for the getters.
      uint32_t elem = 0;
      KB_RETURN_IF_ERROR(c.read(&elem, "array element type"));
      KB_RETURN_IF_ERROR(c.read(&v.count, "array length"));
      v.element_type = static_cast<ValueType>(elem);
      v.offset = c.pos();
      KB_RETURN_IF_ERROR(c.skip_elements(v.element_type, v.count, 1));
    } else {
      KB_RETURN_IF_ERROR(c.skip_value(v.type, 0));
    }
    key_order_.push_back(key);
    keys_.emplace(std::move(key), v);
  }

  if (has("general.alignment")) {
    auto a = get_int("general.alignment");
    if (!a.is_ok()) return core::Status::corruption(a.status().message());
    if (a.value() <= 0 || (a.value() & (a.value() - 1)) != 0 || a.value() > (1 << 30)) {
      return core::Status::corruption(path_ + ": key \"general.alignment\": " + std::to_string(a.value()) +
                                      " is not a power of two");
    }
    alignment_ = static_cast<size_t>(a.value());
  }

  c.set_context("");
  if (tensor_count > c.left() / kMinTensorInfoBytes) {
    return c.corrupt("tensor count " + std::to_string(tensor_count) + " cannot fit in the file");
  }
  std::vector<uint64_t> offsets;
  for (uint64_t i = 0; i < tensor_count; ++i) {
    TensorView t{};
    c.set_context("tensor info " + std::to_string(i));
    KB_RETURN_IF_ERROR(c.read_string(&t.name, "name"));
    c.set_context("tensor \"" + t.name + "\"");
    const std::string ctx = path_ + ": tensor \"" + t.name + "\"";
    if (tensor_index_.count(t.name)) return core::Status::corruption(ctx + ": duplicate tensor name");
    uint32_t n_dims = 0, type_id = 0;
    uint64_t offset = 0;
    KB_RETURN_IF_ERROR(c.read(&n_dims, "n_dims"));
    if (n_dims < 1 || n_dims > kMaxDims) {
      return core::Status::corruption(ctx + ": " + std::to_string(n_dims) + " dimensions, expected 1-4");
    }
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t dim = 0;
      KB_RETURN_IF_ERROR(c.read(&dim, "dimension"));
      if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return core::Status::corruption(ctx + ": dimension " + std::to_string(dim) + " is negative as int64");
      }
      t.dims.push_back(static_cast<int64_t>(dim));
    }
    KB_RETURN_IF_ERROR(c.read(&type_id, "tensor type"));
    KB_RETURN_IF_ERROR(c.read(&offset, "tensor offset"));
    const auto type = kernels::quant::from_ggml_type_id(type_id);
    if (!type) {
      return core::Status::invalid_argument(ctx + ": ggml type id " + std::to_string(type_id) +
                                            " is not supported (this build reads F32, F16, BF16, Q8_0, "
                                            "Q5_0, Q4_K and Q6_K)");
    }
    t.type = *type;
    tensor_index_.emplace(t.name, tensors_.size());
    tensors_.push_back(std::move(t));
    offsets.push_back(offset);
  }

  // The data section starts at the next multiple of the alignment; a file
  // without tensors may end before it.
  c.align_to(alignment_);
  const size_t data_start = c.pos();
  const uint64_t data_size = data_start <= file_.size() ? file_.size() - data_start : 0;
  for (size_t i = 0; i < tensors_.size(); ++i) {
    TensorView& t = tensors_[i];
    const std::string ctx = path_ + ": tensor \"" + t.name + "\"";
    if (offsets[i] % alignment_ != 0) {
      return core::Status::corruption(ctx + ": data offset " + std::to_string(offsets[i]) +
                                      " is not a multiple of the alignment " + std::to_string(alignment_));
    }
    const int64_t block = kernels::quant::block_elements(t.type);
    if (t.dims[0] % block != 0) {
      return core::Status::corruption(ctx + ": row width " + std::to_string(t.dims[0]) + " is not a multiple of " +
                                      kernels::quant::name(t.type) + "'s block of " + std::to_string(block));
    }
    // ggml's own limit: the element count and the byte count fit in int64.
    int64_t elements = 1, bytes = 0;
    bool too_big = false;
    for (int64_t d : t.dims) too_big |= __builtin_mul_overflow(elements, d, &elements);
    too_big |=
        __builtin_mul_overflow(elements / block, static_cast<int64_t>(kernels::quant::block_bytes(t.type)), &bytes);
    if (too_big || offsets[i] > data_size || static_cast<uint64_t>(bytes) > data_size - offsets[i]) {
      return core::Status::corruption(ctx + ": " + kernels::quant::name(t.type) + " " + dims_to_string(t.dims) +
                                      " at data offset " + std::to_string(offsets[i]) + " (file byte " +
                                      std::to_string(data_start + offsets[i]) + ") runs past the end of the file (" +
                                      std::to_string(file_.size()) + " bytes; truncated file?)");
    }
    t.bytes = static_cast<size_t>(bytes);
    t.data = file_.data() + data_start + offsets[i];
  }
  return core::Status::ok();
}

std::vector<std::string> GgufFile::keys() const { return key_order_; }

core::Result<const GgufFile::Value*> GgufFile::find(const std::string& key) const {
  auto it = keys_.find(key);
  if (it == keys_.end()) return core::Status::not_found(path_ + ": no key \"" + key + "\"");
  return &it->second;
}

core::Status GgufFile::wrong_type(const std::string& key, const Value& v, const char* expected) const {
  std::string actual = value_type_name(v.type);
  if (v.type == ValueType::kArray) actual += std::string(" of ") + value_type_name(v.element_type);
  return core::Status::invalid_argument(path_ + ": key \"" + key + "\" is " + actual + ", expected " + expected);
}

core::Result<std::string> GgufFile::type_name(const std::string& key) const {
  KB_ASSIGN_OR_RETURN(const Value* v, find(key));
  std::string s = value_type_name(v->type);
  if (v->type == ValueType::kArray) s += std::string(" of ") + value_type_name(v->element_type);
  return s;
}

core::Result<std::string> GgufFile::get_string(const std::string& key) const {
  KB_ASSIGN_OR_RETURN(const Value* v, find(key));
  if (v->type != ValueType::kString) return wrong_type(key, *v, "string");
  size_t advance = 0;
  return decode_string(file_.data() + v->offset, &advance);
}

core::Result<int64_t> GgufFile::get_int(const std::string& key) const {
  KB_ASSIGN_OR_RETURN(const Value* v, find(key));
  int64_t out = 0;
  if (!is_integer(v->type)) return wrong_type(key, *v, "an integer");
  if (!decode_int(v->type, file_.data() + v->offset, &out)) {
    return core::Status::invalid_argument(path_ + ": key \"" + key + "\": uint64 value " +
                                          std::to_string(load<uint64_t>(file_.data() + v->offset)) +
                                          " does not fit int64");
  }
  return out;
}

core::Result<double> GgufFile::get_float(const std::string& key) const {
  KB_ASSIGN_OR_RETURN(const Value* v, find(key));
  if (!is_float(v->type)) return wrong_type(key, *v, "float32 or float64");
  return decode_float(v->type, file_.data() + v->offset);
}

core::Result<bool> GgufFile::get_bool(const std::string& key) const {
  KB_ASSIGN_OR_RETURN(const Value* v, find(key));
  if (v->type != ValueType::kBool) return wrong_type(key, *v, "bool");
  return file_.data()[v->offset] != 0;
}

core::Result<std::vector<std::string>> GgufFile::get_string_array(const std::string& key) const {
  KB_ASSIGN_OR_RETURN(const Value* v, find(key));
  if (v->type != ValueType::kArray || (v->count != 0 && v->element_type != ValueType::kString)) {
    return wrong_type(key, *v, "array of string");
  }
  std::vector<std::string> out;
  out.reserve(v->count);
  size_t pos = v->offset;
  for (uint64_t i = 0; i < v->count; ++i) {
    size_t advance = 0;
    out.push_back(decode_string(file_.data() + pos, &advance));
    pos += advance;
  }
  return out;
}

core::Result<std::vector<int64_t>> GgufFile::get_int_array(const std::string& key) const {
  KB_ASSIGN_OR_RETURN(const Value* v, find(key));
  if (v->type != ValueType::kArray || (v->count != 0 && !is_integer(v->element_type))) {
    return wrong_type(key, *v, "array of integers");
  }
  std::vector<int64_t> out(v->count);
  const size_t size = fixed_size(v->element_type);
  for (uint64_t i = 0; i < v->count; ++i) {
    if (!decode_int(v->element_type, file_.data() + v->offset + i * size, &out[i])) {
      return core::Status::invalid_argument(path_ + ": key \"" + key + "\": element " + std::to_string(i) +
                                            " does not fit int64");
    }
  }
  return out;
}

core::Result<std::vector<double>> GgufFile::get_float_array(const std::string& key) const {
  KB_ASSIGN_OR_RETURN(const Value* v, find(key));
  if (v->type != ValueType::kArray || (v->count != 0 && !is_float(v->element_type))) {
    return wrong_type(key, *v, "array of float32 or float64");
  }
  std::vector<double> out(v->count);
  const size_t size = fixed_size(v->element_type);
  for (uint64_t i = 0; i < v->count; ++i) out[i] = decode_float(v->element_type, file_.data() + v->offset + i * size);
  return out;
}

core::Result<const GgufFile::TensorView*> GgufFile::tensor(const std::string& name) const {
  auto it = tensor_index_.find(name);
  if (it == tensor_index_.end()) return core::Status::not_found(path_ + ": no tensor \"" + name + "\"");
  return &tensors_[it->second];
}

core::Result<std::vector<float>> GgufFile::read_f32(const std::string& name) const {
  KB_ASSIGN_OR_RETURN(const TensorView* t, tensor(name));
  // Rows are whole blocks laid end to end, so the tensor dequantizes as one row.
  std::vector<float> out(static_cast<size_t>(t->num_elements()));
  kernels::quant::dequantize_row(t->type, t->data, out.data(), t->num_elements());
  return out;
}

}  // namespace kbseek::encoder::gguf
