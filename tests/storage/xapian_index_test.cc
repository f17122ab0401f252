#include "storage/xapian_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <thread>

#include "storage/stop_words.h"
#include "tests/storage/test_util.h"

namespace kbseek::storage {
namespace {

using testing::ScratchDir;
using Mode = XapianIndex::Mode;

std::vector<int64_t> ids_of(const core::Result<std::vector<Hit>>& r) {
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  std::vector<int64_t> ids;
  if (r.is_ok())
    for (const auto& h : r.value()) ids.push_back(h.chunk_id);
  return ids;
}

std::unique_ptr<XapianIndex> open_index(const std::string& path, Mode mode) {
  auto r = XapianIndex::open(path, mode);
  EXPECT_TRUE(r.is_ok()) << r.status().to_string();
  return r.is_ok() ? std::move(r).value() : nullptr;
}

class XapianIndexTest : public ::testing::Test {
 protected:
  void fill(XapianIndex* index) {
    ASSERT_TRUE(index->add(1, "数据库", "数据库管理系统是管理数据的软件。").is_ok());
    ASSERT_TRUE(index->add(2, "groff", "用 groff 模拟 nroff 命令排版手册页。").is_ok());
    ASSERT_TRUE(index->add(3, "Dogs", "The dogs were running in the park.").is_ok());
    ASSERT_TRUE(index->add(4, "", "研究生命起源的科学家。").is_ok());
  }
  ScratchDir dir_;
};

TEST_F(XapianIndexTest, SearchesChineseEnglishAndMixedText) {
  auto index = open_index(dir_ / "lex", Mode::kWritable);
  fill(index.get());
  EXPECT_EQ(index->size(), 4);
  EXPECT_EQ(ids_of(index->search("数据库", 10)).at(0), 1);
  EXPECT_EQ(ids_of(index->search("a dog runs", 10)), (std::vector<int64_t>{3}));
  EXPECT_EQ(ids_of(index->search("用 groff 模拟 nroff 命令", 10)).at(0), 2);
  EXPECT_EQ(ids_of(index->search("生命的起源", 10)).at(0), 4);
  auto hits = index->search("数据库 生命", 10);
  ASSERT_TRUE(hits.is_ok());
  ASSERT_EQ(hits.value().size(), 2u);
  EXPECT_GE(hits.value()[0].score, hits.value()[1].score);
}

// The query path analyses once (query::parse_query) and searches by terms:
// the same hits as searching by the string, and the same share.
TEST_F(XapianIndexTest, TermsAnalysedOnceSearchLikeTheString) {
  auto index = open_index(dir_ / "lex", Mode::kWritable);
  fill(index.get());
  for (const char* q : {"数据库 生命", "the dogs running", "用 groff 模拟 nroff 命令", "資料庫"}) {
    const QueryTerms terms = index->query_terms(q);
    EXPECT_FALSE(terms.search.empty()) << q;
    auto by_terms = index->search(LexicalQuery{terms.search, {}}, 10, nullptr);
    auto by_string = index->search(q, 10);
    ASSERT_TRUE(by_terms.is_ok() && by_string.is_ok()) << q;
    EXPECT_EQ(ids_of(by_terms), ids_of(by_string)) << q;
    EXPECT_DOUBLE_EQ(index->known_share(terms.known).value(), index->known_term_share(q).value()) << q;
  }
  EXPECT_TRUE(index->query_terms("the").known.size() == 1u);
  EXPECT_TRUE(index->search(LexicalQuery{}, 10, nullptr).value().empty());
}

// Conditions run inside Xapian: phrases by position, ranges on value
// slots, negation, metadata values; and the registry of fields survives a
// reopen, read-only as well.
TEST_F(XapianIndexTest, ConditionsFilterInsideTheIndex) {
  auto index = open_index(dir_ / "lex", Mode::kWritable);
  auto fields = [](const char* dept, double price, int64_t time) {
    ChunkFields f;
    f.values = {{"dept", dept}, {"price", std::to_string(price)}};
    f.numbers = {{"price", price}, {"time", static_cast<double>(time)}};
    return f;
  };
  ASSERT_TRUE(index->add(1, "", "the vector database stores vectors", fields("Finance", 10, 1000)).is_ok());
  ASSERT_TRUE(index->add(2, "", "a database of vector images", fields("legal", 25, 2000)).is_ok());
  ASSERT_TRUE(index->add(3, "", "向量数据库的检索速度", fields("finance", 40, 3000)).is_ok());
  ASSERT_TRUE(index->commit().is_ok());
  auto terms = [&](const char* s) { return index->query_terms(s).known; };
  auto run = [&](const XapianIndex& x, std::vector<Condition> must, const char* scored = "") {
    return ids_of(x.search(LexicalQuery{x.query_terms(scored).search, std::move(must)}, 10, nullptr));
  };
  auto sorted = [](std::vector<int64_t> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  // "vector database" as a phrase: chunk 1 only; as words: 1 and 2.
  EXPECT_EQ(run(*index, {Condition::phrase(terms("vector database"))}, "vector database"), (std::vector<int64_t>{1}));
  EXPECT_EQ(sorted(run(*index, {Condition::all_terms(terms("vector database"))})), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(run(*index, {Condition::phrase(terms("向量数据库"))}), (std::vector<int64_t>{3}));
  EXPECT_TRUE(run(*index, {Condition::phrase(terms("database vector"))}).empty());
  // Ranges on numbers and time, open ends.
  EXPECT_EQ(sorted(run(*index, {Condition::range("price", 10, 25)})), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(run(*index, {Condition::range("price", 30, HUGE_VAL)}), (std::vector<int64_t>{3}));
  EXPECT_EQ(run(*index, {Condition::range("time", -HUGE_VAL, 1500)}), (std::vector<int64_t>{1}));
  EXPECT_TRUE(run(*index, {Condition::range("nosuchfield", 0, 1e9)}).empty());
  // Metadata values match in lower case; negation and boolean structure.
  EXPECT_EQ(sorted(run(*index, {Condition::all_terms({field_filter_term("dept", "finance")})})),
            (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(sorted(run(*index, {Condition::negate(Condition::all_terms({field_filter_term("dept", "finance")}))})),
            (std::vector<int64_t>{2}));
  EXPECT_EQ(sorted(run(*index, {Condition::any_of({Condition::range("price", 40, 40),
                                                   Condition::all_terms({field_filter_term("dept", "legal")})})})),
            (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(run(*index, {Condition::all_of({Condition::all_terms({field_filter_term("dept", "finance")}),
                                            Condition::negate(Condition::range("price", 0, 20))})}),
            (std::vector<int64_t>{3}));
  // Entity-style search_any keeps to the conditions too.
  auto any = index->search_any({"vector", "databas"}, 10, {Condition::range("price", 20, 30)}, nullptr);
  EXPECT_EQ(ids_of(any), (std::vector<int64_t>{2}));

  auto known = index->indexed_fields();
  ASSERT_TRUE(known.is_ok());
  EXPECT_TRUE(known.value().positions);
  EXPECT_EQ(known.value().fields, (std::map<std::string, bool>{{"dept", false}, {"price", true}, {"time", true}}));
  index.reset();
  auto reader = open_index(dir_ / "lex", Mode::kReadOnly);
  EXPECT_EQ(reader->indexed_fields().value().fields, known.value().fields);
  EXPECT_EQ(run(*reader, {Condition::range("price", 30, HUGE_VAL)}), (std::vector<int64_t>{3}));
  EXPECT_EQ(run(*reader, {Condition::phrase(reader->query_terms("vector database").known)}), (std::vector<int64_t>{1}));
}

TEST_F(XapianIndexTest, KnownTermShareCountsDistinctQueryTermsInTheIndex) {
  auto index = open_index(dir_ / "lex", Mode::kWritable);
  fill(index.get());
  ASSERT_TRUE(index->commit().is_ok());
  auto share = [&](const XapianIndex& x, const char* q) {
    auto r = x.known_term_share(q);
    EXPECT_TRUE(r.is_ok()) << r.status().to_string();
    return r.is_ok() ? r.value() : -1.0;
  };
  EXPECT_DOUBLE_EQ(share(*index, "the dogs running"), 1.0);
  EXPECT_DOUBLE_EQ(share(*index, "dogs dogs zebras"), 0.5);  // distinct terms: dog, zebra
  EXPECT_DOUBLE_EQ(share(*index, "quantum chromodynamics"), 0.0);
  EXPECT_DOUBLE_EQ(share(*index, "，。"), 0.0);
  index.reset();
  auto reader = open_index(dir_ / "lex", Mode::kReadOnly);
  EXPECT_DOUBLE_EQ(share(*reader, "groff zebras"), 0.5);
}

TEST(StopWordsTest, DroppedFromQueriesUnlessNothingElseIsLeft) {
  EXPECT_TRUE(is_stop_word("the"));
  EXPECT_TRUE(is_stop_word("的"));
  EXPECT_FALSE(is_stop_word("database"));
  EXPECT_EQ(drop_stop_words({"the", "dog", "的", "数据库"}), (std::vector<std::string>{"dog", "数据库"}));
  EXPECT_EQ(drop_stop_words({"to", "be", "or", "not"}), (std::vector<std::string>{"to", "be", "or", "not"}));
}

TEST_F(XapianIndexTest, StopWordOptionKeepsStopWordOnlyQueriesWorking) {
  XapianOptions o;
  o.drop_stop_words = true;
  auto r = XapianIndex::open(dir_ / "lex", Mode::kWritable, o);
  ASSERT_TRUE(r.is_ok());
  fill(r.value().get());
  EXPECT_EQ(ids_of(r.value()->search("the dogs", 10)), (std::vector<int64_t>{3}));
  EXPECT_EQ(ids_of(r.value()->search("the", 10)), (std::vector<int64_t>{3}));  // only stop words: kept
}

// On a large collection, a term in most chunks only adds weight to chunks a
// rarer query term matched; a query of common terms alone still matches.
TEST_F(XapianIndexTest, CommonTermsOnlyAddWeightOnLargeCollections) {
  for (bool large : {true, false}) {
    XapianOptions o;
    o.common_term_share = 0.5;
    o.common_terms_from = large ? 1 : 1000;  // 4 chunks: "large" only when the floor is 1
    const std::string path = dir_ / (large ? "large" : "small");
    auto r = XapianIndex::open(path, Mode::kWritable, o);
    ASSERT_TRUE(r.is_ok());
    XapianIndex& index = *r.value();
    ASSERT_TRUE(index.add(1, "", "apple banana").is_ok());
    ASSERT_TRUE(index.add(2, "", "banana cherry").is_ok());
    ASSERT_TRUE(index.add(3, "", "banana").is_ok());
    ASSERT_TRUE(index.add(4, "", "durian banana").is_ok());
    ASSERT_TRUE(index.add(5, "", "durian").is_ok());
    ASSERT_TRUE(index.commit().is_ok());
    auto both = ids_of(index.search("banana durian", 10));
    std::sort(both.begin(), both.end());
    // Large: durian's chunks only (banana, in 4 of 5, only adds weight).
    EXPECT_EQ(both, large ? (std::vector<int64_t>{4, 5}) : (std::vector<int64_t>{1, 2, 3, 4, 5}));
    auto common = ids_of(index.search("banana", 10));  // nothing rarer: all of banana's chunks
    std::sort(common.begin(), common.end());
    EXPECT_EQ(common, (std::vector<int64_t>{1, 2, 3, 4}));
  }
}

TEST_F(XapianIndexTest, EmptyAnalysisGivesEmptyResultAndBadKIsAnError) {
  auto index = open_index(dir_ / "lex", Mode::kWritable);
  fill(index.get());
  auto r = index->search("，。！？", 10);
  ASSERT_TRUE(r.is_ok());
  EXPECT_TRUE(r.value().empty());
  EXPECT_TRUE(ids_of(index->search("nomatchword", 10)).empty());
  EXPECT_EQ(index->search("数据库", 0).status().code(), core::StatusCode::kInvalidArgument);
}

TEST_F(XapianIndexTest, ReplaceAndRemoveById) {
  auto index = open_index(dir_ / "lex", Mode::kWritable);
  fill(index.get());
  ASSERT_TRUE(index->add(1, "", "completely different words").is_ok());
  EXPECT_EQ(index->size(), 4);
  EXPECT_TRUE(ids_of(index->search("数据库", 10)).empty());
  EXPECT_EQ(ids_of(index->search("different", 10)), (std::vector<int64_t>{1}));
  ASSERT_TRUE(index->remove(3).is_ok());
  ASSERT_TRUE(index->remove(12345).is_ok());  // absent: fine
  EXPECT_EQ(index->size(), 3);
  EXPECT_TRUE(ids_of(index->search("dogs", 10)).empty());
}

TEST_F(XapianIndexTest, ReadersSeeOnlyCommittedChanges) {
  auto writer = open_index(dir_ / "lex", Mode::kWritable);
  fill(writer.get());
  ASSERT_TRUE(writer->commit().is_ok());
  auto reader = open_index(dir_ / "lex", Mode::kReadOnly);
  EXPECT_EQ(reader->size(), 4);
  ASSERT_TRUE(writer->add(5, "", "zebra crossing").is_ok());
  EXPECT_EQ(ids_of(writer->search("zebra", 10)), (std::vector<int64_t>{5}));  // the writer sees its own change
  EXPECT_TRUE(ids_of(reader->search("zebra", 10)).empty());
  ASSERT_TRUE(writer->commit().is_ok());
  EXPECT_EQ(ids_of(reader->search("zebra", 10)), (std::vector<int64_t>{5}));  // reopened per search
}

TEST_F(XapianIndexTest, CancelAndCloseDiscardUncommittedChanges) {
  {
    auto index = open_index(dir_ / "lex", Mode::kWritable);
    fill(index.get());
    ASSERT_TRUE(index->commit().is_ok());
    ASSERT_TRUE(index->add(7, "", "ephemeral").is_ok());
    ASSERT_TRUE(index->cancel().is_ok());
    EXPECT_TRUE(ids_of(index->search("ephemeral", 10)).empty());
    ASSERT_TRUE(index->add(8, "", "vanishing").is_ok());
  }
  auto index = open_index(dir_ / "lex", Mode::kReadOnly);
  EXPECT_EQ(index->size(), 4);
  EXPECT_TRUE(ids_of(index->search("vanishing", 10)).empty());
}

TEST_F(XapianIndexTest, MetadataIsCommittedWithTheData) {
  auto index = open_index(dir_ / "lex", Mode::kWritable);
  ASSERT_TRUE(index->set_metadata("generation", "7").is_ok());
  ASSERT_TRUE(index->commit().is_ok());
  auto reader = open_index(dir_ / "lex", Mode::kReadOnly);
  auto value = reader->get_metadata("generation");
  ASSERT_TRUE(value.is_ok());
  EXPECT_EQ(value.value(), "7");
  EXPECT_EQ(reader->get_metadata("unset").value(), "");
  EXPECT_EQ(reader->add(1, "", "x").code(), core::StatusCode::kFailedPrecondition);
}

TEST_F(XapianIndexTest, SecondWriterIsUnavailableAndMissingReaderFails) {
  auto writer = open_index(dir_ / "lex", Mode::kWritable);
  auto second = XapianIndex::open(dir_ / "lex", Mode::kWritable);
  ASSERT_FALSE(second.is_ok());
  EXPECT_EQ(second.status().code(), core::StatusCode::kUnavailable);
  EXPECT_NE(second.status().message().find(dir_ / "lex"), std::string::npos);
  auto missing = XapianIndex::open(dir_ / "nope", Mode::kReadOnly);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("nope"), std::string::npos);
}

TEST_F(XapianIndexTest, ConcurrentReaderSearches) {
  auto writer = open_index(dir_ / "lex", Mode::kWritable);
  fill(writer.get());
  ASSERT_TRUE(writer->commit().is_ok());
  auto reader = open_index(dir_ / "lex", Mode::kReadOnly);
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        auto r = reader->search("数据库 管理", 5);
        if (!r.is_ok() || r.value().empty() || r.value()[0].chunk_id != 1) ++wrong;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace kbseek::storage
