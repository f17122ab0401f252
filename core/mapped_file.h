// A whole file mapped read-only (mmap, RAII; move-only): what the model-file
// readers (safetensors, GGUF) read their headers and tensors through.
//
// open(): NotFound for a missing file, the errno's Status (naming the path)
// for open/fstat/mmap failures. An empty file opens with data() == nullptr
// and size() == 0 (mmap cannot map zero bytes); callers judge the size.
// data() stays valid while the MappedFile lives; reads are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/status.h"

namespace kbseek::core {

class MappedFile {
 public:
  static Result<MappedFile> open(const std::string& path);
  MappedFile() = default;
  ~MappedFile();
  MappedFile(MappedFile&& o) noexcept { *this = std::move(o); }
  MappedFile& operator=(MappedFile&& o) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace kbseek::core
