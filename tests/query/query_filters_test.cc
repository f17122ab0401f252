// Filters written into queries.
#include "query/query_filters.h"

#include <gtest/gtest.h>

namespace kbseek::query {
namespace {

TEST(QueryFiltersTest, EntityAndTypeFiltersAreTakenOutOfTheText) {
  ParsedQuery p = parse_query_filters("显卡 采购 entity:A100 type:money  预算");
  EXPECT_EQ(p.text, "显卡 采购 预算");
  EXPECT_EQ(p.filters, (std::vector<std::string>{"XEa100", "XTmoney"}));
  EXPECT_EQ(p.described, (std::vector<std::string>{"entity:a100", "type:money"}));
}

TEST(QueryFiltersTest, QuotedValuesAndNormalisedEntities) {
  ParsedQuery p = parse_query_filters("install entity:\"CUDA  11.6\" driver");
  EXPECT_EQ(p.text, "install driver");
  EXPECT_EQ(p.filters, (std::vector<std::string>{"XEcuda 11.6"}));
  // The same date written two ways filters alike.
  EXPECT_EQ(parse_query_filters("entity:2025年9月17日").filters, parse_query_filters("entity:2025-09-17").filters);
  EXPECT_EQ(parse_query_filters("entity:2025年9月17日").text, "");
}

TEST(QueryFiltersTest, OrdinaryColonsAndBareNamesStayInTheText) {
  ParsedQuery p = parse_query_filters("ratio 3:1 entity: type");
  EXPECT_EQ(p.text, "ratio 3:1 entity: type");
  EXPECT_TRUE(p.filters.empty());
}

}  // namespace
}  // namespace kbseek::query
