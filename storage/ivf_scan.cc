#include "storage/ivf_scan.h"

#include <cblas.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/invlists/InvertedLists.h>
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

// The int8 products are `omp simd` reductions compiled for AVX-512F, AVX2
// and baseline x86-64; the loader picks one by CPU features (GNU ifunc).
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define KB_SCAN_CLONES __attribute__((target_clones("default", "avx2", "avx512f")))
#else
#define KB_SCAN_CLONES
#endif

namespace kbseek::storage {
namespace {

// s and the codes of one vector; s = 0 for a zero vector.
float quantize(const float* v, int d, int8_t* out) {
  float m = 0.0f;
  for (int j = 0; j < d; ++j) m = std::max(m, std::fabs(v[j]));
  if (m == 0.0f) {
    std::fill(out, out + d, int8_t{0});
    return 0.0f;
  }
  const float inv = 127.0f / m;
  for (int j = 0; j < d; ++j) out[j] = static_cast<int8_t>(std::lrintf(v[j] * inv));
  return m / 127.0f;
}

// out[i] = codes_i · q for n rows of d int8 values.
KB_SCAN_CLONES void int8_products(const int8_t* codes, size_t n, int d, const int8_t* q, int32_t* out) {
  for (size_t i = 0; i < n; ++i) {
    const int8_t* c = codes + i * static_cast<size_t>(d);
    int32_t s = 0;
#pragma omp simd reduction(+ : s)
    for (int j = 0; j < d; ++j) s += static_cast<int32_t>(c[j]) * static_cast<int32_t>(q[j]);
    out[i] = s;
  }
}

// The same with AVX512-VNNI's VPDPBUSD (unsigned × signed bytes): the query
// is shifted to qu = q + 128, so codes · q = codes · qu - 128 Σ codes.
// d % 64 == 0 and d <= 1024. On the 116k-chunk load index (use-m3, 512-d,
// nprobe 111) a search took 0.72 ms against 1.71 with the loop above and
// 2.10 scanning fp32 (storage_ivf_recall); the loop was 20% of the server's
// CPU under hybrid load.
// GCC 12's avx512fintrin.h trips -Wmaybe-uninitialized inside
// _mm512_extracti64x4_epi64 (GCC bug 105593): silenced for this function.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
__attribute__((target("avx512f,avx512bw,avx512vnni"))) void int8_products_vnni(const int8_t* codes, size_t n, int d,
                                                                               const uint8_t* qu, const int32_t* sums,
                                                                               int32_t* out) {
  const int blocks = d / 64;
  __m512i q[16];
  for (int b = 0; b < blocks; ++b) q[b] = _mm512_loadu_si512(qu + 64 * b);
  for (size_t i = 0; i < n; ++i) {
    const int8_t* c = codes + i * static_cast<size_t>(d);
    __m512i acc = _mm512_setzero_si512();
    for (int b = 0; b < blocks; ++b) acc = _mm512_dpbusd_epi32(acc, q[b], _mm512_loadu_si512(c + 64 * b));
    const __m256i half = _mm256_add_epi32(_mm512_castsi512_si256(acc), _mm512_extracti64x4_epi64(acc, 1));
    __m128i quarter = _mm_add_epi32(_mm256_castsi256_si128(half), _mm256_extracti128_si256(half, 1));
    quarter = _mm_hadd_epi32(quarter, quarter);
    quarter = _mm_hadd_epi32(quarter, quarter);
    out[i] = _mm_cvtsi128_si32(quarter) - 128 * sums[i];
  }
}
#pragma GCC diagnostic pop

// The same on AVX2 alone: the query pre-widened to int16 once (q16), each
// row's codes widened per load (VPMOVSXBW), one VPMADDWD + VPADDD per 16
// products, exact in int32 as above. d % 32 == 0. GCC vectorises the `omp
// simd` loop for AVX2 with VPMULLW and two widenings per 16 products.
__attribute__((target("avx2"))) void int8_products_avx2(const int8_t* codes, size_t n, int d, const int16_t* q16,
                                                        int32_t* out) {
  for (size_t i = 0; i < n; ++i) {
    const int8_t* c = codes + i * static_cast<size_t>(d);
    __m256i acc0 = _mm256_setzero_si256(), acc1 = _mm256_setzero_si256();
    for (int j = 0; j < d; j += 32) {
      const __m256i c0 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(c + j)));
      const __m256i c1 = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(c + j + 16)));
      const __m256i q0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q16 + j));
      const __m256i q1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(q16 + j + 16));
      acc0 = _mm256_add_epi32(acc0, _mm256_madd_epi16(c0, q0));
      acc1 = _mm256_add_epi32(acc1, _mm256_madd_epi16(c1, q1));
    }
    const __m256i acc = _mm256_add_epi32(acc0, acc1);
    __m128i quarter = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    quarter = _mm_hadd_epi32(quarter, quarter);
    quarter = _mm_hadd_epi32(quarter, quarter);
    out[i] = _mm_cvtsi128_si32(quarter);
  }
}

bool avx2_fits(int d) {
  static const bool have = __builtin_cpu_supports("avx2");
  return have && d % 32 == 0;
}

bool vnni_fits(int d) {
  static const bool have =
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vnni");
  return have && d % 64 == 0 && d <= 1024;
}

float dot(const float* a, const float* b, int d) { return cblas_sdot(d, a, 1, b, 1); }

// The kept set: the best `cap` (score, id, position) seen, worst on top.
struct Kept {
  struct Entry {
    float score;
    int64_t id;
    size_t list;
    size_t offset;
  };
  explicit Kept(size_t cap) : cap(cap) { heap.reserve(cap); }
  // Whether an entry of this score and id would be kept.
  bool wants(float score, int64_t id) const { return heap.size() < cap || worse(heap.front(), Entry{score, id, 0, 0}); }
  void add(const Entry& e) {
    if (heap.size() == cap) {
      std::pop_heap(heap.begin(), heap.end(), worse_first);
      heap.back() = e;
    } else {
      heap.push_back(e);
    }
    std::push_heap(heap.begin(), heap.end(), worse_first);
  }
  // a ranks below b: the lower score, then the higher id.
  static bool worse(const Entry& a, const Entry& b) { return a.score < b.score || (a.score == b.score && a.id > b.id); }
  static bool worse_first(const Entry& a, const Entry& b) { return worse(b, a); }
  std::vector<Entry> sorted() {  // best first
    std::sort_heap(heap.begin(), heap.end(), worse_first);
    return std::move(heap);
  }
  size_t cap;
  std::vector<Entry> heap;
};

}  // namespace

std::shared_ptr<const IvfInt8Lists::List> IvfInt8Lists::read_list(const faiss::IndexIVFFlat& ivf, size_t list) {
  auto out = std::make_shared<List>();
  const size_t n = ivf.invlists->list_size(list);
  if (n == 0) return out;
  const int d = static_cast<int>(ivf.d);
  faiss::InvertedLists::ScopedCodes codes(ivf.invlists, list);
  const float* x = reinterpret_cast<const float*>(codes.get());
  out->codes.resize(n * static_cast<size_t>(d));
  out->scales.resize(n);
  out->sums.resize(n);
  for (size_t i = 0; i < n; ++i) {
    int8_t* c = out->codes.data() + i * static_cast<size_t>(d);
    out->scales[i] = quantize(x + i * static_cast<size_t>(d), d, c);
    int32_t sum = 0;
    for (int j = 0; j < d; ++j) sum += c[j];
    out->sums[i] = sum;
  }
  return out;
}

std::unique_ptr<IvfInt8Lists> IvfInt8Lists::build(const faiss::IndexIVFFlat& ivf) {
  std::unique_ptr<IvfInt8Lists> out(new IvfInt8Lists());
  out->d_ = static_cast<int>(ivf.d);
  out->lists_.resize(ivf.nlist);
  for (size_t l = 0; l < ivf.nlist; ++l) out->lists_[l] = read_list(ivf, l);
  return out;
}

std::unique_ptr<IvfInt8Lists> IvfInt8Lists::updated(const faiss::IndexIVFFlat& ivf,
                                                    const std::vector<size_t>& lists) const {
  std::unique_ptr<IvfInt8Lists> out(new IvfInt8Lists(*this));
  for (size_t l : lists) out->lists_.at(l) = read_list(ivf, l);
  return out;
}

bool ivf_search(const faiss::IndexIVFFlat& ivf, const IvfInt8Lists* int8, const float* query, int64_t k,
                const ChunkFilter* allow, std::vector<float>* scores, std::vector<int64_t>* labels) {
  const auto* quantizer = dynamic_cast<const faiss::IndexFlat*>(ivf.quantizer);
  if (quantizer == nullptr || quantizer->metric_type != faiss::METRIC_INNER_PRODUCT ||
      ivf.metric_type != faiss::METRIC_INNER_PRODUCT || quantizer->ntotal != static_cast<int64_t>(ivf.nlist) ||
      ivf.code_size != sizeof(float) * static_cast<size_t>(ivf.d)) {
    return false;
  }
  const int d = static_cast<int>(ivf.d);
  const size_t nlist = ivf.nlist;
  if (int8 != nullptr && (int8->dimension() != d)) int8 = nullptr;
  thread_local std::vector<float> centroid_scores;
  thread_local std::vector<size_t> lists;
  thread_local std::vector<float> row_scores;
  thread_local std::vector<int32_t> int_scores;
  thread_local std::vector<int8_t> q8;
  thread_local std::vector<uint8_t> qu;
  thread_local std::vector<int16_t> q16;
  centroid_scores.resize(nlist);
  cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(nlist), d, 1.0f, quantizer->get_xb(), d, query, 1, 0.0f,
              centroid_scores.data(), 1);
  lists.resize(nlist);
  for (size_t l = 0; l < nlist; ++l) lists[l] = l;
  const size_t probes = std::min(nlist, ivf.nprobe);
  std::partial_sort(lists.begin(), lists.begin() + probes, lists.end(), [&](size_t a, size_t b) {
    return centroid_scores[a] > centroid_scores[b] || (centroid_scores[a] == centroid_scores[b] && a < b);
  });
  const bool vnni = int8 != nullptr && vnni_fits(d);
  const bool avx2 = int8 != nullptr && !vnni && avx2_fits(d);
  float q_scale = 0.0f;
  if (int8 != nullptr) {
    // The query's codes, in the form the chosen kernel reads.
    q8.resize(static_cast<size_t>(d));
    q_scale = quantize(query, d, q8.data());
    if (vnni) {
      qu.resize(static_cast<size_t>(d));
      for (int j = 0; j < d; ++j) qu[j] = static_cast<uint8_t>(q8[j] + 128);
    } else if (avx2) {
      q16.assign(q8.begin(), q8.end());
    }
  }
  Kept kept(static_cast<size_t>(int8 != nullptr ? k * kRefineFactor : k));
  for (size_t p = 0; p < probes; ++p) {
    const size_t l = lists[p];
    const size_t n = ivf.invlists->list_size(l);
    if (n == 0) continue;
    faiss::InvertedLists::ScopedIds ids(ivf.invlists, l);
    row_scores.resize(n);
    if (int8 != nullptr && int8->list_size(l) == n) {
      int_scores.resize(n);
      if (vnni) {
        int8_products_vnni(int8->codes(l), n, d, qu.data(), int8->code_sums(l), int_scores.data());
      } else if (avx2) {
        int8_products_avx2(int8->codes(l), n, d, q16.data(), int_scores.data());
      } else {
        int8_products(int8->codes(l), n, d, q8.data(), int_scores.data());
      }
      const float* s = int8->scales(l);
      for (size_t i = 0; i < n; ++i) row_scores[i] = static_cast<float>(int_scores[i]) * s[i] * q_scale;
    } else {
      faiss::InvertedLists::ScopedCodes codes(ivf.invlists, l);
      cblas_sgemv(CblasRowMajor, CblasNoTrans, static_cast<int>(n), d, 1.0f,
                  reinterpret_cast<const float*>(codes.get()), d, query, 1, 0.0f, row_scores.data(), 1);
    }
    for (size_t i = 0; i < n; ++i) {
      if (!kept.wants(row_scores[i], ids[i])) continue;
      if (allow != nullptr && !allow->allows(ids[i])) continue;
      kept.add(Kept::Entry{row_scores[i], ids[i], l, i});
    }
  }
  std::vector<Kept::Entry> best = kept.sorted();
  if (int8 != nullptr) {
    // The estimate chose the candidates; their fp32 vectors decide.
    for (Kept::Entry& e : best) {
      faiss::InvertedLists::ScopedCodes codes(ivf.invlists, e.list, e.offset);
      e.score = dot(reinterpret_cast<const float*>(codes.get()), query, d);
    }
    std::sort(best.begin(), best.end(), [](const Kept::Entry& a, const Kept::Entry& b) { return Kept::worse(b, a); });
    if (best.size() > static_cast<size_t>(k)) best.resize(static_cast<size_t>(k));
  }
  for (int64_t i = 0; i < k; ++i) {
    const bool have = i < static_cast<int64_t>(best.size());
    (*scores)[i] = have ? best[i].score : -std::numeric_limits<float>::infinity();
    (*labels)[i] = have ? best[i].id : -1;
  }
  return true;
}

}  // namespace kbseek::storage
