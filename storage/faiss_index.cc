// FAISS adapter: every FAISS exception stops here and becomes a Status.
#include "storage/faiss_index.h"

#include <cblas.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexIDMap.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_io.h>
#include <faiss/invlists/InvertedLists.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <mutex>
#include <new>
#include <utility>
#include <vector>

#include "core/file_util.h"
#include "storage/ivf_scan.h"

namespace kbseek::storage {
namespace {

template <typename Fn>
core::Status guarded(const std::string& op, Fn&& fn) {
  try {
    return fn();
  } catch (const faiss::FaissException& e) {
    std::string msg = e.msg;  // FAISS pads some messages with NULs (fourcc codes)
    msg.erase(std::remove(msg.begin(), msg.end(), '\0'), msg.end());
    return core::Status::internal("faiss " + op + ": " + msg);
  } catch (const std::bad_alloc&) {
    return core::Status::resource_exhausted("faiss " + op + ": out of memory");
  } catch (const std::exception& e) {
    return core::Status::internal("faiss " + op + ": " + e.what());
  }
}

// nlist = 4*sqrt(n), capped so every list gets >= 39 training points.
size_t choose_nlist(int64_t n) {
  const double by_sqrt = 4.0 * std::sqrt(static_cast<double>(n));
  return static_cast<size_t>(std::max<double>(1.0, std::min(by_sqrt, n / 39.0)));
}

// Inverse of choose_nlist: the size an IVF with `nlist` lists was trained at.
int64_t trained_size_for(size_t nlist) {
  const double by_sqrt = (nlist / 4.0) * (nlist / 4.0);
  return static_cast<int64_t>(std::max(by_sqrt, 39.0 * nlist));
}

// A single-query search runs on the calling thread alone: FAISS opens an
// OpenMP region for it, and the team's wake-up and spin-wait cost more than
// the search itself (measured on the 2-core dev VM, 768-d, flat: 500 vectors
// 6.3 -> 0.18 ms, 5k 5.1 -> 2.5 ms, 50k 50 -> 49 ms). nthreads is a
// per-thread OpenMP setting, so this is safe with concurrent searches.
class SingleOmpThread {
 public:
  SingleOmpThread() : previous_(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~SingleOmpThread() { omp_set_num_threads(previous_); }

 private:
  int previous_;
};

// A ChunkFilter as FAISS's IDSelector over chunk ids (an IVF stores them).
class AllowSelector : public faiss::IDSelector {
 public:
  explicit AllowSelector(const ChunkFilter* allow) : allow_(allow) {}
  bool is_member(faiss::Index::idx_t id) const override { return allow_->allows(id); }

 private:
  const ChunkFilter* allow_;
};

// Exact search of a flat layout: every score with one BLAS sgemv, then the
// best k. Debian's FAISS is built without SIMD, so its flat scan runs
// fvec_inner_product_ref (10% of the server's CPU under load with the result
// cache off, perf); OpenBLAS's sgemv is vectorised (AVX2/AVX-512 kernels,
// chosen for this CPU by kernels::configure_cpu_blas). Equal scores keep the
// lower position first. Positions `allow` rejects are skipped.
void flat_search(const faiss::IndexIDMap2& map, const float* query, int64_t k, const ChunkFilter* allow,
                 std::vector<float>* scores, std::vector<faiss::Index::idx_t>* labels) {
  const auto& flat = static_cast<const faiss::IndexFlat&>(*map.index);
  const int64_t n = flat.ntotal;
  const int d = static_cast<int>(flat.d);
  thread_local std::vector<float> all;
  thread_local std::vector<int64_t> order;
  all.resize(static_cast<size_t>(n));
  cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(n), d, 1.0f, flat.get_xb(), d, query, 1, 0.0f, all.data(),
              1);
  order.clear();
  for (int64_t p = 0; p < n; ++p)
    if (allow == nullptr || allow->allows(map.id_map[p])) order.push_back(p);
  const int64_t m = std::min<int64_t>(k, static_cast<int64_t>(order.size()));
  auto better = [&](int64_t a, int64_t b) { return all[a] > all[b] || (all[a] == all[b] && a < b); };
  std::partial_sort(order.begin(), order.begin() + m, order.end(), better);
  for (int64_t i = 0; i < k; ++i) {
    (*scores)[i] = i < m ? all[order[i]] : -std::numeric_limits<float>::infinity();
    (*labels)[i] = i < m ? map.id_map[order[i]] : -1;
  }
}

faiss::Index* new_flat(int d) {
  auto* map = new faiss::IndexIDMap2(new faiss::IndexFlatIP(d));
  map->own_fields = true;
  return map;
}

}  // namespace

FaissIndex::FaissIndex(int dimension, FaissOptions options) : dimension_(dimension), options_(options) {}
FaissIndex::~FaissIndex() = default;

void FaissIndex::adopt(faiss::Index* index) {
  index_.reset(index);
  ivf_ = dynamic_cast<faiss::IndexIVFFlat*>(index);
  forget_int8_lists();
  if (ivf_ != nullptr) trained_size_ = trained_size_for(ivf_->nlist);
  apply_nprobe();
}

void FaissIndex::apply_nprobe() {
  if (ivf_ == nullptr) return;
  const size_t wanted =
      options_.nprobe > 0 ? static_cast<size_t>(options_.nprobe) : std::max<size_t>(kMinNprobe, ivf_->nlist / 8);
  ivf_->nprobe = std::min(ivf_->nlist, wanted);
}

void FaissIndex::set_nprobe(int nprobe) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  options_.nprobe = std::max(0, nprobe);
  apply_nprobe();
}

core::Result<std::unique_ptr<FaissIndex>> FaissIndex::create(int dimension, FaissOptions options) {
  if (dimension <= 0 || dimension > 65536)
    return core::Status::invalid_argument("vector index: dimension must be in 1..65536, got " +
                                          std::to_string(dimension));
  std::unique_ptr<FaissIndex> index(new FaissIndex(dimension, options));
  KB_RETURN_IF_ERROR(guarded("create", [&] {
    index->adopt(new_flat(dimension));
    return core::Status::ok();
  }));
  return index;
}

core::Result<std::unique_ptr<FaissIndex>> FaissIndex::load(const std::string& path, FaissOptions options) {
  if (!core::path_exists(path)) return core::Status::not_found(path + ": no such file");
  std::unique_ptr<faiss::Index> raw;
  KB_RETURN_IF_ERROR(guarded("read " + path, [&] {
    raw.reset(faiss::read_index(path.c_str()));
    return core::Status::ok();
  }));
  bool ok = raw->metric_type == faiss::METRIC_INNER_PRODUCT;
  if (auto* map = dynamic_cast<faiss::IndexIDMap2*>(raw.get())) {
    ok = ok && dynamic_cast<faiss::IndexFlatIP*>(map->index) != nullptr;
  } else {
    ok = ok && dynamic_cast<faiss::IndexIVFFlat*>(raw.get()) != nullptr;
  }
  if (!ok) return core::Status::corruption(path + ": not an IDMap2,Flat or IVF,Flat inner-product index");
  std::unique_ptr<FaissIndex> index(new FaissIndex(static_cast<int>(raw->d), options));
  index->adopt(raw.release());
  std::vector<int64_t> ids;
  index->collect(&ids, nullptr);
  index->ids_.insert(ids.begin(), ids.end());
  if (static_cast<int64_t>(index->ids_.size()) != index->index_->ntotal)
    return core::Status::corruption(path + ": duplicate ids in the vector index");
  return index;
}

int64_t FaissIndex::size() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return index_->ntotal;
}

std::string FaissIndex::spec() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return ivf_ ? "IVF" + std::to_string(ivf_->nlist) + ",Flat" : "IDMap2,Flat";
}

int FaissIndex::nprobe() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return ivf_ ? static_cast<int>(ivf_->nprobe) : 0;
}

void FaissIndex::collect(std::vector<int64_t>* ids, std::vector<float>* vectors) const {
  if (ivf_ != nullptr) {
    const faiss::InvertedLists* lists = ivf_->invlists;
    for (size_t l = 0; l < lists->nlist; ++l) {
      const size_t n = lists->list_size(l);
      if (n == 0) continue;
      faiss::InvertedLists::ScopedIds list_ids(lists, l);
      ids->insert(ids->end(), list_ids.get(), list_ids.get() + n);
      if (vectors != nullptr) {
        faiss::InvertedLists::ScopedCodes codes(lists, l);
        const float* v = reinterpret_cast<const float*>(codes.get());
        vectors->insert(vectors->end(), v, v + n * dimension_);
      }
    }
    return;
  }
  auto* map = static_cast<const faiss::IndexIDMap2*>(index_.get());
  ids->insert(ids->end(), map->id_map.begin(), map->id_map.end());
  if (vectors != nullptr) {
    const float* xb = static_cast<const faiss::IndexFlat*>(map->index)->get_xb();
    vectors->insert(vectors->end(), xb, xb + map->ntotal * dimension_);
  }
}

core::Status FaissIndex::rebuild(bool as_ivf) {
  std::vector<int64_t> ids;
  std::vector<float> vectors;
  collect(&ids, &vectors);
  const int64_t n = static_cast<int64_t>(ids.size());
  return guarded(as_ivf ? "train IVF on " + std::to_string(n) + " vectors" : "rebuild flat index", [&] {
    std::unique_ptr<faiss::Index> next;
    if (as_ivf) {
      auto* ivf = new faiss::IndexIVFFlat(new faiss::IndexFlatIP(dimension_), dimension_, choose_nlist(n),
                                          faiss::METRIC_INNER_PRODUCT);
      ivf->own_fields = true;
      next.reset(ivf);
      ivf->cp.seed = 1234;       // reproducible layouts
      ivf->cp.spherical = true;  // unit centroids: the right k-means for inner product
      ivf->train(n, vectors.data());
    } else {
      next.reset(new_flat(dimension_));
    }
    next->add_with_ids(n, vectors.data(), ids.data());
    adopt(next.release());
    return core::Status::ok();
  });
}

core::Status FaissIndex::rebalance() {
  const int64_t n = index_->ntotal;
  if (ivf_ == nullptr) return n >= options_.ivf_threshold ? rebuild(true) : core::Status::ok();
  if (n < options_.ivf_threshold / 2) return rebuild(false);
  if (n >= 4 * trained_size_ || 4 * n <= trained_size_) return rebuild(true);
  return core::Status::ok();
}

core::Status FaissIndex::add(const int64_t* ids, const float* vectors, size_t n) {
  if (n == 0) return core::Status::ok();
  std::unique_lock<std::shared_mutex> lock(mu_);
  std::unordered_set<int64_t> batch;
  for (size_t i = 0; i < n; ++i) {
    const std::string where = "vector index add: id " + std::to_string(ids[i]);
    if (ids_.count(ids[i]) || !batch.insert(ids[i]).second)
      return core::Status::invalid_argument(where + " is already present");
    for (int j = 0; j < dimension_; ++j) {
      if (!std::isfinite(vectors[i * dimension_ + j]))
        return core::Status::invalid_argument(where + ": component " + std::to_string(j) + " is not finite");
    }
  }
  const std::vector<size_t> sizes = list_sizes();
  core::Status added = guarded("add " + std::to_string(n) + " vectors", [&] {
    index_->add_with_ids(static_cast<int64_t>(n), vectors, ids);
    return core::Status::ok();
  });
  update_int8_lists(sizes, added.is_ok());
  KB_RETURN_IF_ERROR(added);
  ids_.insert(batch.begin(), batch.end());
  return rebalance().with_context("vector index: " + std::to_string(n) + " vectors added, but re-layout failed");
}

core::Status FaissIndex::remove(const int64_t* ids, size_t n) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  std::vector<int64_t> present;
  for (size_t i = 0; i < n; ++i) {
    if (ids_.count(ids[i])) present.push_back(ids[i]);
  }
  if (present.empty()) return core::Status::ok();
  // One pass over the index for the whole batch: removal from a flat index
  // compacts all vectors, so callers should batch removals.
  const std::vector<size_t> sizes = list_sizes();
  core::Status removed = guarded("remove " + std::to_string(present.size()) + " vectors", [&] {
    faiss::IDSelectorBatch selector(present.size(), present.data());
    index_->remove_ids(selector);
    return core::Status::ok();
  });
  update_int8_lists(sizes, removed.is_ok());
  KB_RETURN_IF_ERROR(removed);
  for (int64_t id : present) ids_.erase(id);
  return rebalance().with_context("vector index: " + std::to_string(present.size()) +
                                  " vectors removed, but re-layout failed");
}

void FaissIndex::forget_int8_lists() {
  std::lock_guard<std::mutex> lock(int8_mu_);
  int8_.reset();
}

std::vector<size_t> FaissIndex::list_sizes() const {
  std::vector<size_t> sizes;
  if (ivf_ == nullptr) return sizes;
  sizes.resize(ivf_->nlist);
  for (size_t l = 0; l < ivf_->nlist; ++l) sizes[l] = ivf_->invlists->list_size(l);
  return sizes;
}

void FaissIndex::update_int8_lists(const std::vector<size_t>& sizes_before, bool succeeded) {
  std::lock_guard<std::mutex> lock(int8_mu_);
  if (int8_ == nullptr || ivf_ == nullptr) return;
  if (!succeeded || sizes_before.size() != ivf_->nlist) {
    int8_.reset();  // rebuilt by the next search
    return;
  }
  // One call either adds or removes, and either changes a list's size:
  // the lists whose size moved are the ones it touched.
  std::vector<size_t> touched;
  for (size_t l = 0; l < ivf_->nlist; ++l) {
    if (ivf_->invlists->list_size(l) != sizes_before[l]) touched.push_back(l);
  }
  if (!touched.empty()) int8_ = int8_->updated(*ivf_, touched);
}

std::shared_ptr<const IvfInt8Lists> FaissIndex::int8_lists() const {
  if (ivf_ == nullptr || !options_.int8_scan) return nullptr;
  std::lock_guard<std::mutex> lock(int8_mu_);
  if (int8_ == nullptr) int8_ = IvfInt8Lists::build(*ivf_);
  return int8_;
}

core::Result<std::vector<Hit>> FaissIndex::search(const float* query, int k, const ChunkFilter* allow) const {
  if (k <= 0) return core::Status::invalid_argument("dense search: k must be positive, got " + std::to_string(k));
  std::shared_lock<std::shared_mutex> lock(mu_);
  const int64_t kk = std::min<int64_t>(k, index_->ntotal);
  std::vector<Hit> hits;
  if (kk == 0) return hits;
  std::vector<float> scores(kk);
  std::vector<faiss::Index::idx_t> labels(kk);
  KB_RETURN_IF_ERROR(guarded("search", [&] {
    SingleOmpThread single;
    if (ivf_ == nullptr) {
      flat_search(static_cast<const faiss::IndexIDMap2&>(*index_), query, kk, allow, &scores, &labels);
    } else if (!ivf_search(*ivf_, int8_lists().get(), query, kk, allow, &scores, &labels)) {
      // A layout ivf_search does not handle: FAISS searches it.
      if (allow == nullptr) {
        index_->search(1, query, kk, scores.data(), labels.data());
      } else {
        AllowSelector sel(allow);
        faiss::SearchParametersIVF params;
        params.sel = &sel;
        params.nprobe = ivf_->nprobe;  // the parameters replace the index's own
        ivf_->search(1, query, kk, scores.data(), labels.data(), &params);
      }
    }
    return core::Status::ok();
  }));
  for (int64_t i = 0; i < kk; ++i) {
    if (labels[i] >= 0) hits.push_back(Hit{labels[i], scores[i]});
  }
  return hits;
}

core::Status FaissIndex::save(const std::string& path) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  const std::string tmp = path + ".tmp";
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return core::Status::from_errno(tmp, errno);
  core::Status st = guarded("write " + tmp, [&] {
    faiss::write_index(index_.get(), f);
    return core::Status::ok();
  });
  if (st.is_ok() && (std::fflush(f) != 0 || ::fsync(fileno(f)) != 0))
    st = core::Status::from_errno("fsync " + tmp, errno);
  if (std::fclose(f) != 0 && st.is_ok()) st = core::Status::from_errno("close " + tmp, errno);
  if (st.is_ok() && std::rename(tmp.c_str(), path.c_str()) != 0) st = core::Status::from_errno("rename " + tmp, errno);
  if (!st.is_ok()) {
    std::remove(tmp.c_str());
    return st;
  }
  return core::sync_dir(std::filesystem::path(path).parent_path().string());
}

std::vector<int64_t> FaissIndex::ids() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  std::vector<int64_t> out(ids_.begin(), ids_.end());
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace kbseek::storage
