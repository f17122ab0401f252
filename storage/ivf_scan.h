// The IVF search of FaissIndex, done by kbseek rather than FAISS's scanner.
//
// Why not FAISS's: Debian builds FAISS without SIMD, so its list scan runs
// fvec_inner_product_ref, which took 39% of the server's CPU under hybrid
// load (perf; 8 connections, result cache off, 116,633 chunks in two IVF
// indexes). Here the centroids are scored with one OpenBLAS sgemv and the
// nprobe nearest lists are scanned:
//   * with IvfInt8Lists, an int8 copy of every list (a quarter of fp32's
//     bytes: the scan is bound by memory), keeping the best refine_factor*k
//     by the int8 estimate, whose exact fp32 scores then decide the best k
//     (FAISS's IVF-SQ8 with IndexRefine, in one pass);
//   * without it, each list's fp32 vectors with one sgemv.
// Both keep exactly FAISS's lists and nprobe; the fp32 scan returns FAISS's
// own results (tests/storage/faiss_index_test.cc), the int8 pass the same
// up to vectors whose int8 estimate fell out of the refine window
// (recall on the real 116k-chunk index: bench/results/ivf-recall-load.md).
// Equal scores keep the lower id. Ids `allow` rejects are skipped; the
// filter is asked only about a hit good enough to enter the kept set.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "storage/access.h"

namespace faiss {
struct IndexIVFFlat;
}  // namespace faiss

namespace kbseek::storage {

// Int8 copies of an IVF-Flat's inverted lists: each vector v as
// round(v / s * 127) with s = max |v_j|, plus s. Immutable once built;
// updated() makes a new one sharing the unchanged lists, so a FaissIndex
// keeps its copy current after add()/remove() at the cost of the lists
// those touched.
class IvfInt8Lists {
 public:
  // Reads every list of `ivf` (caller holds it unchanged meanwhile).
  static std::unique_ptr<IvfInt8Lists> build(const faiss::IndexIVFFlat& ivf);
  // This copy with `lists` read again from `ivf` (same nlist and dimension).
  std::unique_ptr<IvfInt8Lists> updated(const faiss::IndexIVFFlat& ivf, const std::vector<size_t>& lists) const;

  int dimension() const { return d_; }
  size_t list_size(size_t list) const { return lists_[list]->scales.size(); }
  const int8_t* codes(size_t list) const { return lists_[list]->codes.data(); }
  const float* scales(size_t list) const { return lists_[list]->scales.data(); }
  // Σ_j codes of each vector (the VNNI product needs it: ivf_scan.cc).
  const int32_t* code_sums(size_t list) const { return lists_[list]->sums.data(); }

 private:
  struct List {
    std::vector<int8_t> codes;
    std::vector<float> scales;
    std::vector<int32_t> sums;
  };
  static std::shared_ptr<const List> read_list(const faiss::IndexIVFFlat& ivf, size_t list);

  int d_ = 0;
  std::vector<std::shared_ptr<const List>> lists_;
};

// Exact scores of the int8 estimate's best refine_factor*k: enough that the
// estimate's error (about 1% of a score) rarely moves a true top-k vector out.
constexpr int kRefineFactor = 4;

// The best k (fewer if the probed lists hold fewer allowed vectors) into
// scores/labels (k entries each; missing ones -inf / -1). False, with
// nothing written, for a layout this does not handle (a quantizer other than
// a flat inner-product one): the caller lets FAISS search it.
bool ivf_search(const faiss::IndexIVFFlat& ivf, const IvfInt8Lists* int8, const float* query, int64_t k,
                const ChunkFilter* allow, std::vector<float>* scores, std::vector<int64_t>* labels);

}  // namespace kbseek::storage
