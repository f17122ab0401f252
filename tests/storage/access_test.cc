// Access control inside the stores: a caller's ChunkFilter applied by real
// FAISS (flat and IVF) and real Xapian returns k chunks the caller may read
// even when forbidden chunks rank above them; chunks added after a filter
// was made are refused by it until a new one is made.
#include "storage/access.h"

#include <gtest/gtest.h>

#include "tests/storage/folder_fixture.h"

namespace kbseek::storage {
namespace {

using namespace kbseek::storage::testing;  // NOLINT

TEST(AccessRuleTest, EmptyAclIsPublicAndOnePrincipalSuffices) {
  const Principals none = Principals::parse("");
  const Principals finance = Principals::parse(" finance , ,user:bob ");
  EXPECT_EQ(finance.names, (std::vector<std::string>{"finance", "user:bob"}));
  EXPECT_FALSE(finance.all);
  EXPECT_TRUE(may_read({}, none));
  EXPECT_FALSE(may_read({"finance"}, none));
  EXPECT_TRUE(may_read({"hr", "finance"}, finance));
  EXPECT_FALSE(may_read({"Finance"}, finance)) << "names are exact";
  EXPECT_TRUE(may_read({"hr"}, Principals::everyone_allowed()));
  EXPECT_EQ(none.describe(), "none");
  EXPECT_EQ(finance.describe(), "finance,user:bob");
}

TEST(AccessRuleTest, TableRefusesChunksItHasNotSeen) {
  auto table = std::make_shared<AccessTable>();
  table->add(1, {});
  table->add(2, {"finance"});
  table->add(3, {"hr"});
  table->add(4, {"finance"});
  auto f = make_access_filter(table, Principals::parse("finance"));
  ASSERT_NE(f, nullptr);
  EXPECT_TRUE(f->allows(1));
  EXPECT_TRUE(f->allows(2));
  EXPECT_FALSE(f->allows(3));
  EXPECT_TRUE(f->allows(4));
  EXPECT_FALSE(f->allows(5)) << "newer than the table: acl unknown";
  EXPECT_EQ(make_access_filter(table, Principals::everyone_allowed()), nullptr);
  EXPECT_EQ(make_access_filter(table, Principals::parse("hr,finance")), nullptr) << "refuses nothing";
  auto open = std::make_shared<AccessTable>();
  open->add(1, {});
  EXPECT_EQ(make_access_filter(open, Principals::parse("")), nullptr) << "nothing restricted";
}

// 60 one-chunk documents, every one about the budget: the first 50 are
// finance's, the last 10 public. Their vectors are close to one query
// vector, the finance ones closest.
class AccessFolderTest : public ::testing::TestWithParam<int64_t> {
 protected:
  static constexpr int kFinance = 50, kPublic = 10;
  void SetUp() override {
    auto w = IndexFolder::create_or_open(dir_.path(), folder_options(/*ivf_threshold=*/GetParam()));
    ASSERT_TRUE(w.is_ok()) << w.status().to_string();
    writer_ = std::move(w).value();
    query_ = random_unit_vectors(1, kFolderDim, 7);
    const auto noise = random_unit_vectors(kFinance + kPublic, kFolderDim, 8);
    for (int i = 0; i < kFinance + kPublic; ++i) {
      const bool finance = i < kFinance;
      Entry e = make_entry("doc" + std::to_string(i), "Budget",
                           "The annual budget plan, part " + std::to_string(i) + ".", "\n", 100 + i);
      if (finance) e.doc.acl = {"finance"};
      // Finance documents nearer the query than public ones.
      const float mix = finance ? 0.1f : 0.4f;
      float norm = 0;
      for (int d = 0; d < kFolderDim; ++d) {
        e.vectors[d] = query_[d] + mix * noise[i * kFolderDim + d];
        norm += e.vectors[d] * e.vectors[d];
      }
      for (int d = 0; d < kFolderDim; ++d) e.vectors[d] /= std::sqrt(norm);
      ASSERT_TRUE(writer_->put_document(e.doc, e.chunks, e.vectors.data()).is_ok());
    }
    ASSERT_TRUE(writer_->commit().is_ok());
  }
  // Every hit's document readable by `who`.
  void expect_readable(const IndexFolder& f, const std::vector<Hit>& hits, const Principals& who) {
    for (const auto& h : hits) {
      auto chunk = f.get_chunk(h.chunk_id);
      ASSERT_TRUE(chunk.is_ok()) << chunk.status().to_string();
      auto doc = f.get_document(chunk->doc_id);
      ASSERT_TRUE(doc.is_ok());
      EXPECT_TRUE(may_read(doc->acl, who)) << chunk->doc_id << " shown to " << who.describe();
    }
  }

  ScratchDir dir_;
  std::unique_ptr<IndexFolder> writer_;
  std::vector<float> query_;
};

TEST_P(AccessFolderTest, KAllowedHitsComeBackFromFaissAndXapian) {
  auto reader = IndexFolder::open_read_only(dir_.path());
  ASSERT_TRUE(reader.is_ok()) << reader.status().to_string();
  const IndexFolder& f = *reader.value();
  const Principals anonymous = Principals::parse("");
  auto allow = f.access_filter(anonymous);
  ASSERT_TRUE(allow.is_ok()) << allow.status().to_string();
  ASSERT_NE(allow.value(), nullptr);

  // Unfiltered, the top 5 are finance's; filtered, 5 public ones.
  auto open_hits = f.search_dense(0, query_.data(), 5);
  ASSERT_TRUE(open_hits.is_ok());
  ASSERT_EQ(open_hits->size(), 5u);
  EXPECT_FALSE(may_read(f.get_document(f.get_chunk(open_hits->at(0).chunk_id)->doc_id)->acl, anonymous));
  auto dense = f.search_dense(0, query_.data(), 5, allow.value().get());
  ASSERT_TRUE(dense.is_ok()) << dense.status().to_string();
  EXPECT_EQ(dense->size(), 5u);
  expect_readable(f, dense.value(), anonymous);
  for (size_t i = 1; i < dense->size(); ++i) EXPECT_GE(dense->at(i - 1).score, dense->at(i).score);

  auto lexical = f.search_lexical("budget plan", 8, {}, allow.value().get());
  ASSERT_TRUE(lexical.is_ok()) << lexical.status().to_string();
  EXPECT_EQ(lexical->size(), 8u);
  expect_readable(f, lexical.value(), anonymous);
  auto any = f.search_any({"XEnothing"}, 5, {}, allow.value().get());
  ASSERT_TRUE(any.is_ok());

  // Finance sees its own documents first; fewer than k when that is all there is.
  const Principals finance = Principals::parse("finance");
  auto fin = f.access_filter(finance);
  ASSERT_TRUE(fin.is_ok());
  auto fin_hits = f.search_dense(0, query_.data(), 5, fin.value().get());
  ASSERT_TRUE(fin_hits.is_ok());
  EXPECT_EQ(fin_hits->size(), 5u);
  EXPECT_FALSE(may_read(f.get_document(f.get_chunk(fin_hits->at(0).chunk_id)->doc_id)->acl, anonymous));
  auto all_public = f.search_dense(0, query_.data(), 60, allow.value().get());
  ASSERT_TRUE(all_public.is_ok());
  EXPECT_EQ(all_public->size(), static_cast<size_t>(kPublic));
}

TEST_P(AccessFolderTest, ChunksAddedLaterNeedANewFilter) {
  auto reader = IndexFolder::open_read_only(dir_.path());
  ASSERT_TRUE(reader.is_ok());
  const IndexFolder& f = *reader.value();
  auto before = f.access_filter(Principals::parse(""));
  ASSERT_TRUE(before.is_ok());
  Entry e = make_entry("late", "Budget", "A late budget note.", "\n", 999);
  e.doc.acl = {};
  ASSERT_TRUE(writer_->put_document(e.doc, e.chunks, e.vectors.data()).is_ok());
  ASSERT_TRUE(writer_->commit().is_ok());
  auto hits = f.search_lexical("late", 5);
  ASSERT_TRUE(hits.is_ok());
  ASSERT_EQ(hits->size(), 1u);
  const int64_t late = hits->at(0).chunk_id;
  EXPECT_FALSE(before.value()->allows(late)) << "made before the chunk existed";
  auto after = f.access_filter(Principals::parse(""));
  ASSERT_TRUE(after.is_ok());
  EXPECT_TRUE(after.value()->allows(late));
  // A restricted document replaced by a public one: its new chunk is allowed, its old one is gone.
  Entry fin = make_entry("doc0", "Budget", "The annual budget plan, part 0, now public.", "\n", 100);
  ASSERT_TRUE(writer_->put_document(fin.doc, fin.chunks, fin.vectors.data()).is_ok());
  ASSERT_TRUE(writer_->commit().is_ok());
  auto now = f.access_filter(Principals::parse(""));
  ASSERT_TRUE(now.is_ok());
  auto replaced = f.search_lexical("now public", 1, {}, now.value().get());
  ASSERT_TRUE(replaced.is_ok());
  ASSERT_EQ(replaced->size(), 1u);
  EXPECT_EQ(f.get_chunk(replaced->at(0).chunk_id)->doc_id, "doc0");
}

// Flat (the default threshold) and IVF (trained once 40 vectors are in).
INSTANTIATE_TEST_SUITE_P(FlatAndIvf, AccessFolderTest, ::testing::Values(FaissOptions{}.ivf_threshold, 40));

}  // namespace
}  // namespace kbseek::storage
