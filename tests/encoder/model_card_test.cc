#include "encoder/model_card.h"

#include <gtest/gtest.h>

namespace kbseek::encoder {
namespace {

TEST(ModelCardTest, ScalarListAndInlineForms) {
  EXPECT_EQ(parse_model_card_languages("---\nlanguage: en\nlicense: apache-2.0\n---\n# x\n"),
            (std::vector<std::string>{"en"}));
  EXPECT_EQ(parse_model_card_languages("---\nlicense: mit\nlanguage:\n- multilingual\n- ZH\n  - en\ntags:\n- a\n---\n"),
            (std::vector<std::string>{"multilingual", "zh", "en"}));
  EXPECT_EQ(parse_model_card_languages("---\nlanguage: [en, \"zh\"]\n---\n"), (std::vector<std::string>{"en", "zh"}));
}

TEST(ModelCardTest, NoFrontMatterOrKeyMeansUnknown) {
  EXPECT_TRUE(parse_model_card_languages("# A model\nlanguage: en\n").empty());
  EXPECT_TRUE(parse_model_card_languages("---\nlicense: mit\n---\nlanguage: en\n").empty());
  EXPECT_TRUE(read_model_card_languages("/nonexistent/model").empty());
}

}  // namespace
}  // namespace kbseek::encoder
