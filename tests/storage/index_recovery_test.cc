// Crash tests: derived stores left behind by a crash between commit steps
// (or lost) are rebuilt from docs.sqlite when the folder is opened.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "storage/index_folder.h"
#include "storage/sqlite_store.h"
#include "tests/storage/folder_fixture.h"

namespace kbseek::storage {
namespace {

namespace fs = std::filesystem;
using namespace kbseek::storage::testing;  // NOLINT

class IndexRecoveryTest : public ::testing::Test {
 protected:
  // Commits the small corpus as generation 1 and closes the folder.
  void commit_generation_one() {
    auto writer = IndexFolder::create_or_open(dir_.path(), folder_options());
    ASSERT_TRUE(writer.is_ok()) << writer.status().to_string();
    for (const auto& e : corpus_) ASSERT_TRUE(writer.value()->put_document(e.doc, e.chunks, e.vectors.data()).is_ok());
    ASSERT_TRUE(writer.value()->commit().is_ok());
  }
  // A crash after the SQLite commit of generation 2 and before anything
  // else: docs.sqlite gains `extra` and generation 2, the rest stays at 1.
  void commit_generation_two_in_sqlite_only(const Entry& extra) {
    auto store = SqliteStore::open(dir_ / "docs.sqlite", true);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    ASSERT_TRUE(store.value()->begin().is_ok());
    ASSERT_TRUE(store.value()
                    ->replace_document(extra.doc, document_content_hash(extra.doc), extra.chunks,
                                       {{field_for_model("test-model"), kFolderDim, extra.vectors.data()}})
                    .is_ok());
    ASSERT_TRUE(store.value()->delete_document("en-dogs").is_ok());
    ASSERT_TRUE(store.value()->set_state(IndexFolder::kGenerationKey, "2").is_ok());
    ASSERT_TRUE(store.value()->commit().is_ok());
  }
  std::unique_ptr<IndexFolder> reopen_writable() {
    auto r = IndexFolder::create_or_open(dir_.path(), folder_options());
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() ? std::move(r).value() : nullptr;
  }
  // Every chunk of `entries` is found first by its own vector and by a word.
  void expect_searchable(const IndexFolder& f, const std::vector<Entry>& entries) {
    for (const auto& e : entries) {
      for (size_t i = 0; i < e.chunks.size(); ++i) {
        auto hits = f.search_dense(&e.vectors[i * kFolderDim], 1);
        ASSERT_TRUE(hits.is_ok());
        ASSERT_FALSE(hits.value().empty());
        EXPECT_EQ(f.get_chunk(hits.value()[0].chunk_id).value().text, e.chunks[i].text);
      }
    }
  }
  static bool lexical_finds(const IndexFolder& f, std::string_view query, const std::string& doc_id) {
    auto hits = f.search_lexical(query, 10);
    if (!hits.is_ok()) return false;
    for (const auto& h : hits.value()) {
      auto c = f.get_chunk(h.chunk_id);
      if (c.is_ok() && c.value().doc_id == doc_id) return true;
    }
    return false;
  }

  ScratchDir dir_;
  std::vector<Entry> corpus_ = small_corpus();
  Entry extra_ = make_entry("extra", "Zebras", "Zebras graze on the savanna. 斑马在草原上吃草。", ". ", 42);
};

TEST_F(IndexRecoveryTest, StaleXapianAndFaissAfterSqliteCommitAreRebuilt) {
  commit_generation_one();
  commit_generation_two_in_sqlite_only(extra_);
  auto writer = reopen_writable();
  ASSERT_NE(writer, nullptr);
  EXPECT_EQ(writer->manifest().generation, 2);
  EXPECT_EQ(writer->manifest().models.at(0).faiss_generation, 2);
  EXPECT_EQ(writer->document_count(), 4);
  EXPECT_TRUE(lexical_finds(*writer, "zebras", "extra"));
  EXPECT_TRUE(lexical_finds(*writer, "斑马", "extra"));
  EXPECT_FALSE(lexical_finds(*writer, "windowsills", "en-dogs"));
  expect_searchable(*writer, {corpus_[0], corpus_[2], corpus_[3], extra_});
  writer.reset();
  // The repair was committed: a reader agrees without rebuilding anything.
  auto reader = IndexFolder::open_read_only(dir_.path());
  ASSERT_TRUE(reader.is_ok()) << reader.status().to_string();
  EXPECT_EQ(reader.value()->manifest().generation, 2);
  EXPECT_TRUE(lexical_finds(*reader.value(), "zebras", "extra"));
  expect_searchable(*reader.value(), {extra_});
}

TEST_F(IndexRecoveryTest, DeletedFaissFileIsRebuilt) {
  commit_generation_one();
  fs::remove(dir_ / "vectors.test-model.faiss");
  {
    // Read-only: rebuilt in memory, nothing written.
    auto reader = IndexFolder::open_read_only(dir_.path());
    ASSERT_TRUE(reader.is_ok()) << reader.status().to_string();
    expect_searchable(*reader.value(), corpus_);
    EXPECT_FALSE(fs::exists(dir_ / "vectors.test-model.faiss"));
  }
  auto writer = reopen_writable();
  EXPECT_TRUE(fs::exists(dir_ / "vectors.test-model.faiss"));
  expect_searchable(*writer, corpus_);
}

TEST_F(IndexRecoveryTest, OlderOrCorruptDerivedFilesAreRebuilt) {
  commit_generation_one();
  fs::copy(dir_ / "vectors.test-model.faiss", dir_ / "vectors.gen1");
  fs::copy(dir_ / "lexical", dir_ / "lexical.gen1", fs::copy_options::recursive);
  {
    auto writer = reopen_writable();
    ASSERT_TRUE(writer->put_document(extra_.doc, extra_.chunks, extra_.vectors.data()).is_ok());
    ASSERT_TRUE(writer->commit().is_ok());
  }
  // Generation 2 is complete; now put generation 1's derived files back, as
  // if a backup restore or a torn copy had mixed generations.
  fs::copy(dir_ / "vectors.gen1", dir_ / "vectors.test-model.faiss", fs::copy_options::overwrite_existing);
  fs::remove_all(dir_ / "lexical");
  fs::copy(dir_ / "lexical.gen1", dir_ / "lexical", fs::copy_options::recursive);
  {
    auto writer = reopen_writable();
    EXPECT_TRUE(lexical_finds(*writer, "zebras", "extra"));
    expect_searchable(*writer, {corpus_[0], extra_});
  }
  std::ofstream(dir_ / "vectors.test-model.faiss", std::ios::trunc) << "garbage";
  auto writer = reopen_writable();
  expect_searchable(*writer, {corpus_[1], extra_});
}

TEST_F(IndexRecoveryTest, AnalyzerChangeTriggersALexicalRebuild) {
  commit_generation_one();
  {
    auto lexical = XapianIndex::open(dir_ / "lexical", XapianIndex::Mode::kWritable);
    ASSERT_TRUE(lexical.is_ok());
    ASSERT_TRUE(lexical.value()->set_metadata(IndexFolder::kAnalyzerKey, "some-older-analyzer/0").is_ok());
    ASSERT_TRUE(lexical.value()->commit().is_ok());
  }
  auto reader = IndexFolder::open_read_only(dir_.path());
  ASSERT_FALSE(reader.is_ok());
  EXPECT_NE(reader.status().message().find("some-older-analyzer/0"), std::string::npos);
  auto writer = reopen_writable();
  EXPECT_TRUE(lexical_finds(*writer, "数据库", "zh-db"));
  writer.reset();
  EXPECT_TRUE(IndexFolder::open_read_only(dir_.path()).is_ok());
}

TEST_F(IndexRecoveryTest, LostSqliteIsCorruptionNotASilentEmptyIndex) {
  commit_generation_one();
  fs::remove(dir_ / "docs.sqlite");
  fs::remove(dir_ / "docs.sqlite-wal");
  fs::remove(dir_ / "docs.sqlite-shm");
  auto r = IndexFolder::create_or_open(dir_.path(), folder_options());
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), core::StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("docs.sqlite"), std::string::npos);
}

// kill -9 in the middle of a batch, after one commit: the child process
// exits without running any destructor (no Xapian close, no SQLite
// rollback), holding the writer lock. The next open must see exactly the
// committed generation.
TEST_F(IndexRecoveryTest, KillDuringABatchLeavesTheLastCommit) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        auto writer = IndexFolder::create_or_open(dir_.path(), folder_options());
        if (!writer.is_ok()) std::_Exit(2);
        for (const auto& e : corpus_)
          if (!writer.value()->put_document(e.doc, e.chunks, e.vectors.data()).is_ok()) std::_Exit(3);
        if (!writer.value()->commit().is_ok()) std::_Exit(4);
        if (!writer.value()->put_document(extra_.doc, extra_.chunks, extra_.vectors.data()).is_ok()) std::_Exit(5);
        if (!writer.value()->remove_document("zh-db").is_ok()) std::_Exit(6);
        std::_Exit(0);
      },
      ::testing::ExitedWithCode(0), "");
  auto writer = reopen_writable();
  ASSERT_NE(writer, nullptr);
  EXPECT_EQ(writer->manifest().generation, 1);
  EXPECT_EQ(writer->document_count(), 4);
  EXPECT_FALSE(lexical_finds(*writer, "zebras", "extra"));
  EXPECT_TRUE(lexical_finds(*writer, "数据库", "zh-db"));
  expect_searchable(*writer, corpus_);
}

}  // namespace
}  // namespace kbseek::storage
