// The persistent cache on a real SQLite file: values come back under their
// version only, survive reopening, the least recently used go first past
// the capacity, and a file that is not a cache is started afresh.
#include "storage/cache_store.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "storage/index_folder.h"
#include "tests/storage/folder_fixture.h"

namespace kbseek::storage {
namespace {

using namespace kbseek::storage::testing;  // NOLINT

std::optional<std::string> get(CacheStore& c, const std::string& key, const std::string& version) {
  auto v = c.get(key, version);
  EXPECT_TRUE(v.is_ok()) << v.status().to_string();
  return v.is_ok() ? v.value() : std::nullopt;
}

TEST(CacheStoreTest, ValuesUnderTheirVersionSurviveReopening) {
  ScratchDir dir;
  const std::string path = dir / CacheStore::kFileName;
  {
    auto c = CacheStore::open(path, 10);
    ASSERT_TRUE(c.is_ok()) << c.status().to_string();
    EXPECT_EQ(c.value()->reset_reason(), "");
    EXPECT_FALSE(get(*c.value(), "k", "g1").has_value());
    // Bytes, not text: a NUL and high bytes round-trip.
    const std::string value("a\0\xff\x80z", 5);
    ASSERT_TRUE(c.value()->put("k", "g1", value).is_ok());
    EXPECT_EQ(get(*c.value(), "k", "g1"), value);
    EXPECT_FALSE(get(*c.value(), "k", "g2").has_value()) << "another version";
    ASSERT_TRUE(c.value()->put("k", "g2", "new").is_ok());
    EXPECT_FALSE(get(*c.value(), "k", "g1").has_value()) << "replaced";
  }
  auto again = CacheStore::open(path, 10);
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_EQ(get(*again.value(), "k", "g2"), "new");
  EXPECT_EQ(again.value()->size().value(), 1);
}

TEST(CacheStoreTest, TheLeastRecentlyWrittenGoFirstPastCapacity) {
  ScratchDir dir;
  auto c = CacheStore::open(dir / CacheStore::kFileName, 8);
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  // Eviction runs when the count passes capacity by an eighth (here 1):
  // 10 entries leave the 8 newest.
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(c.value()->put("k" + std::to_string(i), "g", std::to_string(i)).is_ok());
    // Distinct use times (milliseconds) so the order is unambiguous.
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_EQ(c.value()->size().value(), 8);
  EXPECT_FALSE(get(*c.value(), "k0", "g").has_value());
  EXPECT_FALSE(get(*c.value(), "k1", "g").has_value());
  for (int i = 2; i < 10; ++i) EXPECT_EQ(get(*c.value(), "k" + std::to_string(i), "g"), std::to_string(i));
  EXPECT_FALSE(CacheStore::open(dir / "other.sqlite", 0).is_ok()) << "capacity must be at least 1";
}

TEST(CacheStoreTest, AFileThatIsNotACacheIsStartedAfresh) {
  ScratchDir dir;
  const std::string path = dir / CacheStore::kFileName;
  {
    std::ofstream f(path, std::ios::binary);
    f << std::string(8192, 'x');  // not SQLite at all
  }
  auto c = CacheStore::open(path, 4);
  ASSERT_TRUE(c.is_ok()) << c.status().to_string();
  EXPECT_NE(c.value()->reset_reason(), "") << "the reason is reported";
  ASSERT_TRUE(c.value()->put("k", "g", "v").is_ok());
  EXPECT_EQ(get(*c.value(), "k", "g"), "v");
}

TEST(CacheStoreTest, AFileThatCannotBeCreatedIsAnErrorNamingIt) {
  ScratchDir dir;
  // (A folder without write permission is the usual case; root writes
  // there anyway, so the test takes a folder that does not exist.)
  const std::string path = dir / "no-such-folder/cache.sqlite";
  auto c = CacheStore::open(path, 4);
  ASSERT_FALSE(c.is_ok());
  EXPECT_NE(c.status().message().find(path), std::string::npos) << c.status().message();
}

// The version a persistent cache keys by names the folder's commits and
// is the same for every reader, and after reopening.
TEST(CacheStoreTest, TheDurableVersionFollowsCommits) {
  ScratchDir dir;
  auto w = IndexFolder::create_or_open(dir.path(), folder_options());
  ASSERT_TRUE(w.is_ok()) << w.status().to_string();
  auto before = w.value()->durable_version();
  ASSERT_TRUE(before.is_ok()) << before.status().to_string();
  const Entry e = small_corpus()[1];
  ASSERT_TRUE(w.value()->put_document(e.doc, e.chunks, e.vectors.data()).is_ok());
  ASSERT_TRUE(w.value()->commit().is_ok());
  auto after = w.value()->durable_version();
  ASSERT_TRUE(after.is_ok());
  EXPECT_NE(before.value(), after.value());
  auto r = IndexFolder::open_read_only(dir.path());
  ASSERT_TRUE(r.is_ok()) << r.status().to_string();
  EXPECT_EQ(r.value()->durable_version().value(), after.value());
}

}  // namespace
}  // namespace kbseek::storage
