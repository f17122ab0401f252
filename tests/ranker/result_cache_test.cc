// The result cache's contract: keys that differ in anything that changes
// an answer (and above all in the caller's principals) never share an
// entry; whitespace-only differences do; another index version is a miss;
// the least recently used entry goes first.
#include "ranker/result_cache.h"

#include <gtest/gtest.h>

namespace kbseek::ranker {
namespace {

SearchResponse answer(const std::string& id) {
  SearchResponse r;
  r.results.push_back(SearchResult{id, "t", "s", 1.0, {}, {}});
  return r;
}

SearchRequest request(const std::string& q) {
  SearchRequest r;
  r.query = q;
  return r;
}

TEST(ResultCacheTest, KeysSeparateWhatChangesAnAnswer) {
  const SearchRequest base = request("vpn  password ");
  EXPECT_EQ(ResultCache::key_of(base), ResultCache::key_of(request(" vpn password")));
  EXPECT_NE(ResultCache::key_of(base), ResultCache::key_of(request("VPN password")));
  SearchRequest other = base;
  other.k = 3;
  EXPECT_NE(ResultCache::key_of(base), ResultCache::key_of(other));
  other = base;
  other.mode = SearchMode::kBm25;
  EXPECT_NE(ResultCache::key_of(base), ResultCache::key_of(other));
  other = base;
  other.rerank_model = "qwen2.5-0.5b-instruct";
  EXPECT_NE(ResultCache::key_of(base), ResultCache::key_of(other));
  SearchRequest fin = base, fin2 = base, all = base;
  fin.principals = storage::Principals::parse("finance,hr");
  fin2.principals = storage::Principals::parse("hr, finance,hr");
  all.principals = storage::Principals::everyone_allowed();
  EXPECT_NE(ResultCache::key_of(base), ResultCache::key_of(fin)) << "anonymous vs finance";
  EXPECT_EQ(ResultCache::key_of(fin), ResultCache::key_of(fin2)) << "same rights, other order";
  EXPECT_NE(ResultCache::key_of(fin), ResultCache::key_of(all));
  EXPECT_NE(ResultCache::key_of(base), ResultCache::key_of(all));
}

TEST(ResultCacheTest, VersionsAndLeastRecentlyUsed) {
  ResultCache cache(2);
  cache.put("a", "v1", answer("A"));
  cache.put("b", "v1", answer("B"));
  ASSERT_TRUE(cache.get("a", "v1").has_value());
  EXPECT_EQ(cache.get("a", "v1")->results[0].id, "A");
  EXPECT_FALSE(cache.get("a", "v2").has_value()) << "another index version";
  cache.put("c", "v1", answer("C"));  // evicts b, the least recently used
  EXPECT_FALSE(cache.get("b", "v1").has_value());
  EXPECT_TRUE(cache.get("a", "v1").has_value());
  EXPECT_TRUE(cache.get("c", "v1").has_value());
  cache.put("a", "v2", answer("A2"));
  EXPECT_EQ(cache.get("a", "v2")->results[0].id, "A2");
  EXPECT_EQ(cache.hits(), 5u);
  EXPECT_EQ(cache.misses(), 2u);
  ResultCache off(0);
  off.put("a", "v1", answer("A"));
  EXPECT_FALSE(off.get("a", "v1").has_value());
}

}  // namespace
}  // namespace kbseek::ranker
