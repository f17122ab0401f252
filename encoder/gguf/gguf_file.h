// Read-only, memory-mapped access to a GGUF file (ggml's model format, as
// llama.cpp writes it; spec: ggml docs/gguf.md), versions 2 and 3.
//
// Layout (all little-endian):
//   "GGUF"  uint32 version  uint64 tensor_count  uint64 kv_count
//   kv_count x { string key; uint32 value_type; value }
//   tensor_count x { string name; uint32 n_dims; uint64 dims[n_dims];
//                    uint32 ggml_type; uint64 offset }
//   padding to `general.alignment` (default 32), then the data section;
//   each tensor's bytes start at data + offset (a multiple of the alignment).
// A string is uint64 length + that many bytes (UTF-8, no terminator). A value
// is one of uint8, int8, uint16, int16, uint32, int32, uint64, int64, float32,
// float64, bool (one byte, 0 or 1), string, or an array: uint32 element type,
// uint64 length, the elements (arrays may nest).
//
// open() validates everything against the file size before returning, so no
// accessor can read outside the mapping: counts, string and array lengths,
// dims (at most 4, none negative, the product without overflow, dims[0] a
// multiple of the type's block), tensor offsets aligned, and every tensor's
// bytes inside the data section. Errors name the file and the key, tensor or
// byte offset:
//   NotFound         the file does not exist;
//   InvalidArgument  not a GGUF file (magic), a version other than 2 or 3, a
//                    tensor type this build cannot read (its ggml id named);
//   Corruption       anything truncated, out of range or inconsistent,
//                    duplicate keys or tensor names;
//   IOError          open/stat/mmap failures.
// A GgufFile is immutable after open() and safe to read from any number of
// threads. Tensor data pointers stay valid while the GgufFile lives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/mapped_file.h"
#include "core/status.h"
#include "kernels/quant/quant_types.h"

namespace kbseek::encoder::gguf {

class GgufFile {
 public:
  // GGUF's metadata value types, with their ids in the file.
  enum class ValueType : uint32_t {
    kUint8 = 0,
    kInt8 = 1,
    kUint16 = 2,
    kInt16 = 3,
    kUint32 = 4,
    kInt32 = 5,
    kFloat32 = 6,
    kBool = 7,
    kString = 8,
    kArray = 9,
    kUint64 = 10,
    kInt64 = 11,
    kFloat64 = 12,
  };

  struct TensorView {
    std::string name;
    kernels::quant::QuantType type;
    std::vector<int64_t> dims;  // ggml order: dims[0] is the row width (contiguous)
    const void* data;           // inside the mapping
    size_t bytes;               // row_bytes(type, dims[0]) * the other dims
    int64_t num_elements() const;
  };

  static core::Result<std::unique_ptr<GgufFile>> open(const std::string& path);
  ~GgufFile();
  GgufFile(const GgufFile&) = delete;
  GgufFile& operator=(const GgufFile&) = delete;

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  size_t alignment() const { return alignment_; }

  // Metadata. Every getter returns NotFound naming the key and the file when
  // the key is absent, InvalidArgument naming the expected and actual types
  // when it holds something else:
  //   get_int    any integer type (uint64 above INT64_MAX is InvalidArgument);
  //   get_float  float32 or float64;
  //   get_*_array  an array of strings / of any one integer type / of
  //              float32 or float64 (an empty array of any type is fine);
  //              arrays of arrays are validated at open() but not decoded.
  // `general.alignment` (uint32 in the spec) is read with get_int and must be
  // a power of two.
  bool has(const std::string& key) const { return keys_.count(key) != 0; }
  std::vector<std::string> keys() const;  // in file order
  core::Result<std::string> get_string(const std::string& key) const;
  core::Result<int64_t> get_int(const std::string& key) const;
  core::Result<double> get_float(const std::string& key) const;
  core::Result<bool> get_bool(const std::string& key) const;
  core::Result<std::vector<std::string>> get_string_array(const std::string& key) const;
  core::Result<std::vector<int64_t>> get_int_array(const std::string& key) const;
  core::Result<std::vector<double>> get_float_array(const std::string& key) const;
  // "uint32", "string", "array of int32", ... (NotFound for an absent key).
  core::Result<std::string> type_name(const std::string& key) const;

  // Tensors in file order; tensor() is NotFound naming the tensor and file.
  const std::vector<TensorView>& tensors() const { return tensors_; }
  core::Result<const TensorView*> tensor(const std::string& name) const;
  // The whole tensor dequantized to float32, in file order (rows of dims[0]).
  core::Result<std::vector<float>> read_f32(const std::string& name) const;

 private:
  // Where a validated value lies in the mapping: decoded on demand.
  struct Value {
    ValueType type;
    ValueType element_type;  // arrays only
    uint64_t count;          // arrays only
    size_t offset;           // first byte of the value (of the elements, for arrays)
  };

  GgufFile() = default;
  core::Status parse();
  core::Result<const Value*> find(const std::string& key) const;
  core::Status wrong_type(const std::string& key, const Value& v, const char* expected) const;

  std::string path_;
  core::MappedFile file_;
  uint32_t version_ = 0;
  size_t alignment_ = 32;
  std::vector<std::string> key_order_;
  std::map<std::string, Value> keys_;
  std::vector<TensorView> tensors_;
  std::map<std::string, size_t> tensor_index_;
};

// "uint32", "float64", "string", "array", ... for messages.
const char* value_type_name(GgufFile::ValueType t);

}  // namespace kbseek::encoder::gguf
