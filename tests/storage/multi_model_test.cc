// Index folders with several embedding fields, and folders of format 1.
#include <gtest/gtest.h>

#include <filesystem>

#include "storage/index_folder.h"
#include "storage/lexical_index.h"
#include "tests/storage/folder_fixture.h"

namespace kbseek::storage {
namespace {

namespace fs = std::filesystem;
using testing::Entry;
using testing::kFolderDim;

constexpr int kSecondDim = 8;

IndexOptions two_models() {
  IndexOptions o;
  o.models.push_back(model_info("test-model", "sha256:0123", kFolderDim));
  o.models.push_back(model_info("second/model", "sha256:4567", kSecondDim));
  return o;
}

// The entry's vectors for the second field: other random unit vectors.
std::vector<float> second_vectors(const Entry& e, unsigned seed) {
  return testing::random_unit_vectors(e.chunks.size(), kSecondDim, seed);
}

TEST(MultiModelTest, EachFieldHasItsOwnVectorsAndSurvivesReopenAndRebuild) {
  testing::ScratchDir dir;
  auto corpus = testing::small_corpus();
  std::vector<std::vector<float>> second;
  {
    auto w = IndexFolder::create_or_open(dir.path(), two_models());
    ASSERT_TRUE(w.is_ok()) << w.status().to_string();
    for (size_t i = 0; i < corpus.size(); ++i) {
      second.push_back(second_vectors(corpus[i], 100 + i));
      auto st =
          w.value()->put_document(corpus[i].doc, corpus[i].chunks, {corpus[i].vectors.data(), second.back().data()});
      ASSERT_TRUE(st.is_ok()) << st.to_string();
    }
    ASSERT_TRUE(w.value()->commit().is_ok());
    // One array per model, no fewer.
    auto bad = w.value()->put_document(corpus[0].doc, corpus[0].chunks, corpus[0].vectors.data());
    EXPECT_EQ(bad.code(), core::StatusCode::kInvalidArgument);
    EXPECT_NE(bad.message().find("vectors of 1 model(s) given, the index has 2"), std::string::npos) << bad.to_string();
  }
  EXPECT_TRUE(fs::exists(dir / "vectors.test-model.faiss"));
  EXPECT_TRUE(fs::exists(dir / "vectors.second_model.faiss"));
  auto check = [&](const IndexFolder& f) {
    ASSERT_EQ(f.manifest().models.size(), 2u);
    EXPECT_EQ(f.manifest().models[1].field, "second_model");
    for (size_t i = 0; i < corpus.size(); ++i) {
      for (size_t c = 0; c < corpus[i].chunks.size(); ++c) {
        auto a = f.search_dense(0, &corpus[i].vectors[c * kFolderDim], 1);
        auto b = f.search_dense(1, &second[i][c * kSecondDim], 1);
        ASSERT_TRUE(a.is_ok() && b.is_ok());
        ASSERT_EQ(a.value().size(), 1u);
        ASSERT_EQ(b.value().size(), 1u);
        EXPECT_EQ(a.value()[0].chunk_id, b.value()[0].chunk_id);
        EXPECT_EQ(f.get_chunk(b.value()[0].chunk_id).value().text, corpus[i].chunks[c].text);
      }
    }
    EXPECT_EQ(f.search_dense(2, corpus[0].vectors.data(), 1).status().code(), core::StatusCode::kInvalidArgument);
  };
  {
    auto r = IndexFolder::open_read_only(dir.path());
    ASSERT_TRUE(r.is_ok()) << r.status().to_string();
    check(*r.value());
  }
  // The second field's FAISS file lost: rebuilt from docs.sqlite's vectors of that field.
  fs::remove(dir / "vectors.second_model.faiss");
  {
    auto w = IndexFolder::create_or_open(dir.path(), two_models());
    ASSERT_TRUE(w.is_ok()) << w.status().to_string();
    check(*w.value());
  }
  EXPECT_TRUE(fs::exists(dir / "vectors.second_model.faiss"));
}

TEST(MultiModelTest, OtherModelsOrOrderAreRefusedNamingBoth) {
  testing::ScratchDir dir;
  ASSERT_TRUE(IndexFolder::create_or_open(dir.path(), two_models()).is_ok());
  IndexOptions swapped = two_models();
  std::swap(swapped.models[0], swapped.models[1]);
  auto r = IndexFolder::create_or_open(dir.path(), swapped);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("\"second/model\""), std::string::npos) << r.status().to_string();
  auto one = IndexFolder::create_or_open(dir.path(), testing::folder_options());
  EXPECT_EQ(one.status().code(), core::StatusCode::kInvalidArgument);
  IndexOptions twice = two_models();
  twice.models[1].name = "test-model";
  testing::ScratchDir other;
  EXPECT_EQ(IndexFolder::create_or_open(other.path(), twice).status().code(), core::StatusCode::kInvalidArgument);
}

TEST(MultiModelTest, ReaderSeesVectorsCommittedAfterItOpenedOnRefresh) {
  testing::ScratchDir dir;
  auto corpus = testing::small_corpus();
  auto writer = IndexFolder::create_or_open(dir.path(), two_models());
  ASSERT_TRUE(writer.is_ok()) << writer.status().to_string();
  auto second0 = second_vectors(corpus[0], 7);
  ASSERT_TRUE(writer.value()
                  ->put_document(corpus[0].doc, corpus[0].chunks, {corpus[0].vectors.data(), second0.data()})
                  .is_ok());
  ASSERT_TRUE(writer.value()->commit().is_ok());
  auto reader = IndexFolder::open_read_only(dir.path());
  ASSERT_TRUE(reader.is_ok()) << reader.status().to_string();
  const Entry& late = corpus[1];
  auto second1 = second_vectors(late, 8);
  ASSERT_TRUE(writer.value()->put_document(late.doc, late.chunks, {late.vectors.data(), second1.data()}).is_ok());
  ASSERT_TRUE(writer.value()->commit().is_ok());
  auto top_doc = [&](size_t model, const float* q) {
    auto hits = reader.value()->search_dense(model, q, 1);
    EXPECT_TRUE(hits.is_ok() && !hits.value().empty());
    if (!hits.is_ok() || hits.value().empty()) return std::string();
    auto c = reader.value()->get_chunk(hits.value()[0].chunk_id);
    return c.is_ok() ? c.value().doc_id : std::string();
  };
  EXPECT_NE(top_doc(1, second1.data()), late.doc.id);  // vectors as of the open
  ASSERT_TRUE(reader.value()->refresh_vectors().is_ok());
  EXPECT_EQ(top_doc(0, late.vectors.data()), late.doc.id);
  EXPECT_EQ(top_doc(1, second1.data()), late.doc.id);
  ASSERT_TRUE(reader.value()->refresh_vectors().is_ok());  // unchanged: nothing to do
}

TEST(MultiModelTest, EntityFiltersSurviveALexicalRebuild) {
  testing::ScratchDir dir;
  auto corpus = testing::small_corpus();
  corpus[0].chunks[0].entities.push_back(ChunkEntity{"identifier", "A100", 0, 3});
  corpus[1].chunks[0].entities.push_back(ChunkEntity{"money", "CNY 150", 0, 3});
  auto filtered = [&](const IndexFolder& f, const std::vector<std::string>& filters) {
    auto ids = f.filtered_chunk_ids(filters, 100);
    EXPECT_TRUE(ids.is_ok()) << ids.status().to_string();
    std::vector<std::string> docs;
    for (int64_t id : ids.value()) docs.push_back(f.get_chunk(id).value().doc_id);
    return docs;
  };
  {
    auto w = IndexFolder::create_or_open(dir.path(), testing::folder_options());
    ASSERT_TRUE(w.is_ok());
    for (const auto& e : corpus) ASSERT_TRUE(w.value()->put_document(e.doc, e.chunks, e.vectors.data()).is_ok());
    ASSERT_TRUE(w.value()->commit().is_ok());
    EXPECT_EQ(filtered(*w.value(), {entity_filter_term("a100")}), (std::vector<std::string>{"zh-db"}));
  }
  std::filesystem::remove_all(dir / "lexical");
  auto w = IndexFolder::create_or_open(dir.path(), testing::folder_options());
  ASSERT_TRUE(w.is_ok());
  EXPECT_EQ(filtered(*w.value(), {entity_filter_term("A100")}), (std::vector<std::string>{"zh-db"}));
  EXPECT_EQ(filtered(*w.value(), {entity_type_filter_term("money")}), (std::vector<std::string>{"en-dogs"}));
  EXPECT_TRUE(filtered(*w.value(), {entity_filter_term("a100"), entity_type_filter_term("money")}).empty());
  auto hits = w.value()->search_lexical("数据库", 10, {entity_filter_term("a100")});
  ASSERT_TRUE(hits.is_ok());
  for (const auto& h : hits.value()) EXPECT_EQ(w.value()->get_chunk(h.chunk_id).value().doc_id, "zh-db");
  EXPECT_EQ(w.value()->get_chunk(hits.value().at(0).chunk_id).value().entities.size(), 1u);
}

// tests/data/index_format1 was written by kbseek 0.1.0 (format 1, one model,
// "vectors.faiss"): this build reads it, and its first writer upgrades the
// MANIFEST to format 2 keeping the field and file names.
TEST(MultiModelTest, FormatOneFolderOpensAndUpgrades) {
  testing::ScratchDir dir;
  fs::copy(KBSEEK_TEST_DATA_DIR "/index_format1", dir.path(), fs::copy_options::recursive);
  {
    // Its lexical index was made by an older analyzer: a reader says how to
    // fix that instead of searching with mismatched terms.
    auto r = IndexFolder::open_read_only(dir.path());
    ASSERT_FALSE(r.is_ok());
    EXPECT_EQ(r.status().code(), core::StatusCode::kFailedPrecondition);
    EXPECT_NE(r.status().message().find("open the index for writing once"), std::string::npos)
        << r.status().to_string();
  }
  IndexOptions o;
  o.model_name = "all-minilm-l6-v2";
  o.model_fingerprint = "0fc17f58ebc9ce53ab6fbf17dbdafd72f6963de1e29a92b42be856c94336924c";
  o.dimension = 384;
  auto w = IndexFolder::create_or_open(dir.path(), o);
  ASSERT_TRUE(w.is_ok()) << w.status().to_string();
  EXPECT_EQ(w.value()->manifest().format_version, Manifest::kFormatVersion);
  EXPECT_EQ(w.value()->manifest().models[0].field, "text");
  EXPECT_EQ(w.value()->manifest().models[0].faiss_file, "vectors.faiss");
  auto again = read_manifest(dir.path());
  ASSERT_TRUE(again.is_ok());
  EXPECT_EQ(again.value().format_version, Manifest::kFormatVersion);
  EXPECT_EQ(w.value()->document_count(), 8);
  EXPECT_EQ(w.value()->get_document("kb-004").value().title, "差旅费用报销制度");
  // The lexical index was rebuilt with this build's analyzer.
  auto hits = w.value()->search_lexical("報銷", 1);  // traditional form of the query
  ASSERT_TRUE(hits.is_ok() && !hits.value().empty());
  EXPECT_EQ(w.value()->get_chunk(hits.value()[0].chunk_id).value().doc_id, "kb-004");
  w.value().reset();
  auto r = IndexFolder::open_read_only(dir.path());
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r.value()->manifest().format_version, Manifest::kFormatVersion);
}

}  // namespace
}  // namespace kbseek::storage
