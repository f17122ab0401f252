// Read-only, memory-mapped access to a .safetensors file (Hugging Face's
// weight format: 8-byte little-endian header length, a JSON header mapping
// tensor names to dtype/shape/byte offsets, then the raw data).
//
// Errors name the file (and the tensor): a short or inconsistent file is
// Corruption, a missing file NotFound, an unsupported dtype InvalidArgument.
// A SafetensorsFile is immutable after open() and safe to read from any
// number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/mapped_file.h"
#include "core/status.h"

namespace kbseek::encoder {

enum class DType { kF32, kF16, kBF16, kOther };

struct TensorInfo {
  std::string dtype_name;  // as written in the header: "F32", "F16", "BF16", "I64", ...
  DType dtype = DType::kOther;
  std::vector<int64_t> shape;
  size_t begin = 0;  // byte offsets into the data section
  size_t end = 0;
  int64_t num_elements() const;
};

class SafetensorsFile {
 public:
  // Maps the file and validates the header: every tensor's byte range lies
  // inside the file and matches its dtype and shape.
  static core::Result<std::unique_ptr<SafetensorsFile>> open(const std::string& path);
  ~SafetensorsFile();
  SafetensorsFile(const SafetensorsFile&) = delete;
  SafetensorsFile& operator=(const SafetensorsFile&) = delete;

  const std::string& path() const { return path_; }
  bool contains(const std::string& name) const { return tensors_.count(name) != 0; }
  const std::map<std::string, TensorInfo>& tensors() const { return tensors_; }

  // The tensor converted to float32 (F32 copied, F16/BF16 widened), row-major.
  // NotFound naming the tensor and file; InvalidArgument for other dtypes or
  // when `expected_shape` is non-empty and differs.
  core::Result<std::vector<float>> read_f32(const std::string& name,
                                            const std::vector<int64_t>& expected_shape = {}) const;
  // A view of a U8 tensor's bytes inside the mapping (valid while this file
  // lives): quantised codes stay one byte each instead of becoming floats.
  // NotFound for an absent name, InvalidArgument for another dtype or shape.
  core::Result<const uint8_t*> view_u8(const std::string& name, const std::vector<int64_t>& shape) const;
  // A view of an F32 tensor inside the mapping (valid while this file lives):
  // large tables (a 262k-row embedding) are read in place, touching only the
  // rows used, instead of being copied. Same errors as view_u8.
  core::Result<const float*> view_f32(const std::string& name, const std::vector<int64_t>& shape) const;

 private:
  SafetensorsFile() = default;
  core::Result<const uint8_t*> view(const std::string& name, const char* dtype_name,
                                    const std::vector<int64_t>& shape) const;
  std::string path_;
  core::MappedFile file_;
  const uint8_t* data_ = nullptr;  // start of the data section
  size_t data_size_ = 0;
  std::map<std::string, TensorInfo> tensors_;
};

// "[30522, 384]" for messages.
std::string shape_to_string(const std::vector<int64_t>& shape);

}  // namespace kbseek::encoder
