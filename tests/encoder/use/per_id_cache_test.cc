// UsePerIdCache: lookups copy the stored rows, eviction is CLOCK (ids looked
// up since the hand passed survive), counts, and concurrent use.
#include "encoder/use/per_id_cache.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace kbseek::encoder {
namespace {

std::vector<float> row_for(int32_t id, int floats) {
  std::vector<float> r(floats);
  for (int j = 0; j < floats; ++j) r[j] = static_cast<float>(id) * 1000.0f + static_cast<float>(j);
  return r;
}

void put(UsePerIdCache& c, int32_t id) { c.insert(&id, 1, row_for(id, c.row_floats()).data()); }

bool has(UsePerIdCache& c, int32_t id) {
  std::vector<float> r(c.row_floats());
  uint8_t found = 0;
  c.lookup(&id, 1, r.data(), &found);
  return found != 0;
}

TEST(UsePerIdCache, ReturnsTheStoredRowsAndMarksMisses) {
  UsePerIdCache c(4, 3);
  const std::vector<int32_t> ids = {7, 9};
  std::vector<float> rows = row_for(7, 3);
  const auto r9 = row_for(9, 3);
  rows.insert(rows.end(), r9.begin(), r9.end());
  c.insert(ids.data(), 2, rows.data());
  const std::vector<int32_t> ask = {9, 8, 7};
  std::vector<float> got(9, -1.0f);
  std::vector<uint8_t> found(3, 2);
  EXPECT_EQ(c.lookup(ask.data(), 3, got.data(), found.data()), 2);
  EXPECT_EQ(found, (std::vector<uint8_t>{1, 0, 1}));
  EXPECT_EQ(std::vector<float>(got.begin(), got.begin() + 3), row_for(9, 3));
  EXPECT_EQ(std::vector<float>(got.begin() + 3, got.begin() + 6), std::vector<float>(3, -1.0f));  // untouched
  EXPECT_EQ(std::vector<float>(got.begin() + 6, got.end()), row_for(7, 3));
  EXPECT_EQ(c.hits(), 2u);
  EXPECT_EQ(c.misses(), 1u);
  EXPECT_EQ(c.size(), 2);
}

TEST(UsePerIdCache, AnIdAlreadyCachedKeepsItsRow) {
  UsePerIdCache c(2, 2);
  put(c, 5);
  const int32_t id = 5;
  const std::vector<float> other = {-1.0f, -2.0f};
  c.insert(&id, 1, other.data());
  std::vector<float> got(2);
  uint8_t found = 0;
  c.lookup(&id, 1, got.data(), &found);
  EXPECT_EQ(got, row_for(5, 2));
  EXPECT_EQ(c.size(), 1);
}

TEST(UsePerIdCache, EvictsTheIdNotUsedSinceTheHandPassed) {
  UsePerIdCache c(3, 2);
  put(c, 1);
  put(c, 2);
  put(c, 3);
  ASSERT_TRUE(has(c, 1));  // 1 and 3 referenced; 2 not
  ASSERT_TRUE(has(c, 3));
  put(c, 4);  // the hand clears 1, evicts 2
  EXPECT_FALSE(has(c, 2));
  EXPECT_TRUE(has(c, 4));
  EXPECT_TRUE(has(c, 1));
  EXPECT_TRUE(has(c, 3));
  EXPECT_EQ(c.size(), 3);
  std::vector<float> got(2);
  const int32_t four = 4;
  uint8_t found = 0;
  c.lookup(&four, 1, got.data(), &found);
  EXPECT_EQ(got, row_for(4, 2));  // written into the evicted slot
}

TEST(UsePerIdCache, NeverHoldsMoreThanItsCapacity) {
  UsePerIdCache c(16, 4);
  for (int32_t id = 0; id < 1000; ++id) {
    put(c, id);
    if (id % 3 == 0) has(c, id / 2);
  }
  EXPECT_EQ(c.size(), 16);
  int held = 0;
  for (int32_t id = 0; id < 1000; ++id) held += has(c, id) ? 1 : 0;
  EXPECT_EQ(held, 16);
}

TEST(UsePerIdCache, ConcurrentLookupsAndInsertsReturnOnlyTheRightRows) {
  UsePerIdCache c(32, 64);
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      std::vector<float> got(64);
      for (int k = 0; k < 5000; ++k) {
        const int32_t id = (k * 7 + t * 13) % 100;
        uint8_t found = 0;
        c.lookup(&id, 1, got.data(), &found);
        if (found != 0) {
          wrong[t] += got != row_for(id, 64) ? 1 : 0;
        } else {
          put(c, id);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(wrong[t], 0) << "thread " << t;
  EXPECT_EQ(c.size(), 32);
  EXPECT_EQ(c.hits() + c.misses(), 20000u);
}

}  // namespace
}  // namespace kbseek::encoder
