// The query embedding cache: exact-text keys, least recently used first
// out, a stored vector of another size is a miss.
#include "query/embedding_cache.h"

#include <gtest/gtest.h>

namespace kbseek::query {
namespace {

TEST(EmbeddingCacheTest, KeepsTheMostRecentlyUsed) {
  EmbeddingCache cache(2);
  const float a[2] = {1, 0}, b[2] = {0, 1}, c[2] = {0.6f, 0.8f};
  float out[2];
  EXPECT_FALSE(cache.get("a", out, 2));
  cache.put("a", a, 2);
  cache.put("b", b, 2);
  ASSERT_TRUE(cache.get("a", out, 2));
  EXPECT_EQ(out[0], 1);
  cache.put("c", c, 2);  // b is the least recently used
  EXPECT_FALSE(cache.get("b", out, 2));
  EXPECT_TRUE(cache.get("c", out, 2));
  EXPECT_FLOAT_EQ(out[1], 0.8f);
  EXPECT_FALSE(cache.get("a ", out, 2)) << "exact text";
  EXPECT_FALSE(cache.get("a", out, 3)) << "another dimension";
  EXPECT_EQ(cache.hits(), 2u);
  EXPECT_EQ(cache.misses(), 4u);
}

}  // namespace
}  // namespace kbseek::query
