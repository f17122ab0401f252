// The result cache's contract: keys that differ in anything that changes
// an answer (and above all in the caller's principals) never share an
// entry; whitespace-only differences do; another index version is a miss;
// the least recently used entry goes first.
#include "ranker/result_cache.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "core/sha256.h"

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

// Everything an answer shows survives the persistent form, bit for bit.
TEST(ResultCacheTest, ThePersistentFormKeepsTheWholeAnswer) {
  SearchResponse r;
  r.results.push_back(SearchResult{"doc-1",
                                   "标题 title",
                                   "片段 with \"quotes\"\n",
                                   0.123456789012345,
                                   {{"bm25", 1, 12.5, 0.7}, {"llm", 0, -1.25, 0.2}},
                                   {{0, 2}, {5, 9}}});
  r.results.push_back(SearchResult{"doc-2", "", "", -3.5, {}, {}});
  r.took_ms = 12.75;
  r.tuned = true;
  r.reranked = true;
  r.rerank = LlmRerankReport{"qwen2.5-0.5b-instruct", 10, 10, 812.5, "", 0.2, "lowered"};
  auto back = ResultCache::decode(ResultCache::encode(r));
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  ASSERT_EQ(back->results.size(), 2u);
  const SearchResult& a = back->results[0];
  EXPECT_EQ(a.id, "doc-1");
  EXPECT_EQ(a.title, "标题 title");
  EXPECT_EQ(a.snippet, r.results[0].snippet);
  EXPECT_EQ(a.score, r.results[0].score);
  ASSERT_EQ(a.explanation.size(), 2u);
  EXPECT_EQ(a.explanation[1].source, "llm");
  EXPECT_EQ(a.explanation[0].rank, 1);
  EXPECT_EQ(a.explanation[0].score, 12.5);
  EXPECT_EQ(a.explanation[1].weight, 0.2);
  EXPECT_EQ(a.highlights, r.results[0].highlights);
  EXPECT_EQ(back->results[1].score, -3.5);
  EXPECT_EQ(back->took_ms, 12.75);
  EXPECT_TRUE(back->tuned);
  EXPECT_TRUE(back->reranked);
  EXPECT_EQ(back->rerank.model, "qwen2.5-0.5b-instruct");
  EXPECT_EQ(back->rerank.took_ms, 812.5);
  EXPECT_EQ(back->rerank.note, "lowered");
  EXPECT_FALSE(ResultCache::decode("not cbor at all").is_ok());
  EXPECT_FALSE(ResultCache::decode(std::string("\xa1\x61r\x01", 4)).is_ok()) << "CBOR of another shape";
}

// The persistent level outlives the cache object (a restart), keys by the
// durable version and by the service's fingerprint, and a stored entry it
// cannot read is a miss, not an error.
TEST(ResultCacheTest, ThePersistentLevelOutlivesTheProcess) {
  const std::string dir = ::testing::TempDir() + "/kbseek_result_cache_disk";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/cache.sqlite";
  auto open = [&](const std::string& fingerprint) {
    auto disk = storage::CacheStore::open(path, 100);
    EXPECT_TRUE(disk.is_ok()) << disk.status().to_string();
    return std::make_unique<ResultCache>(4, std::move(disk).value(), fingerprint);
  };
  const std::string key = ResultCache::key_of(request("vpn password"));
  {
    auto cache = open("config-1");
    ASSERT_TRUE(cache->has_disk());
    EXPECT_FALSE(cache->get_durable(key, "t/1").has_value());
    cache->put_durable(key, "t/1", answer("A"));
  }
  auto cache = open("config-1");
  auto hit = cache->get_durable(key, "t/1");
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->results[0].id, "A");
  EXPECT_FALSE(cache->get_durable(key, "t/2").has_value()) << "a later commit";
  EXPECT_FALSE(open("config-2")->get_durable(key, "t/1").has_value()) << "another configuration or build";
  EXPECT_EQ(cache->disk_hits(), 1u);
  EXPECT_EQ(cache->disk_misses(), 1u);
  EXPECT_EQ(cache->disk_errors(), 0u);
  // The files hold a digest of the key, never the query text.
  for (const char* suffix : {"", "-wal"}) {
    std::ifstream f(path + suffix, std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
    EXPECT_EQ(bytes.find("vpn password"), std::string::npos) << suffix;
  }
  // Damaged bytes under the right key and version (the digest is SHA-256
  // of fingerprint, newline, key): a miss, counted as an error.
  auto raw = storage::CacheStore::open(path, 100);
  ASSERT_TRUE(raw.is_ok());
  ASSERT_TRUE(raw.value()->put(core::sha256_hex("config-1\n" + key), "t/1", "garbage").is_ok());
  EXPECT_FALSE(cache->get_durable(key, "t/1").has_value());
  EXPECT_EQ(cache->disk_errors(), 1u);
  EXPECT_EQ(ResultCache(0).get_durable(key, "t/1"), std::nullopt) << "no persistent level: a miss";
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace kbseek::ranker
