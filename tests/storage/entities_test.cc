// Entity extraction against the declarative cases of
// tests/data/entities/cases.tsv (adding a case is adding a line).
#include "storage/entities.h"

#include <gtest/gtest.h>

#include <fstream>

namespace kbseek::storage {
namespace {

std::string describe(const std::vector<Entity>& es) {
  std::string s;
  for (const auto& e : es) s += "[" + e.type + ": " + e.value + "] ";
  return s;
}

TEST(EntitiesTest, EveryCaseFileLineYieldsItsEntity) {
  std::ifstream in(KBSEEK_TEST_DATA_DIR "/entities/cases.tsv");
  ASSERT_TRUE(in) << "cannot read cases.tsv";
  std::string line;
  int n = 0, line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    if (line.empty() || line[0] == '#') continue;
    const size_t a = line.find('\t'), b = line.find('\t', a + 1);
    ASSERT_NE(b, std::string::npos) << "cases.tsv:" << line_no;
    const std::string text = line.substr(0, a), type = line.substr(a + 1, b - a - 1), value = line.substr(b + 1);
    const auto found = extract_entities(text);
    bool hit = false;
    for (const auto& e : found) {
      hit = hit || (e.type == type && e.value == value);
      EXPECT_LE(e.start_byte, e.end_byte);
      EXPECT_LE(e.end_byte, static_cast<int64_t>(text.size()));
    }
    EXPECT_TRUE(hit) << "cases.tsv:" << line_no << ": \"" << text << "\" should give " << type << " " << value
                     << ", got " << describe(found);
    ++n;
  }
  EXPECT_GE(n, 30);
}

TEST(EntitiesTest, PlainTextGivesNothingAndOffsetsPointAtTheEntity) {
  EXPECT_TRUE(extract_entities("员工应在费用发生后通过财务系统提交报销。").empty());
  EXPECT_TRUE(extract_entities("The quick brown fox jumps over the lazy dog.").empty());
  const std::string t = "单笔超过 150 元的费用";
  auto es = extract_entities(t);
  ASSERT_EQ(es.size(), 1u) << describe(es);
  EXPECT_EQ(t.substr(es[0].start_byte, es[0].end_byte - es[0].start_byte), "150 元");
}

TEST(EntitiesTest, UserDictionaryMatchesLongestAndWins) {
  auto dict = EntityDictionary::from_entries(
      {{"平安银行", "org"}, {"平安", "word"}, {"差旅费", "expense"}, {"Kubernetes", "product"}});
  auto es = extract_entities("平安银行的差旅费标准和 kubernetes 集群", dict.get());
  ASSERT_EQ(es.size(), 3u) << describe(es);
  EXPECT_EQ(es[0].type, "org");
  EXPECT_EQ(es[0].value, "平安银行");
  EXPECT_EQ(es[1].type, "expense");
  EXPECT_EQ(es[2].type, "product");
  EXPECT_TRUE(extract_entities("Kubernetesish", dict.get()).empty());  // not inside a longer word
}

TEST(EntitiesTest, DictionaryFileErrorsNameTheLine) {
  const std::string path = ::testing::TempDir() + "/entities_bad.tsv";
  std::ofstream(path) << "# comment\nA100\tgpu\nno tab here\n";
  auto d = EntityDictionary::load(path);
  ASSERT_FALSE(d.is_ok());
  EXPECT_NE(d.status().message().find("entities_bad.tsv:3"), std::string::npos) << d.status().to_string();
}

TEST(EntitiesTest, FilterValuesNormaliseLikeTheIndex) {
  EXPECT_EQ(entity_filter_value("a100"), "a100");
  EXPECT_EQ(entity_filter_value("A100"), "a100");
  EXPECT_EQ(entity_filter_value("CUDA   11.6"), "cuda 11.6");
  EXPECT_EQ(entity_filter_value("2025年9月17日"), "2025-09-17");
  EXPECT_EQ(entity_filter_value("some  Thing"), "some thing");
}

}  // namespace
}  // namespace kbseek::storage
