#include "query/readable_chunks.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace kbseek::query {
namespace {

using Known = ReadableChunks::Known;

TEST(ReadableChunksTest, RemembersEachIdsAnswer) {
  ReadableChunks memo(1000);
  EXPECT_EQ(memo.slots(), 1024u);
  EXPECT_EQ(memo.lookup(7), Known::kUnknown);
  memo.remember(7, true);
  memo.remember(8, false);
  EXPECT_EQ(memo.lookup(7), Known::kReadable);
  EXPECT_EQ(memo.lookup(8), Known::kUnreadable);
  EXPECT_EQ(memo.lookup(9), Known::kUnknown);
  EXPECT_EQ(memo.lookup(-1), Known::kUnknown);
  memo.remember(0, false);  // id 0 is not the empty slot
  EXPECT_EQ(memo.lookup(0), Known::kUnreadable);
}

TEST(ReadableChunksTest, ACollisionForgetsTheOlderIdNeverAnswersForIt) {
  ReadableChunks memo(16);
  memo.remember(3, true);
  memo.remember(3 + 16, false);  // same slot
  EXPECT_EQ(memo.lookup(3), Known::kUnknown);
  EXPECT_EQ(memo.lookup(3 + 16), Known::kUnreadable);
  memo.remember(int64_t{1} << 62, true);  // out of range: ignored
  EXPECT_EQ(memo.lookup(int64_t{1} << 62), Known::kUnknown);
}

TEST(ReadableChunksTest, ConcurrentWritersAndReadersSeeOnlyTrueAnswers) {
  ReadableChunks memo(64);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&memo, t] {
      for (int64_t id = t; id < 20000; id += 4) {
        memo.remember(id, id % 3 == 0);
        for (int64_t probe : {id, id - 64, id + 1}) {
          const Known k = memo.lookup(probe);
          if (k != Known::kUnknown) {
            EXPECT_EQ(k == Known::kReadable, probe % 3 == 0) << probe;
          }
        }
      }
    });
  }
  for (auto& th : threads) th.join();
}

}  // namespace
}  // namespace kbseek::query
