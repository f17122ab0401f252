// VectorIndex: the seam for dense (embedding) search over chunks.
//
// Layout, said once: vectors are row-major n x dimension() float32, each
// L2-normalised, so inner product = cosine similarity. Ids are chunk ids.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/status.h"
#include "storage/access.h"
#include "storage/types.h"

namespace kbseek::storage {

class VectorIndex {
 public:
  virtual ~VectorIndex() = default;

  virtual int dimension() const = 0;
  virtual int64_t size() const = 0;

  // Adds n vectors under `ids`. An id must not already be present (remove it
  // first to replace). InvalidArgument for a duplicate id or a non-finite value.
  virtual core::Status add(const int64_t* ids, const float* vectors, size_t n) = 0;

  // Removes the given ids; ids not present are ignored.
  virtual core::Status remove(const int64_t* ids, size_t n) = 0;

  // The `k` nearest by inner product, best first, among the ids `allow`
  // allows (null: all); fewer if the index holds fewer. `query` is one
  // vector of dimension() floats. InvalidArgument if k <= 0.
  virtual core::Result<std::vector<Hit>> search(const float* query, int k, const ChunkFilter* allow) const = 0;
  core::Result<std::vector<Hit>> search(const float* query, int k) const { return search(query, k, nullptr); }

  // Writes the whole index to `path` so that a crash leaves the old file or
  // the new one (temp file, fsync, rename). IOError naming the path.
  virtual core::Status save(const std::string& path) const = 0;
};

}  // namespace kbseek::storage
