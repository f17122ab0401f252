#include "storage/manifest.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/storage/test_util.h"

namespace kbseek::storage {
namespace {

Manifest sample() {
  Manifest m;
  m.writer = writer_string();
  m.created_at = "2024-05-01T12:00:00Z";
  m.generation = 3;
  m.models.push_back(ModelInfo{"bge-small-zh", "sha256:abc", 512, true});
  m.faiss_spec = "IVF894,Flat";
  m.faiss_generation = 3;
  m.analyzer = "icu72-nfkc_cf-words+stem_en/1";
  m.sqlite_schema_version = 1;
  m.document_count = 10;
  m.chunk_count = 42;
  return m;
}

TEST(ManifestTest, JsonRoundTrip) {
  const Manifest m = sample();
  auto back = Manifest::from_json(m.to_json(), "MANIFEST");
  ASSERT_TRUE(back.is_ok()) << back.status().to_string();
  EXPECT_EQ(back.value().to_json(), m.to_json());
  EXPECT_EQ(back.value().models.at(0).dimension, 512);
  EXPECT_EQ(back.value().chunk_count, 42);
  EXPECT_EQ(m.writer.rfind("kbseek ", 0), 0u);
}

TEST(ManifestTest, WriteIsAtomicAndReadable) {
  testing::ScratchDir dir;
  ASSERT_TRUE(write_manifest(dir.path(), sample()).is_ok());
  EXPECT_FALSE(std::filesystem::exists(dir / "MANIFEST.tmp"));
  auto m = read_manifest(dir.path());
  ASSERT_TRUE(m.is_ok());
  EXPECT_EQ(m.value().generation, 3);
  EXPECT_EQ(read_manifest(dir / "absent").status().code(), core::StatusCode::kNotFound);
}

TEST(ManifestTest, NewerFormatIsRefusedWithBothVersions) {
  auto j = nlohmann::json::parse(sample().to_json());
  j["format_version"] = 2;
  auto r = Manifest::from_json(j.dump(), "idx/MANIFEST");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(), "idx/MANIFEST: format 2, this build reads 1");
}

TEST(ManifestTest, MalformedInputNamesTheKey) {
  auto j = nlohmann::json::parse(sample().to_json());
  j["faiss"].erase("spec");
  auto r = Manifest::from_json(j.dump(), "idx/MANIFEST");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), core::StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("\"faiss.spec\""), std::string::npos);
  j = nlohmann::json::parse(sample().to_json());
  j["generation"] = "three";
  EXPECT_NE(Manifest::from_json(j.dump(), "m").status().message().find("\"generation\""), std::string::npos);
  EXPECT_EQ(Manifest::from_json("{not json", "m").status().code(), core::StatusCode::kCorruption);
  j = nlohmann::json::parse(sample().to_json());
  j["extra_key_from_a_later_writer"] = 1;
  EXPECT_TRUE(Manifest::from_json(j.dump(), "m").is_ok());
}

}  // namespace
}  // namespace kbseek::storage
