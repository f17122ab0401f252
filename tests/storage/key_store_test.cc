// The API key store on a real SQLite file: keys authenticate with their
// role and principals, anything else (malformed, unknown id, wrong secret,
// revoked) does not, and the file never holds a key.
#include "storage/key_store.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/storage/folder_fixture.h"

namespace kbseek::storage {
namespace {

using namespace kbseek::storage::testing;  // NOLINT

class KeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto w = IndexFolder::create_or_open(dir_.path(), folder_options());
    ASSERT_TRUE(w.is_ok()) << w.status().to_string();
  }
  ScratchDir dir_;
};

TEST_F(KeyStoreTest, KeysAuthenticateUntilRevoked) {
  auto missing = KeyStore::open(dir_.path(), /*create=*/false);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("kbseek keys create"), std::string::npos) << missing.status().message();
  auto store = KeyStore::open(dir_.path(), /*create=*/true);
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  auto& keys = *store.value();

  auto a = keys.create(Role::kReader, {"finance", "user:ann"});
  ASSERT_TRUE(a.is_ok()) << a.status().to_string();
  auto b = keys.create(Role::kAdmin, {});
  ASSERT_TRUE(b.is_ok());
  const std::string key_a = a->second, key_b = b->second;
  EXPECT_EQ(key_a.rfind("kbs_" + a->first.id + "_", 0), 0u) << key_a;
  EXPECT_NE(key_a, key_b);

  auto who = keys.authenticate(key_a);
  ASSERT_TRUE(who.is_ok()) << who.status().to_string();
  ASSERT_TRUE(who->has_value());
  EXPECT_EQ(who->value().role, Role::kReader);
  EXPECT_EQ(who->value().principals, (std::vector<std::string>{"finance", "user:ann"}));

  // One wrong hex digit of the secret, another key's id with this secret, junk.
  std::string wrong = key_a;
  wrong.back() = wrong.back() == '0' ? '1' : '0';
  std::string swapped = key_b.substr(0, 13) + key_a.substr(13);
  for (const std::string& bad :
       {wrong, swapped, std::string(""), std::string("kbs_"), key_a + "0", std::string("Bearer ") + key_a}) {
    auto r = keys.authenticate(bad);
    ASSERT_TRUE(r.is_ok());
    EXPECT_FALSE(r->has_value()) << bad;
  }

  ASSERT_TRUE(keys.revoke(a->first.id).is_ok());
  EXPECT_TRUE(keys.revoke(a->first.id).is_ok()) << "twice is fine";
  EXPECT_EQ(keys.revoke("00000000").code(), core::StatusCode::kNotFound);
  auto after = keys.authenticate(key_a);
  ASSERT_TRUE(after.is_ok());
  EXPECT_FALSE(after->has_value()) << "revoked";
  EXPECT_TRUE(keys.authenticate(key_b)->has_value());
  auto listed = keys.list();
  ASSERT_TRUE(listed.is_ok());
  ASSERT_EQ(listed->size(), 2u);
  int revoked = 0;
  for (const auto& k : listed.value()) revoked += k.revoked_at != 0;
  EXPECT_EQ(revoked, 1);
  EXPECT_EQ(keys.active_count().value(), 1);

  // Another connection (another process, as serve is) sees the revocation.
  auto other = KeyStore::open(dir_.path(), /*create=*/false);
  ASSERT_TRUE(other.is_ok());
  EXPECT_FALSE(other.value()->authenticate(key_a)->has_value());
  EXPECT_TRUE(other.value()->authenticate(key_b)->has_value());
}

TEST_F(KeyStoreTest, TheFileHoldsNoKeyAndBadInputIsRefused) {
  auto store = KeyStore::open(dir_.path(), /*create=*/true);
  ASSERT_TRUE(store.is_ok());
  auto made = store.value()->create(Role::kWriter, {"eng"});
  ASSERT_TRUE(made.is_ok());
  const std::string secret = made->second.substr(13);
  store.value().reset();  // close: everything in the main file
  for (const char* suffix : {"", "-wal"}) {
    std::ifstream f(dir_.path() + "/" + KeyStore::kFileName + suffix, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    EXPECT_EQ(ss.str().find(secret), std::string::npos) << suffix;
  }
  auto again = KeyStore::open(dir_.path(), /*create=*/false);
  ASSERT_TRUE(again.is_ok());
  EXPECT_FALSE(again.value()->create(Role::kReader, {"a,b"}).is_ok());
  EXPECT_FALSE(again.value()->create(Role::kReader, {""}).is_ok());
  EXPECT_FALSE(parse_role("root").is_ok());
  EXPECT_EQ(parse_role("admin").value(), Role::kAdmin);
  EXPECT_FALSE(KeyStore::open(dir_.path() + "/not-an-index", /*create=*/true).is_ok());
}

}  // namespace
}  // namespace kbseek::storage
