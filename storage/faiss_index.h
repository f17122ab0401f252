// FaissIndex: VectorIndex over FAISS, exact while small, IVF once large.
//
// Layout rule (FAISS's own guidance: k-means wants >= 39 training points per
// centroid, and nlist ~ 4*sqrt(n) balances coarse vs fine search cost):
//   * size < ivf_threshold: IndexIDMap2 over IndexFlatIP ("IDMap2,Flat"),
//     exact search.
//   * size >= ivf_threshold: IndexIVFFlat with inner product and
//     nlist = min(4*sqrt(n), n/39), trained by k-means on the vectors held.
//     With the default threshold of 50,000, nlist starts at 894 with 56
//     points per list; 4*sqrt(n) alone would reach 39 points per list at
//     n = 24,336. nprobe = max(kMinNprobe, nlist/8) (recall measured with
//     bench/storage/ivf_recall, see storage/README.md).
//   * The IVF is retrained (nlist recomputed) when the size has grown 4x or
//     shrunk 4x since training, and turns back into a flat index below
//     ivf_threshold/2. Retraining runs inside the add()/remove() call that
//     crosses the line.
// Vectors of an IVF index are read back from its inverted lists, so the
// index needs no other copy to retrain. IVF searches scan the lists
// themselves (storage/ivf_scan.h): an int8 copy in memory first, then fp32.
//
// Thread-safety: search(), size(), save() may run concurrently with each
// other; add()/remove() take an exclusive lock.
#pragma once

#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "storage/vector_index.h"

namespace faiss {
struct Index;
struct IndexIVFFlat;
}  // namespace faiss

namespace kbseek::storage {

class IvfInt8Lists;

struct FaissOptions {
  int64_t ivf_threshold = 50000;  // tests lower it to exercise the switch
  int nprobe = 0;                 // 0: max(kMinNprobe, nlist/8)
  // Scan IVF lists from an int8 copy and re-score the best 4k in fp32
  // (storage/ivf_scan.h): a quarter of the bytes read, 25% more memory.
  bool int8_scan = true;
};

class FaissIndex final : public VectorIndex {
 public:
  static constexpr int kMinNprobe = 16;

  // An empty flat index. InvalidArgument unless 0 < dimension <= 65536.
  static core::Result<std::unique_ptr<FaissIndex>> create(int dimension, FaissOptions options = {});

  // Reads an index written by save(). NotFound if `path` is missing;
  // Corruption naming the path if it is not one of our two layouts.
  static core::Result<std::unique_ptr<FaissIndex>> load(const std::string& path, FaissOptions options = {});

  ~FaissIndex() override;

  int dimension() const override { return dimension_; }
  int64_t size() const override;
  core::Status add(const int64_t* ids, const float* vectors, size_t n) override;
  core::Status remove(const int64_t* ids, size_t n) override;
  using VectorIndex::search;
  // With `allow`, FAISS skips refused ids while it searches (an IDSelector;
  // for the flat index on its inner index, as IndexIDMap2 takes no search
  // parameters in FAISS 1.7.3), so k allowed hits come back when there are.
  core::Result<std::vector<Hit>> search(const float* query, int k, const ChunkFilter* allow) const override;
  core::Status save(const std::string& path) const override;

  // FAISS factory-style description of the current layout: "IDMap2,Flat" or
  // "IVF<nlist>,Flat". Recorded in the MANIFEST.
  std::string spec() const;
  // Every id held, in ascending order (for the consistency checker).
  std::vector<int64_t> ids() const;
  // Probes per IVF search (0 for a flat index).
  int nprobe() const;
  // Overrides the nprobe rule from now on (0 restores it); clamped to nlist.
  void set_nprobe(int nprobe);

 private:
  FaissIndex(int dimension, FaissOptions options);
  core::Status rebalance();  // requires exclusive mu_
  core::Status rebuild(bool as_ivf);
  void collect(std::vector<int64_t>* ids, std::vector<float>* vectors) const;
  void adopt(faiss::Index* index);
  void apply_nprobe();
  // The int8 copy of the IVF's lists (null for a flat index or with
  // int8_scan off), built by the first search, so an index only written
  // (bulk indexing) never pays for it. Callers hold mu_ (shared is enough).
  std::shared_ptr<const IvfInt8Lists> int8_lists() const;
  // Under exclusive mu_: a new layout forgets the copy; an add or remove
  // re-reads only the lists whose size it changed (from sizes_before, a
  // list_sizes() taken just before it), or forgets the copy if it failed.
  void forget_int8_lists();
  std::vector<size_t> list_sizes() const;
  void update_int8_lists(const std::vector<size_t>& sizes_before, bool succeeded);

  const int dimension_;
  FaissOptions options_;
  mutable std::shared_mutex mu_;
  std::unique_ptr<faiss::Index> index_;
  faiss::IndexIVFFlat* ivf_ = nullptr;  // index_ when it is an IVF, else null
  int64_t trained_size_ = 0;
  std::unordered_set<int64_t> ids_;
  mutable std::mutex int8_mu_;
  mutable std::shared_ptr<const IvfInt8Lists> int8_;
};

}  // namespace kbseek::storage
