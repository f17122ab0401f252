#include "storage/sqlite_store.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/storage/test_util.h"

namespace kbseek::storage {
namespace {

using testing::random_unit_vectors;
using testing::ScratchDir;

constexpr int kDim = 8;

Document doc(const std::string& id, const std::string& text) {
  Document d;
  d.id = id;
  d.title = "标题 " + id;
  d.text = text;
  return d;
}

std::vector<Chunk> halves(const std::string& text) {
  const int64_t mid = static_cast<int64_t>(text.size() / 2);
  return {Chunk{-1, "", 0, text.substr(0, mid), 0, mid, "", {}},
          Chunk{-1, "", 1, text.substr(mid), mid, static_cast<int64_t>(text.size()), "", {}}};
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = SqliteStore::open(dir_ / "docs.sqlite", true);
    ASSERT_TRUE(s.is_ok()) << s.status().to_string();
    store_ = std::move(s).value();
  }
  ScratchDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteStoreTest, DocumentsChunksAndVectorsRoundTrip) {
  Document d = doc("a", "abcdefgh");
  d.timestamp = 1700000000;
  d.metadata_json = R"({"lang":"en"})";
  d.acl = {"alice", "group:eng"};
  const auto v = random_unit_vectors(2, kDim, 1);
  ASSERT_TRUE(store_->begin().is_ok());
  auto r = store_->replace_document(d, "hash-a", halves(d.text), v.data(), kDim);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_EQ(r.value().new_chunk_ids.size(), 2u);
  EXPECT_TRUE(r.value().removed_chunk_ids.empty());
  ASSERT_TRUE(store_->commit().is_ok());

  auto got = store_->get_document("a");
  ASSERT_TRUE(got.is_ok());
  EXPECT_EQ(got.value().title, d.title);
  EXPECT_EQ(got.value().text, d.text);
  EXPECT_EQ(got.value().timestamp, d.timestamp);
  EXPECT_EQ(got.value().metadata_json, d.metadata_json);
  EXPECT_EQ(got.value().acl, d.acl);
  auto header = store_->get_document("a", /*with_text=*/false);  // what the ranker reads
  ASSERT_TRUE(header.is_ok());
  EXPECT_EQ(header.value().text, "");
  EXPECT_EQ(header.value().title, d.title);
  EXPECT_EQ(header.value().timestamp, d.timestamp);
  EXPECT_EQ(header.value().metadata_json, d.metadata_json);
  EXPECT_EQ(header.value().acl, d.acl);
  EXPECT_EQ(store_->get_document("zzz", false).status().code(), core::StatusCode::kNotFound);
  auto chunk = store_->get_chunk(r.value().new_chunk_ids[1]);
  ASSERT_TRUE(chunk.is_ok());
  EXPECT_EQ(chunk.value().doc_id, "a");
  EXPECT_EQ(chunk.value().ordinal, 1);
  EXPECT_EQ(chunk.value().text, "efgh");
  EXPECT_EQ(chunk.value().start_byte, 4);
  EXPECT_EQ(chunk.value().end_byte, 8);
  EXPECT_EQ(store_->content_hash("a").value(), std::optional<std::string>("hash-a"));
  EXPECT_EQ(store_->content_hash("zzz").value(), std::nullopt);

  std::vector<float> seen;
  ASSERT_TRUE(store_
                  ->scan_vectors(kDim,
                                 [&](int64_t, const float* x) {
                                   seen.insert(seen.end(), x, x + kDim);
                                   return core::Status::ok();
                                 })
                  .is_ok());
  EXPECT_EQ(seen, v);
  int chunks = 0;
  ASSERT_TRUE(store_
                  ->scan_chunks([&](const SqliteStore::ChunkRow& row) {
                    EXPECT_EQ(row.title, d.title);
                    EXPECT_EQ(row.metadata_json, d.metadata_json);
                    ++chunks;
                    return core::Status::ok();
                  })
                  .is_ok());
  EXPECT_EQ(chunks, 2);
}

TEST_F(SqliteStoreTest, ReplaceAndDeleteNeverReuseChunkIds) {
  const auto v = random_unit_vectors(2, kDim, 2);
  ASSERT_TRUE(store_->begin().is_ok());
  auto first = store_->replace_document(doc("a", "12345678"), "h1", halves("12345678"), v.data(), kDim);
  ASSERT_TRUE(first.is_ok());
  auto second = store_->replace_document(doc("a", "abcdefgh"), "h2", halves("abcdefgh"), v.data(), kDim);
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(second.value().removed_chunk_ids, first.value().new_chunk_ids);
  EXPECT_GT(second.value().new_chunk_ids[0], first.value().new_chunk_ids[1]);
  EXPECT_EQ(store_->get_chunk(first.value().new_chunk_ids[0]).status().code(), core::StatusCode::kNotFound);
  EXPECT_EQ(store_->chunk_count().value(), 2);
  EXPECT_EQ(store_->embedding_count().value(), 2);
  auto removed = store_->delete_document("a");
  ASSERT_TRUE(removed.is_ok());
  EXPECT_EQ(removed.value(), second.value().new_chunk_ids);
  EXPECT_EQ(store_->delete_document("a").status().code(), core::StatusCode::kNotFound);
  ASSERT_TRUE(store_->commit().is_ok());
  EXPECT_EQ(store_->document_count().value(), 0);
  EXPECT_EQ(store_->embedding_count().value(), 0);
  ASSERT_TRUE(store_->begin().is_ok());
  auto third = store_->replace_document(doc("b", "xy"), "h3", {}, nullptr, kDim);
  ASSERT_TRUE(third.is_ok());
  auto fourth = store_->replace_document(doc("c", "abcdefgh"), "h4", halves("abcdefgh"), v.data(), kDim);
  EXPECT_GT(fourth.value().new_chunk_ids[0], second.value().new_chunk_ids[1]);
}

TEST_F(SqliteStoreTest, RollbackDiscardsAndOtherConnectionsSeeOnlyCommits) {
  ASSERT_TRUE(store_->begin().is_ok());
  ASSERT_TRUE(store_->replace_document(doc("a", "x"), "h", {}, nullptr, kDim).is_ok());
  ASSERT_TRUE(store_->set_state("generation", "1").is_ok());
  ASSERT_TRUE(store_->commit().is_ok());
  ASSERT_TRUE(store_->begin().is_ok());
  ASSERT_TRUE(store_->replace_document(doc("b", "y"), "h", {}, nullptr, kDim).is_ok());
  auto reader = SqliteStore::open(dir_ / "docs.sqlite", false);
  ASSERT_TRUE(reader.is_ok()) << reader.status().to_string();
  EXPECT_EQ(reader.value()->document_count().value(), 1);
  EXPECT_EQ(store_->document_count().value(), 2);
  ASSERT_TRUE(store_->rollback().is_ok());
  EXPECT_EQ(store_->document_count().value(), 1);
  EXPECT_EQ(reader.value()->get_state("generation").value(), std::optional<std::string>("1"));
  EXPECT_EQ(reader.value()->get_state("missing").value(), std::nullopt);
}

// chunk_documents and get_vectors read many rows in one read transaction of
// their own: a reader still sees every later commit afterwards (the
// transaction is closed, not pinned to an old snapshot), and inside the
// writer's transaction the lookups see its uncommitted rows.
TEST_F(SqliteStoreTest, BatchedLookupsEndTheirReadTransaction) {
  const auto v = random_unit_vectors(2, kDim, 3);
  ASSERT_TRUE(store_->begin().is_ok());
  auto a = store_->replace_document(doc("a", "abcdefgh"), "h", halves("abcdefgh"), v.data(), kDim);
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  // Inside the write transaction: its own rows, through the same batch path.
  auto inside = store_->chunk_documents(a.value().new_chunk_ids);
  ASSERT_TRUE(inside.is_ok()) << inside.status().to_string();
  EXPECT_EQ(inside.value(), (std::vector<std::string>{"a", "a"}));
  ASSERT_TRUE(store_->commit().is_ok());

  auto reader = SqliteStore::open(dir_ / "docs.sqlite", false);
  ASSERT_TRUE(reader.is_ok()) << reader.status().to_string();
  auto first = reader.value()->chunk_documents(a.value().new_chunk_ids);
  ASSERT_TRUE(first.is_ok());
  EXPECT_EQ(first.value(), (std::vector<std::string>{"a", "a"}));
  auto vecs = reader.value()->get_vectors(SqliteStore::kTextField, kDim, a.value().new_chunk_ids);
  ASSERT_TRUE(vecs.is_ok()) << vecs.status().to_string();
  EXPECT_EQ(vecs.value(), std::vector<float>(v.begin(), v.end()));

  // Another commit after the reader's batches: the reader sees it.
  ASSERT_TRUE(store_->begin().is_ok());
  auto b = store_->replace_document(doc("b", "ijklmnop"), "h", halves("ijklmnop"), v.data(), kDim);
  ASSERT_TRUE(b.is_ok());
  ASSERT_TRUE(store_->commit().is_ok());
  std::vector<int64_t> ids = a.value().new_chunk_ids;
  ids.insert(ids.end(), b.value().new_chunk_ids.begin(), b.value().new_chunk_ids.end());
  ids.push_back(999999);  // no such chunk: an empty document id
  auto second = reader.value()->chunk_documents(ids);
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(second.value(), (std::vector<std::string>{"a", "a", "b", "b", ""}));
  EXPECT_EQ(reader.value()->document_count().value(), 2);
  // And the writer can still write: no reader holds a lock that blocks it.
  ASSERT_TRUE(store_->begin().is_ok());
  ASSERT_TRUE(store_->replace_document(doc("c", "q"), "h", {}, nullptr, kDim).is_ok());
  ASSERT_TRUE(store_->commit().is_ok());
  EXPECT_EQ(reader.value()->document_count().value(), 3);
}

TEST_F(SqliteStoreTest, WritesNeedATransactionAndVectors) {
  EXPECT_EQ(store_->replace_document(doc("a", "x"), "h", {}, nullptr, kDim).status().code(),
            core::StatusCode::kFailedPrecondition);
  ASSERT_TRUE(store_->begin().is_ok());
  EXPECT_EQ(store_->replace_document(doc("a", "abcd"), "h", halves("abcd"), nullptr, kDim).status().code(),
            core::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_->document_count().value(), 0);
}

TEST_F(SqliteStoreTest, NewerSchemaIsRefused) {
  store_.reset();
  {
    auto db = SqliteDb::open(dir_ / "docs.sqlite", true);
    ASSERT_TRUE(db.is_ok());
    ASSERT_TRUE(db.value()->exec("UPDATE schema_version SET version = 3").is_ok());
  }
  auto again = SqliteStore::open(dir_ / "docs.sqlite", true);
  ASSERT_FALSE(again.is_ok());
  EXPECT_EQ(again.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_NE(again.status().message().find("schema version 3, this build reads 1-2"), std::string::npos)
      << again.status().to_string();
}

TEST_F(SqliteStoreTest, ChunkLanguageAndEntitiesRoundTrip) {
  ASSERT_TRUE(store_->begin().is_ok());
  std::vector<Chunk> chunks = halves("8 块 A100 显卡。Costs $25 each.");
  chunks[0].language = "zh";
  chunks[0].entities.push_back(ChunkEntity{"identifier", "A100", 4, 8});
  chunks[1].language = "en";
  auto v = testing::random_unit_vectors(2, kDim, 3);
  auto r = store_->replace_document(doc("e", "8 块 A100 显卡。Costs $25 each."), "h", chunks, v.data(), kDim);
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  ASSERT_TRUE(store_->commit().is_ok());
  auto c = store_->get_chunk(r.value().new_chunk_ids[0]);
  ASSERT_TRUE(c.is_ok());
  EXPECT_EQ(c.value().language, "zh");
  ASSERT_EQ(c.value().entities.size(), 1u);
  EXPECT_EQ(c.value().entities[0].value, "A100");
  EXPECT_EQ(c.value().entities[0].end_byte, 8);
  EXPECT_EQ(store_->get_chunk(r.value().new_chunk_ids[1]).value().language, "en");
  ASSERT_TRUE(store_->begin().is_ok());
  ASSERT_TRUE(store_->delete_document("e").is_ok());
  ASSERT_TRUE(store_->commit().is_ok());
  int entities = 0;
  ASSERT_TRUE(store_
                  ->scan_entities([&](int64_t, const ChunkEntity&) {
                    ++entities;
                    return core::Status::ok();
                  })
                  .is_ok());
  EXPECT_EQ(entities, 0);  // deleted with their chunk
}

TEST_F(SqliteStoreTest, MissingReadOnlyFileAndGarbageFileAreErrors) {
  EXPECT_FALSE(SqliteStore::open(dir_ / "absent.sqlite", false).is_ok());
  { std::ofstream(dir_ / "garbage.sqlite") << std::string(4096, 'x'); }
  auto garbage = SqliteStore::open(dir_ / "garbage.sqlite", true);
  ASSERT_FALSE(garbage.is_ok());
  EXPECT_NE(garbage.status().message().find("garbage.sqlite"), std::string::npos);
}

}  // namespace
}  // namespace kbseek::storage
