#include "storage/index_folder.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <thread>

#include "tests/storage/folder_fixture.h"

namespace kbseek::storage {
namespace {

using namespace kbseek::storage::testing;  // NOLINT

class IndexFolderTest : public ::testing::Test {
 protected:
  std::unique_ptr<IndexFolder> open_writer(int64_t ivf_threshold = FaissOptions{}.ivf_threshold) {
    auto r = IndexFolder::create_or_open(dir_.path(), folder_options(ivf_threshold));
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() ? std::move(r).value() : nullptr;
  }
  std::unique_ptr<IndexFolder> open_reader() {
    auto r = IndexFolder::open_read_only(dir_.path());
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() ? std::move(r).value() : nullptr;
  }
  void put_all(IndexFolder* folder) {
    for (const auto& e : corpus_) {
      auto st = folder->put_document(e.doc, e.chunks, e.vectors.data());
      ASSERT_TRUE(st.is_ok()) << st.to_string();
    }
  }
  // Text of the best dense hit for the vector of chunk `i` of entry `e`.
  static std::string dense_top1(const IndexFolder& f, const Entry& e, size_t i) {
    auto hits = f.search_dense(&e.vectors[i * kFolderDim], 3);
    EXPECT_TRUE(hits.is_ok()) << hits.status().to_string();
    if (!hits.is_ok() || hits.value().empty()) return "";
    auto chunk = f.get_chunk(hits.value()[0].chunk_id);
    return chunk.is_ok() ? chunk.value().text : "<" + chunk.status().to_string() + ">";
  }
  static std::vector<std::string> lexical_doc_ids(const IndexFolder& f, std::string_view query) {
    auto hits = f.search_lexical(query, 10);
    EXPECT_TRUE(hits.is_ok()) << hits.status().to_string();
    std::vector<std::string> ids;
    if (hits.is_ok())
      for (const auto& h : hits.value()) {
        auto chunk = f.get_chunk(h.chunk_id);
        ids.push_back(chunk.is_ok() ? chunk.value().doc_id : "<gone>");
      }
    return ids;
  }

  ScratchDir dir_;
  std::vector<Entry> corpus_ = small_corpus();
};

TEST_F(IndexFolderTest, RoundTripThroughCommitAndReadOnlyReopen) {
  {
    auto writer = open_writer();
    put_all(writer.get());
    EXPECT_EQ(writer->document_count(), 4);
    ASSERT_TRUE(writer->commit().is_ok());
    EXPECT_EQ(writer->manifest().generation, 1);
  }
  auto reader = open_reader();
  EXPECT_FALSE(reader->writable());
  EXPECT_EQ(reader->document_count(), 4);
  EXPECT_EQ(reader->chunk_count(), 7);
  const Manifest& m = reader->manifest();
  EXPECT_EQ(m.generation, 1);
  EXPECT_EQ(m.document_count, 4);
  EXPECT_EQ(m.chunk_count, 7);
  EXPECT_EQ(m.models.at(0).name, "test-model");
  EXPECT_EQ(m.models.at(0).faiss_spec, "IDMap2,Flat");

  for (const auto& e : corpus_)
    for (size_t i = 0; i < e.chunks.size(); ++i) EXPECT_EQ(dense_top1(*reader, e, i), e.chunks[i].text);

  EXPECT_EQ(lexical_doc_ids(*reader, "数据库").at(0), "zh-db");
  EXPECT_EQ(lexical_doc_ids(*reader, "running dog").at(0), "en-dogs");
  EXPECT_EQ(lexical_doc_ids(*reader, "用 groff 模拟 nroff 命令").at(0), "mixed");
  EXPECT_EQ(lexical_doc_ids(*reader, "生命的起源").at(0), "zh-life");
  EXPECT_TRUE(lexical_doc_ids(*reader, "？！").empty());

  auto doc = reader->get_document("zh-db");
  ASSERT_TRUE(doc.is_ok());
  EXPECT_EQ(doc.value().text, corpus_[0].doc.text);
  EXPECT_EQ(doc.value().acl, corpus_[0].doc.acl);
  EXPECT_EQ(doc.value().timestamp, corpus_[0].doc.timestamp);
  EXPECT_EQ(doc.value().metadata_json, corpus_[0].doc.metadata_json);
  EXPECT_EQ(reader->content_hash("zh-db").value(), document_content_hash(corpus_[0].doc));
  EXPECT_EQ(reader->content_hash("nope").value(), std::nullopt);
  EXPECT_EQ(reader->get_document("nope").status().code(), core::StatusCode::kNotFound);

  auto chunk = reader->get_chunk(reader->search_lexical("windowsills", 1).value().at(0).chunk_id);
  ASSERT_TRUE(chunk.is_ok());
  EXPECT_EQ(chunk.value().doc_id, "en-dogs");
  EXPECT_EQ(chunk.value().ordinal, 1);
  const std::string& text = corpus_[1].doc.text;
  EXPECT_EQ(text.substr(chunk.value().start_byte, chunk.value().end_byte - chunk.value().start_byte),
            chunk.value().text);
}

TEST_F(IndexFolderTest, ReplacingADocumentRemovesItsOldChunksEverywhere) {
  auto writer = open_writer();
  put_all(writer.get());
  ASSERT_TRUE(writer->commit().is_ok());
  const Entry old_entry = corpus_[1];
  std::vector<int64_t> old_ids;
  auto old_hits = writer->search_lexical("dogs cats", 10);  // held: value() of a temporary would dangle
  for (const auto& h : old_hits.value()) old_ids.push_back(h.chunk_id);
  ASSERT_EQ(old_ids.size(), 2u);

  Entry fresh = make_entry("en-dogs", "Birds", "Parrots can imitate human speech.", ". ", 99);
  ASSERT_TRUE(writer->put_document(fresh.doc, fresh.chunks, fresh.vectors.data()).is_ok());
  EXPECT_TRUE(writer->search_lexical("dogs cats", 10).value().empty());  // the writer sees it at once
  ASSERT_TRUE(writer->commit().is_ok());
  EXPECT_EQ(writer->document_count(), 4);
  EXPECT_EQ(writer->chunk_count(), 6);

  auto reader = open_reader();
  for (int64_t id : old_ids) EXPECT_EQ(reader->get_chunk(id).status().code(), core::StatusCode::kNotFound);
  EXPECT_TRUE(reader->search_lexical("dogs cats", 10).value().empty());
  for (size_t i = 0; i < old_entry.chunks.size(); ++i) {
    auto hits = reader->search_dense(&old_entry.vectors[i * kFolderDim], 10);
    for (const auto& h : hits.value())
      EXPECT_TRUE(std::find(old_ids.begin(), old_ids.end(), h.chunk_id) == old_ids.end());
  }
  EXPECT_EQ(dense_top1(*reader, fresh, 0), fresh.chunks[0].text);
  EXPECT_EQ(lexical_doc_ids(*reader, "parrots").at(0), "en-dogs");
  EXPECT_EQ(reader->get_document("en-dogs").value().title, "Birds");
}

TEST_F(IndexFolderTest, RemoveDocument) {
  auto writer = open_writer();
  put_all(writer.get());
  ASSERT_TRUE(writer->commit().is_ok());
  ASSERT_TRUE(writer->remove_document("zh-db").is_ok());
  EXPECT_EQ(writer->remove_document("zh-db").code(), core::StatusCode::kNotFound);
  ASSERT_TRUE(writer->commit().is_ok());
  EXPECT_EQ(writer->manifest().generation, 2);
  auto reader = open_reader();
  EXPECT_EQ(reader->document_count(), 3);
  EXPECT_EQ(reader->chunk_count(), 5);
  EXPECT_EQ(reader->manifest().chunk_count, 5);
  EXPECT_EQ(reader->get_document("zh-db").status().code(), core::StatusCode::kNotFound);
  EXPECT_TRUE(lexical_doc_ids(*reader, "数据库 软件").empty());
  EXPECT_NE(dense_top1(*reader, corpus_[0], 0), corpus_[0].chunks[0].text);
}

TEST_F(IndexFolderTest, CommitBumpsGenerationOnlyWithChangesAndCloseDiscards) {
  {
    auto writer = open_writer();
    EXPECT_EQ(writer->manifest().generation, 0);
    ASSERT_TRUE(writer->commit().is_ok());
    EXPECT_EQ(writer->manifest().generation, 0);
    put_all(writer.get());
    ASSERT_TRUE(writer->commit().is_ok());
    ASSERT_TRUE(writer->commit().is_ok());
    EXPECT_EQ(writer->manifest().generation, 1);
    Entry extra = make_entry("extra", "", "uncommitted words here", ". ", 5);
    ASSERT_TRUE(writer->put_document(extra.doc, extra.chunks, extra.vectors.data()).is_ok());
    EXPECT_EQ(writer->document_count(), 5);
  }  // closed without commit
  auto writer = open_writer();
  EXPECT_EQ(writer->document_count(), 4);
  EXPECT_TRUE(writer->search_lexical("uncommitted", 5).value().empty());
  EXPECT_EQ(writer->manifest().generation, 1);
}

TEST_F(IndexFolderTest, ReadersSeeCommitsNotTheWritersBatch) {
  auto writer = open_writer();
  put_all(writer.get());
  ASSERT_TRUE(writer->commit().is_ok());
  auto reader = open_reader();
  Entry extra = make_entry("extra", "", "zebras graze quietly", ". ", 5);
  ASSERT_TRUE(writer->put_document(extra.doc, extra.chunks, extra.vectors.data()).is_ok());
  EXPECT_EQ(reader->document_count(), 4);
  EXPECT_TRUE(reader->search_lexical("zebras", 5).value().empty());
  ASSERT_TRUE(writer->commit().is_ok());
  EXPECT_EQ(reader->document_count(), 5);
  EXPECT_EQ(lexical_doc_ids(*reader, "zebras"), (std::vector<std::string>{"extra"}));
}

TEST_F(IndexFolderTest, ModelMismatchNamesBothModels) {
  { open_writer(); }
  IndexOptions other = folder_options();
  other.model_name = "other-model";
  other.dimension = 32;
  auto r = IndexFolder::create_or_open(dir_.path(), other);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), core::StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("\"test-model\""), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("\"other-model\""), std::string::npos);
  other = folder_options();
  other.model_fingerprint = "sha256:ffff";
  EXPECT_FALSE(IndexFolder::create_or_open(dir_.path(), other).is_ok());
}

TEST_F(IndexFolderTest, OneWriterAtATimeAndReadOnlyRefusesWrites) {
  auto writer = open_writer();
  auto second = IndexFolder::create_or_open(dir_.path(), folder_options());
  ASSERT_FALSE(second.is_ok());
  EXPECT_EQ(second.status().code(), core::StatusCode::kUnavailable);
  auto reader = open_reader();
  const Entry& e = corpus_[0];
  EXPECT_EQ(reader->put_document(e.doc, e.chunks, e.vectors.data()).code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(reader->commit().code(), core::StatusCode::kFailedPrecondition);
}

TEST_F(IndexFolderTest, BadInputIsRejectedBeforeAnyChange) {
  auto writer = open_writer();
  Entry e = corpus_[0];
  auto expect_invalid = [&](const Document& d, const std::vector<Chunk>& c, const float* v, const char* needle) {
    core::Status st = writer->put_document(d, c, v);
    EXPECT_EQ(st.code(), core::StatusCode::kInvalidArgument) << st.to_string();
    EXPECT_NE(st.message().find(needle), std::string::npos) << st.message();
  };
  std::vector<float> half = e.vectors;
  for (float& x : half) x *= 0.5f;
  expect_invalid(e.doc, e.chunks, half.data(), "has norm");
  expect_invalid(e.doc, e.chunks, nullptr, "no vectors");
  std::vector<Chunk> bad_range = e.chunks;
  bad_range[1].end_byte = 100000;
  expect_invalid(e.doc, bad_range, e.vectors.data(), "chunk 1");
  Document bad_meta = e.doc;
  bad_meta.metadata_json = "[1,2]";
  expect_invalid(bad_meta, e.chunks, e.vectors.data(), "metadata_json");
  Document bad_text = e.doc;
  bad_text.text += "\xc3";
  expect_invalid(bad_text, e.chunks, e.vectors.data(), "UTF-8");
  Document no_id = e.doc;
  no_id.id.clear();
  expect_invalid(no_id, e.chunks, e.vectors.data(), "id");
  EXPECT_EQ(writer->document_count(), 0);
  // A document without chunks is fine.
  EXPECT_TRUE(writer->put_document(e.doc, {}, nullptr).is_ok());
}

TEST_F(IndexFolderTest, NonIndexFolderIsNotTakenOver) {
  std::ofstream(dir_ / "notes.txt") << "mine";
  auto r = IndexFolder::create_or_open(dir_.path(), folder_options());
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("no MANIFEST"), std::string::npos);
  EXPECT_EQ(IndexFolder::open_read_only(dir_ / "absent").status().code(), core::StatusCode::kNotFound);
  IndexOptions incomplete;
  EXPECT_EQ(IndexFolder::create_or_open(dir_ / "x", incomplete).status().code(), core::StatusCode::kInvalidArgument);
}

TEST_F(IndexFolderTest, VectorIndexTurnsIvfPastTheThreshold) {
  const size_t n = 1500;
  const auto vectors = random_unit_vectors(n, kFolderDim, 77);
  {
    auto writer = open_writer(/*ivf_threshold=*/1000);
    for (size_t i = 0; i < n; ++i) {
      Document d;
      d.id = "doc" + std::to_string(i);
      d.text = "document number " + std::to_string(i);
      std::vector<Chunk> chunks = split_chunks(d.text, "\n");
      ASSERT_TRUE(writer->put_document(d, chunks, &vectors[i * kFolderDim]).is_ok());
    }
    ASSERT_TRUE(writer->commit().is_ok());
    EXPECT_EQ(writer->manifest().models.at(0).faiss_spec.rfind("IVF", 0), 0u)
        << writer->manifest().models.at(0).faiss_spec;
  }
  auto reader = open_reader();
  EXPECT_EQ(reader->manifest().models.at(0).faiss_spec.rfind("IVF", 0), 0u);
  for (size_t i = 0; i < n; i += 101) {
    auto hits = reader->search_dense(nudge(&vectors[i * kFolderDim], kFolderDim, 500 + i, 0.02f).data(), 1);
    ASSERT_TRUE(hits.is_ok());
    ASSERT_FALSE(hits.value().empty());
    EXPECT_EQ(reader->get_chunk(hits.value()[0].chunk_id).value().doc_id, "doc" + std::to_string(i));
  }
  // --nprobe (set_nprobe): one list holds ~n/nlist vectors, so a search
  // probing one list finds fewer than 200; probing all finds 200.
  reader->set_nprobe(1);
  auto one_list = reader->search_dense(vectors.data(), 200);
  ASSERT_TRUE(one_list.is_ok());
  EXPECT_LT(one_list.value().size(), 200u);
  reader->set_nprobe(1 << 20);
  auto every_list = reader->search_dense(vectors.data(), 200);
  ASSERT_TRUE(every_list.is_ok());
  EXPECT_EQ(every_list.value().size(), 200u);
}

TEST_F(IndexFolderTest, ConcurrentSearchesOnAReadOnlyFolder) {
  {
    auto writer = open_writer();
    put_all(writer.get());
    ASSERT_TRUE(writer->commit().is_ok());
  }
  auto reader = open_reader();
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      const Entry& e = corpus_[t % corpus_.size()];
      for (int i = 0; i < 50; ++i) {
        if (dense_top1(*reader, e, 0) != e.chunks[0].text) ++wrong;
        auto hits = reader->search_lexical("数据库", 3);
        if (!hits.is_ok() || hits.value().empty()) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(IndexFolderTest, SearchesRunWhileTheWriterWrites) {
  auto writer = open_writer();
  put_all(writer.get());
  ASSERT_TRUE(writer->commit().is_ok());
  std::atomic<bool> done{false};
  std::atomic<int> failures{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 2; ++t) {
    readers.emplace_back([&] {
      while (!done.load()) {
        auto dense = writer->search_dense(corpus_[0].vectors.data(), 5);
        auto lexical = writer->search_lexical("数据库 document", 5);
        if (!dense.is_ok() || !lexical.is_ok()) ++failures;
        if (lexical.is_ok()) {
          for (const auto& h : lexical.value()) (void)writer->get_chunk(h.chunk_id);
        }
        (void)writer->chunk_count();
      }
    });
  }
  const auto vectors = random_unit_vectors(200, kFolderDim, 31);
  for (int i = 0; i < 200; ++i) {
    Document d;
    d.id = "doc" + std::to_string(i % 50);  // replacements too
    d.text = "document " + std::to_string(i);
    ASSERT_TRUE(writer->put_document(d, split_chunks(d.text, "\n"), &vectors[i * kFolderDim]).is_ok());
    if (i % 64 == 63) {
      ASSERT_TRUE(writer->commit().is_ok());
    }
  }
  ASSERT_TRUE(writer->commit().is_ok());
  done = true;
  for (auto& th : readers) th.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(writer->document_count(), 54);
}

}  // namespace
}  // namespace kbseek::storage
