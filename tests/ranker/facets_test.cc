// Facet counts: by count then value, to the depth asked, a value repeated
// in one document counted once, years in UTC on both sides of 1970.
#include "ranker/facets.h"

#include <gtest/gtest.h>

namespace kbseek::ranker {
namespace {

RankedDocument doc(const std::string& metadata, std::optional<int64_t> ts = std::nullopt,
                   const std::string& lang = "") {
  RankedDocument d;
  d.metadata_json = metadata;
  d.timestamp = ts;
  d.best_chunk_language = lang;
  return d;
}

std::vector<std::pair<std::string, int>> pairs(const std::vector<FacetCount>& v) {
  std::vector<std::pair<std::string, int>> out;
  for (const auto& c : v) out.emplace_back(c.value, c.count);
  return out;
}

TEST(FacetsTest, CountsByCountThenValueToTheDepth) {
  const std::vector<RankedDocument> docs = {
      doc(R"({"dept": "IT", "tags": ["a", "b", "a"]})", std::nullopt, "zh"),
      doc(R"({"dept": "HR", "tags": ["b"]})", std::nullopt, "en"),
      doc(R"({"dept": "it"})", std::nullopt, "zh"),
      doc(R"({"other": 1})"),
      doc(R"({"dept": "Finance"})", std::nullopt, "en"),
  };
  using P = std::vector<std::pair<std::string, int>>;
  EXPECT_EQ(pairs(count_facet(docs, "dept", 100)), (P{{"it", 2}, {"finance", 1}, {"hr", 1}}));
  EXPECT_EQ(pairs(count_facet(docs, "DEPT", 2)), (P{{"hr", 1}, {"it", 1}})) << "only the first two documents";
  EXPECT_EQ(pairs(count_facet(docs, "tags", 100)), (P{{"b", 2}, {"a", 1}})) << "'a' twice in one document counts once";
  EXPECT_EQ(pairs(count_facet(docs, "lang", 100)), (P{{"en", 2}, {"zh", 2}}));
  EXPECT_TRUE(count_facet(docs, "missing", 100).empty());
}

TEST(FacetsTest, YearsInUtc) {
  const std::vector<RankedDocument> docs = {
      doc("{}", -1),           // 1969-12-31T23:59:59Z
      doc("{}", 0),            // 1970-01-01
      doc("{}", 951782400),    // 2000-02-29
      doc("{}", 1735689599),   // 2024-12-31T23:59:59Z
      doc("{}", 1735689600),   // 2025-01-01
      doc("{}", -2208988800),  // 1900-01-01
  };
  using P = std::vector<std::pair<std::string, int>>;
  EXPECT_EQ(pairs(count_facet(docs, "year", 100)),
            (P{{"1900", 1}, {"1969", 1}, {"1970", 1}, {"2000", 1}, {"2024", 1}, {"2025", 1}}));
}

TEST(FacetsTest, RequestsAreChecked) {
  EXPECT_TRUE(validate_facets({"dept", "lang", "year"}).is_ok());
  EXPECT_FALSE(validate_facets({"dept", ""}).is_ok());
  EXPECT_FALSE(validate_facets({"dept", "Dept"}).is_ok());
  EXPECT_FALSE(validate_facets(std::vector<std::string>(kMaxFacets + 1, "x")).is_ok());
}

}  // namespace
}  // namespace kbseek::ranker
