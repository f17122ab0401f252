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
  ModelInfo a = model_info("bge-small-zh", "sha256:abc", 512);
  a.field = field_for_model(a.name);
  a.faiss_file = faiss_file_for_field(a.field);
  a.faiss_spec = "IVF894,Flat";
  a.faiss_generation = 3;
  m.models.push_back(a);
  ModelInfo b = model_info("use/m3", "sha256:def", 512);
  b.field = field_for_model(b.name);
  b.faiss_file = faiss_file_for_field(b.field);
  b.faiss_generation = 3;
  m.models.push_back(b);
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
  EXPECT_EQ(back.value().models.at(0).faiss_spec, "IVF894,Flat");
  EXPECT_EQ(back.value().models.at(1).field, "use_m3");
  EXPECT_EQ(back.value().models.at(1).faiss_file, "vectors.use_m3.faiss");
  EXPECT_EQ(back.value().chunk_count, 42);
  EXPECT_EQ(m.writer.rfind("kbseek ", 0), 0u);
}

TEST(ManifestTest, RepeatedFieldIsCorruption) {
  Manifest m = sample();
  m.models[1].field = m.models[0].field;
  auto back = Manifest::from_json(m.to_json(), "idx/MANIFEST");
  ASSERT_FALSE(back.is_ok());
  EXPECT_EQ(back.status().code(), core::StatusCode::kCorruption);
  EXPECT_NE(back.status().message().find("idx/MANIFEST: models[1]"), std::string::npos) << back.status().to_string();
}

// Format 1 (kbseek 0.1.0): one model, its FAISS index at the top level.
TEST(ManifestTest, ReadsFormatOne) {
  const std::string v1 = R"({"format_version": 1, "writer": "kbseek 0.1.0", "created_at": "2026-11-23T23:16:37Z",
    "generation": 4, "models": [{"name": "all-minilm-l6-v2", "fingerprint": "f", "dimension": 384, "normalised": true}],
    "faiss": {"file": "vectors.faiss", "spec": "IDMap2,Flat", "metric": "inner_product", "generation": 4},
    "lexical": {"engine": "xapian", "path": "lexical", "analyzer": "a"},
    "sqlite": {"file": "docs.sqlite", "schema_version": 1}, "counts": {"documents": 8, "chunks": 9}})";
  auto m = Manifest::from_json(v1, "MANIFEST");
  ASSERT_TRUE(m.is_ok()) << m.status().to_string();
  ASSERT_EQ(m.value().models.size(), 1u);
  EXPECT_EQ(m.value().format_version, 1);
  EXPECT_EQ(m.value().models[0].field, "text");
  EXPECT_EQ(m.value().models[0].faiss_file, "vectors.faiss");
  EXPECT_EQ(m.value().models[0].faiss_generation, 4);
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
  j["format_version"] = 3;
  auto r = Manifest::from_json(j.dump(), "idx/MANIFEST");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), core::StatusCode::kFailedPrecondition);
  EXPECT_EQ(r.status().message(), "idx/MANIFEST: format 3, this build reads 1-2");
}

TEST(ManifestTest, MalformedInputNamesTheKey) {
  auto j = nlohmann::json::parse(sample().to_json());
  j["models"][1]["faiss"].erase("spec");
  auto r = Manifest::from_json(j.dump(), "idx/MANIFEST");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), core::StatusCode::kCorruption);
  EXPECT_NE(r.status().message().find("models[1]: missing key \"faiss.spec\""), std::string::npos)
      << r.status().to_string();
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
