#include "storage/faiss_index.h"

#include <faiss/IndexIVF.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/index_io.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <numeric>

#include "tests/storage/test_util.h"

namespace kbseek::storage {
namespace {

using testing::nudge;
using testing::random_unit_vectors;
using testing::ScratchDir;

constexpr int kDim = 32;

std::unique_ptr<FaissIndex> make_index(FaissOptions options = {}) {
  auto r = FaissIndex::create(kDim, options);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return std::move(r).value();
}

std::vector<int64_t> ids_from(int64_t first, size_t n) {
  std::vector<int64_t> ids(n);
  std::iota(ids.begin(), ids.end(), first);
  return ids;
}

int64_t top1(const FaissIndex& index, const float* q) {
  auto r = index.search(q, 1);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() && !r.value().empty() ? r.value()[0].chunk_id : -1;
}

TEST(FaissIndexTest, FlatSearchIsExactAndBestFirst) {
  auto index = make_index();
  const auto v = random_unit_vectors(100, kDim, 1);
  const auto ids = ids_from(1000, 100);
  ASSERT_TRUE(index->add(ids.data(), v.data(), 100).is_ok());
  EXPECT_EQ(index->size(), 100);
  EXPECT_EQ(index->spec(), "IDMap2,Flat");
  for (int i = 0; i < 100; i += 7) EXPECT_EQ(top1(*index, &v[i * kDim]), 1000 + i);
  auto hits = index->search(&v[0], 500);  // more than stored: all of them
  ASSERT_TRUE(hits.is_ok());
  ASSERT_EQ(hits.value().size(), 100u);
  EXPECT_NEAR(hits.value()[0].score, 1.0f, 1e-5);
  for (size_t i = 1; i < hits.value().size(); ++i) EXPECT_GE(hits.value()[i - 1].score, hits.value()[i].score);
  EXPECT_EQ(index->search(&v[0], 0).status().code(), core::StatusCode::kInvalidArgument);
}

TEST(FaissIndexTest, RejectsDuplicateIdsAndNonFiniteValues) {
  auto index = make_index();
  auto v = random_unit_vectors(2, kDim, 2);
  int64_t ids[2] = {5, 5};
  EXPECT_EQ(index->add(ids, v.data(), 2).code(), core::StatusCode::kInvalidArgument);
  ASSERT_TRUE(index->add(ids, v.data(), 1).is_ok());
  auto again = index->add(ids, v.data(), 1);
  EXPECT_EQ(again.code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(again.message().find("id 5"), std::string::npos);
  v[kDim + 3] = std::nanf("");
  int64_t other = 6;
  EXPECT_EQ(index->add(&other, &v[kDim], 1).code(), core::StatusCode::kInvalidArgument);
  EXPECT_EQ(index->size(), 1);
  EXPECT_EQ(FaissIndex::create(0).status().code(), core::StatusCode::kInvalidArgument);
}

TEST(FaissIndexTest, RemoveDropsIdsAndIgnoresUnknownOnes) {
  auto index = make_index();
  const auto v = random_unit_vectors(10, kDim, 3);
  const auto ids = ids_from(1, 10);
  ASSERT_TRUE(index->add(ids.data(), v.data(), 10).is_ok());
  int64_t gone[3] = {2, 7, 999};
  ASSERT_TRUE(index->remove(gone, 3).is_ok());
  EXPECT_EQ(index->size(), 8);
  EXPECT_NE(top1(*index, &v[1 * kDim]), 2);
  EXPECT_EQ(top1(*index, &v[2 * kDim]), 3);
  ASSERT_TRUE(index->add(&gone[0], &v[1 * kDim], 1).is_ok());  // an id may come back after removal
  EXPECT_EQ(top1(*index, &v[1 * kDim]), 2);
}

TEST(FaissIndexTest, SaveAndLoadRoundTrip) {
  ScratchDir dir;
  auto index = make_index();
  const auto v = random_unit_vectors(50, kDim, 4);
  const auto ids = ids_from(10, 50);
  ASSERT_TRUE(index->add(ids.data(), v.data(), 50).is_ok());
  ASSERT_TRUE(index->save(dir / "v.faiss").is_ok());
  EXPECT_FALSE(std::filesystem::exists(dir / "v.faiss.tmp"));
  auto loaded = FaissIndex::load(dir / "v.faiss");
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded.value()->size(), 50);
  EXPECT_EQ(loaded.value()->dimension(), kDim);
  EXPECT_EQ(top1(*loaded.value(), &v[17 * kDim]), 27);
  int64_t dup = 10;
  EXPECT_FALSE(loaded.value()->add(&dup, v.data(), 1).is_ok());  // ids survive the round trip
}

TEST(FaissIndexTest, LoadReportsMissingAndCorruptFiles) {
  ScratchDir dir;
  EXPECT_EQ(FaissIndex::load(dir / "absent.faiss").status().code(), core::StatusCode::kNotFound);
  std::ofstream(dir / "bad.faiss") << "this is not a faiss index";
  auto bad = FaissIndex::load(dir / "bad.faiss");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("bad.faiss"), std::string::npos);
}

// The flat -> IVF switch, with a lowered threshold: exact neighbours (a
// stored vector, or one nudged slightly) must still come first.
TEST(FaissIndexTest, SwitchesToIvfAndStillFindsExactNeighbours) {
  ScratchDir dir;
  FaissOptions options;
  options.ivf_threshold = 1000;
  auto index = make_index(options);
  const size_t n = 3000;
  const auto v = random_unit_vectors(n, kDim, 5);
  const auto ids = ids_from(1, n);
  ASSERT_TRUE(index->add(ids.data(), v.data(), 500).is_ok());
  EXPECT_EQ(index->spec(), "IDMap2,Flat");
  ASSERT_TRUE(index->add(ids.data() + 500, v.data() + 500 * kDim, n - 500).is_ok());
  EXPECT_EQ(index->spec().rfind("IVF", 0), 0u) << index->spec();
  EXPECT_GE(index->nprobe(), FaissIndex::kMinNprobe);
  EXPECT_EQ(index->size(), static_cast<int64_t>(n));
  for (size_t i = 0; i < n; i += 97) {
    EXPECT_EQ(top1(*index, &v[i * kDim]), ids[i]);
    EXPECT_EQ(top1(*index, nudge(&v[i * kDim], kDim, 100 + i, 0.02f).data()), ids[i]);
  }
  // Removal and persistence work in the IVF layout too.
  int64_t gone = ids[300];
  ASSERT_TRUE(index->remove(&gone, 1).is_ok());
  EXPECT_NE(top1(*index, &v[300 * kDim]), gone);
  ASSERT_TRUE(index->save(dir / "ivf.faiss").is_ok());
  auto loaded = FaissIndex::load(dir / "ivf.faiss", options);
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ(loaded.value()->spec(), index->spec());
  EXPECT_EQ(loaded.value()->size(), static_cast<int64_t>(n - 1));
  EXPECT_EQ(top1(*loaded.value(), &v[1234 * kDim]), ids[1234]);
}

// The IVF's lists are scanned by kbseek (storage/faiss_index.cc), not by
// FAISS's scanner: the same file searched by FAISS itself, with the same
// nprobe, is the reference, filtered (an IDSelector) and not.
TEST(FaissIndexTest, IvfScanAgreesWithFaissOwnSearch) {
  ScratchDir dir;
  FaissOptions options;
  options.ivf_threshold = 1000;
  auto index = make_index(options);
  const size_t n = 4000;
  const auto v = random_unit_vectors(n, kDim, 11);
  const auto ids = ids_from(100, n);
  ASSERT_TRUE(index->add(ids.data(), v.data(), n).is_ok());
  ASSERT_EQ(index->spec().rfind("IVF", 0), 0u) << index->spec();
  ASSERT_TRUE(index->save(dir / "ivf.faiss").is_ok());
  std::unique_ptr<faiss::Index> reference(faiss::read_index((dir / "ivf.faiss").c_str()));
  auto* ivf = dynamic_cast<faiss::IndexIVF*>(reference.get());
  ASSERT_NE(ivf, nullptr);
  struct OddIds : ChunkFilter {
    bool allows(int64_t id) const override { return id % 2 == 1; }
  } odd;
  struct OddSelector : faiss::IDSelector {
    bool is_member(faiss::Index::idx_t id) const override { return id % 2 == 1; }
  } odd_selector;
  const int k = 10;
  for (int nprobe : {1, 5, 0}) {
    index->set_nprobe(nprobe);
    for (size_t qi = 0; qi < 40; ++qi) {
      const auto q = nudge(&v[(qi * 89) % n * kDim], kDim, 7 + qi, 0.3f);
      for (bool filtered : {false, true}) {
        faiss::SearchParametersIVF params;
        params.nprobe = static_cast<size_t>(index->nprobe());
        if (filtered) params.sel = &odd_selector;
        std::vector<float> want_scores(k);
        std::vector<faiss::Index::idx_t> want_ids(k);
        ivf->search(1, q.data(), k, want_scores.data(), want_ids.data(), &params);
        auto got = index->search(q.data(), k, filtered ? &odd : nullptr);
        ASSERT_TRUE(got.is_ok()) << got.status().to_string();
        size_t want_n = 0;
        while (want_n < static_cast<size_t>(k) && want_ids[want_n] >= 0) ++want_n;
        ASSERT_EQ(got.value().size(), want_n) << "nprobe " << nprobe << " query " << qi;
        for (size_t i = 0; i < want_n; ++i) {
          EXPECT_EQ(got.value()[i].chunk_id, want_ids[i]) << "nprobe " << nprobe << " query " << qi << " rank " << i;
          EXPECT_NEAR(got.value()[i].score, want_scores[i], 1e-5f);
          if (filtered) {
            EXPECT_EQ(got.value()[i].chunk_id % 2, 1);
          }
        }
      }
    }
  }
}

// The int8 first pass (storage/ivf_scan.h) against the fp32 scan of the same
// lists: the same hits for nearly every query (a vector whose int8 estimate
// falls out of the 4k refine window may be missed), and every score the
// exact fp32 one. 64-d takes the VNNI kernel where the CPU has it; 32-d the
// portable loop.
TEST(FaissIndexTest, Int8ScanFindsWhatTheFp32ScanFinds) {
  // 64: VNNI's blocks (or AVX2's); 32: AVX2's alone; 48: the portable loop.
  for (int dim : {64, 32, 48}) {
    FaissOptions options;
    options.ivf_threshold = 1000;
    FaissOptions fp32_options = options;
    fp32_options.int8_scan = false;
    auto int8 = FaissIndex::create(dim, options).value();
    auto fp32 = FaissIndex::create(dim, fp32_options).value();
    const size_t n = 5000;
    const auto v = random_unit_vectors(n, dim, 21);
    const auto ids = ids_from(1, n);
    ASSERT_TRUE(int8->add(ids.data(), v.data(), n).is_ok());
    ASSERT_TRUE(fp32->add(ids.data(), v.data(), n).is_ok());
    ASSERT_EQ(int8->spec(), fp32->spec());
    size_t same = 0, total = 0;
    for (size_t qi = 0; qi < 100; ++qi) {
      const auto q = nudge(&v[(qi * 47) % n * dim], dim, 900 + qi, 0.5f);
      auto a = int8->search(q.data(), 10);
      auto b = fp32->search(q.data(), 10);
      ASSERT_TRUE(a.is_ok() && b.is_ok());
      ASSERT_EQ(a.value().size(), b.value().size());
      std::map<int64_t, float> want;
      for (const auto& h : b.value()) want[h.chunk_id] = h.score;
      for (size_t i = 0; i < a.value().size(); ++i) {
        ++total;
        auto it = want.find(a.value()[i].chunk_id);
        if (it == want.end()) continue;
        ++same;
        EXPECT_NEAR(a.value()[i].score, it->second, 1e-5f) << "dim " << dim;
      }
      for (size_t i = 1; i < a.value().size(); ++i) EXPECT_GE(a.value()[i - 1].score, a.value()[i].score);
    }
    EXPECT_GE(static_cast<double>(same) / total, 0.99) << "dim " << dim;
    // A change forgets the int8 copy: a new vector is found at once.
    const auto extra = random_unit_vectors(1, dim, 99);
    const int64_t extra_id = 100000;
    ASSERT_TRUE(int8->add(&extra_id, extra.data(), 1).is_ok());
    EXPECT_EQ(top1(*int8, extra.data()), extra_id) << "dim " << dim;
    ASSERT_TRUE(int8->remove(&extra_id, 1).is_ok());
    EXPECT_NE(top1(*int8, extra.data()), extra_id) << "dim " << dim;
    // Many changes later (each re-reads only the lists it touched), the
    // copy still agrees with the fp32 scan.
    const auto more = random_unit_vectors(300, dim, 31);
    const auto more_ids = ids_from(200000, 300);
    const auto gone = ids_from(1, 200);
    for (FaissIndex* index : {int8.get(), fp32.get()}) {
      ASSERT_TRUE(index->add(more_ids.data(), more.data(), 300).is_ok());
      ASSERT_TRUE(index->remove(gone.data(), gone.size()).is_ok());
    }
    ASSERT_EQ(int8->spec(), fp32->spec());  // the same lists: no retraining in between
    size_t agree = 0;
    for (size_t qi = 0; qi < 50; ++qi) {
      const auto q = nudge(&more[(qi * 7) % 300 * dim], dim, 700 + qi, 0.3f);
      auto a = int8->search(q.data(), 10).value();
      auto b = fp32->search(q.data(), 10).value();
      ASSERT_EQ(a.size(), b.size());
      for (size_t i = 0; i < a.size(); ++i) agree += a[i].chunk_id == b[i].chunk_id;
      EXPECT_EQ(a[0].chunk_id, more_ids[(qi * 7) % 300]) << "dim " << dim << " query " << qi;
    }
    EXPECT_GE(agree, 490u) << "dim " << dim;
  }
}

TEST(FaissIndexTest, ShrinksBackToFlatBelowHalfTheThreshold) {
  FaissOptions options;
  options.ivf_threshold = 1000;
  auto index = make_index(options);
  const size_t n = 1200;
  const auto v = random_unit_vectors(n, kDim, 6);
  const auto ids = ids_from(1, n);
  ASSERT_TRUE(index->add(ids.data(), v.data(), n).is_ok());
  ASSERT_EQ(index->spec().rfind("IVF", 0), 0u);
  ASSERT_TRUE(index->remove(ids.data(), 800).is_ok());
  EXPECT_EQ(index->spec(), "IDMap2,Flat");
  EXPECT_EQ(index->size(), 400);
  EXPECT_EQ(top1(*index, &v[1000 * kDim]), ids[1000]);
}

}  // namespace
}  // namespace kbseek::storage
