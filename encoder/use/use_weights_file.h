// Read-only, memory-mapped access to the use-m3 model.safetensors: F32
// tensors copied out, and the U8 embedding codes read in place.
//
// Why not encoder/safetensors.h: it converts to float only (no U8 view), and
// kbseek_encoder_use must not link kbseek_encoder, whose registry links it.
// The format is the same (8-byte little-endian header length, JSON header of
// name -> dtype/shape/data_offsets, raw data); this reader accepts only F32
// and U8 tensors, which is all the converter writes.
//
// Errors name the file and tensor: NotFound (missing file or tensor),
// Corruption (short file, bad header, offsets outside the data or not
// matching dtype and shape), InvalidArgument (wrong dtype or shape for the
// request). Immutable after open(); safe to read from any number of threads.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace kbseek::encoder {

class UseWeightsFile {
 public:
  static core::Result<std::unique_ptr<UseWeightsFile>> open(const std::string& path);
  ~UseWeightsFile();
  UseWeightsFile(const UseWeightsFile&) = delete;
  UseWeightsFile& operator=(const UseWeightsFile&) = delete;

  const std::string& path() const { return path_; }

  // A copy of an F32 tensor whose shape must equal `shape`.
  core::Result<std::vector<float>> read_f32(const std::string& name, const std::vector<int64_t>& shape) const;
  // A view of a U8 tensor whose shape must equal `shape`; valid while this
  // object lives.
  core::Result<const uint8_t*> view_u8(const std::string& name, const std::vector<int64_t>& shape) const;

 private:
  struct Tensor {
    std::string dtype;
    std::vector<int64_t> shape;
    size_t begin = 0, end = 0;  // byte offsets into the data section
  };
  UseWeightsFile() = default;
  core::Result<const Tensor*> find(const std::string& name, const char* dtype, const std::vector<int64_t>& shape) const;

  std::string path_;
  const uint8_t* map_ = nullptr;
  size_t map_size_ = 0;
  const uint8_t* data_ = nullptr;
  size_t data_size_ = 0;
  std::map<std::string, Tensor> tensors_;
};

}  // namespace kbseek::encoder
