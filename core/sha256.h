// SHA-256 (FIPS 180-4) for verifying model files and index manifests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace kbseek::core {

// Incremental hasher: update() any number of times, then hex_digest() once.
class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t len);
  void update(std::string_view s) { update(s.data(), s.size()); }
  // Lower-case hex of the 32-byte digest. Finalises: call once.
  std::string hex_digest();

 private:
  void compress(const uint8_t* block);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_len_ = 0;
};

std::string sha256_hex(std::string_view data);

// Streams the file through the hasher (constant memory).
Result<std::string> sha256_file(const std::string& path);

}  // namespace kbseek::core
