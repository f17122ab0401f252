// The mapping stays for the model's lifetime: the 65 MB of embedding codes
// are read in place (page cache shared between processes), the ~11 MB of F32
// weights are copied so that they are aligned for BLAS.
#include "encoder/use/use_weights_file.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

namespace kbseek::encoder {
namespace {

constexpr uint64_t kMaxHeaderBytes = 100u << 20;

std::string shape_string(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

size_t dtype_bytes(const std::string& dtype) {
  if (dtype == "F32") return 4;
  if (dtype == "U8") return 1;
  return 0;
}

}  // namespace

core::Result<std::unique_ptr<UseWeightsFile>> UseWeightsFile::open(const std::string& path) {
  std::unique_ptr<UseWeightsFile> f(new UseWeightsFile());
  f->path_ = path;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return core::Status::not_found(path + ": no such file");
    return core::Status::from_errno(path, errno);
  }
  struct stat st {};
  if (fstat(fd, &st) != 0) {
    const int e = errno;
    ::close(fd);
    return core::Status::from_errno(path, e);
  }
  f->map_size_ = static_cast<size_t>(st.st_size);
  if (f->map_size_ < 8) {
    ::close(fd);
    return core::Status::corruption(path + ": truncated safetensors file (" + std::to_string(f->map_size_) + " bytes)");
  }
  void* m = mmap(nullptr, f->map_size_, PROT_READ, MAP_PRIVATE, fd, 0);
  const int map_errno = errno;
  ::close(fd);
  if (m == MAP_FAILED) return core::Status::from_errno(path + ": mmap", map_errno);
  f->map_ = static_cast<const uint8_t*>(m);

  uint64_t header_len = 0;
  for (int i = 7; i >= 0; --i) header_len = (header_len << 8) | f->map_[i];
  if (header_len > kMaxHeaderBytes || header_len > f->map_size_ - 8) {
    return core::Status::corruption(path + ": header length " + std::to_string(header_len) + " exceeds the file size " +
                                    std::to_string(f->map_size_));
  }
  f->data_ = f->map_ + 8 + header_len;
  f->data_size_ = f->map_size_ - 8 - header_len;
  const nlohmann::json header =
      nlohmann::json::parse(f->map_ + 8, f->map_ + 8 + header_len, nullptr, /*allow_exceptions=*/false);
  if (header.is_discarded() || !header.is_object()) {
    return core::Status::corruption(path + ": safetensors header is not a JSON object");
  }
  for (auto it = header.begin(); it != header.end(); ++it) {
    if (it.key() == "__metadata__") continue;
    const std::string where = path + ": tensor \"" + it.key() + "\"";
    const auto& v = it.value();
    if (!v.is_object() || !v.contains("dtype") || !v["dtype"].is_string() || !v.contains("shape") ||
        !v["shape"].is_array() || !v.contains("data_offsets") || !v["data_offsets"].is_array() ||
        v["data_offsets"].size() != 2 || !v["data_offsets"][0].is_number_unsigned() ||
        !v["data_offsets"][1].is_number_unsigned()) {
      return core::Status::corruption(where + ": header entry needs dtype, shape and data_offsets");
    }
    Tensor t;
    t.dtype = v["dtype"].get<std::string>();
    int64_t elements = 1;
    for (const auto& d : v["shape"]) {
      if (!d.is_number_unsigned()) return core::Status::corruption(where + ": shape must hold non-negative integers");
      const uint64_t dim = d.get<uint64_t>();
      if (dim != 0 && static_cast<uint64_t>(elements) > f->data_size_ / dim) {
        return core::Status::corruption(where + ": shape is larger than the file");
      }
      t.shape.push_back(static_cast<int64_t>(dim));
      elements *= static_cast<int64_t>(dim);
    }
    t.begin = v["data_offsets"][0].get<size_t>();
    t.end = v["data_offsets"][1].get<size_t>();
    if (t.begin > t.end || t.end > f->data_size_) {
      return core::Status::corruption(where + ": data [" + std::to_string(t.begin) + ", " + std::to_string(t.end) +
                                      ") lies outside the " + std::to_string(f->data_size_) + "-byte data section");
    }
    const size_t elem = dtype_bytes(t.dtype);
    if (elem != 0 && t.end - t.begin != static_cast<size_t>(elements) * elem) {
      return core::Status::corruption(where + ": " + std::to_string(t.end - t.begin) + " bytes do not match " +
                                      t.dtype + " " + shape_string(t.shape));
    }
    f->tensors_.emplace(it.key(), std::move(t));
  }
  return f;
}

UseWeightsFile::~UseWeightsFile() {
  if (map_ != nullptr) munmap(const_cast<uint8_t*>(map_), map_size_);
}

core::Result<const UseWeightsFile::Tensor*> UseWeightsFile::find(const std::string& name, const char* dtype,
                                                                 const std::vector<int64_t>& shape) const {
  auto it = tensors_.find(name);
  if (it == tensors_.end()) return core::Status::not_found(path_ + ": no tensor \"" + name + "\"");
  const Tensor& t = it->second;
  if (t.dtype != dtype) {
    return core::Status::invalid_argument(path_ + ": tensor \"" + name + "\" is " + t.dtype + ", expected " + dtype);
  }
  if (t.shape != shape) {
    return core::Status::invalid_argument(path_ + ": tensor \"" + name + "\" has shape " + shape_string(t.shape) +
                                          ", expected " + shape_string(shape));
  }
  return &t;
}

core::Result<std::vector<float>> UseWeightsFile::read_f32(const std::string& name,
                                                          const std::vector<int64_t>& shape) const {
  KB_ASSIGN_OR_RETURN(const Tensor* t, find(name, "F32", shape));
  std::vector<float> out((t->end - t->begin) / 4);
  std::memcpy(out.data(), data_ + t->begin, t->end - t->begin);  // little-endian host
  return out;
}

core::Result<const uint8_t*> UseWeightsFile::view_u8(const std::string& name, const std::vector<int64_t>& shape) const {
  KB_ASSIGN_OR_RETURN(const Tensor* t, find(name, "U8", shape));
  return data_ + t->begin;
}

}  // namespace kbseek::encoder
