// `kbseek delete` and `kbseek check` through the real binary.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/app/cli_test_util.h"

namespace kbseek::testing {
namespace {

namespace fs = std::filesystem;

class MaintainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_dir(std::string("maintain_") + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::ofstream(dir_ + "/docs.jsonl") << R"({"id":"a","text":"数据库备份与恢复"})"
                                        << "\n"
                                        << R"({"id":"b","text":"VPN password reset"})"
                                        << "\n"
                                        << R"({"id":"c","text":"年假与病假规定"})"
                                        << "\n";
    idx_ = dir_ + "/idx";
    CommandResult r = run_kbseek({"index", "--index", idx_, "--models", "use-m3", dir_ + "/docs.jsonl"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  int64_t documents() {
    CommandResult r = run_kbseek({"stats", "--index", idx_, "--json"});
    return nlohmann::json::parse(r.out).at("documents").get<int64_t>();
  }
  std::string dir_, idx_;
};

TEST_F(MaintainTest, DeleteRemovesAndNamesIdsNotFound) {
  CommandResult r = run_kbseek({"delete", "--index", idx_, "a", "nope"});
  EXPECT_EQ(r.exit_code, 1) << r.err;  // one id was not there; the other is still deleted
  EXPECT_NE(r.err.find("not found: nope"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("deleted 1 documents, 1 not found"), std::string::npos) << r.err;
  EXPECT_EQ(documents(), 2);
  CommandResult s = run_kbseek({"search", "--index", idx_, "--mode", "bm25", "--json", "数据库备份"});
  EXPECT_EQ(s.out.find("\"a\""), std::string::npos) << s.out;
  std::ofstream(dir_ + "/ids.txt") << "b\nc\n";
  CommandResult from_stdin = run_kbseek({"delete", "--index", idx_, "-"}, dir_ + "/ids.txt");
  EXPECT_EQ(from_stdin.exit_code, 0) << from_stdin.err;
  EXPECT_EQ(documents(), 0);
  EXPECT_EQ(run_kbseek({"check", "--index", idx_}).exit_code, 0);
}

TEST_F(MaintainTest, CheckFindsDamageAndRepairMendsIt) {
  CommandResult ok = run_kbseek({"check", "--index", idx_});
  EXPECT_EQ(ok.exit_code, 0) << ok.out << ok.err;
  EXPECT_NE(ok.out.find("consistent (3 documents, 3 chunks)"), std::string::npos) << ok.out;
  fs::remove(idx_ + "/vectors.use-m3.faiss");
  fs::remove_all(idx_ + "/lexical");
  CommandResult bad = run_kbseek({"check", "--index", idx_});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.out.find("vectors.use-m3.faiss: missing (3 vectors stored)"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("/lexical"), std::string::npos) << bad.out;
  EXPECT_NE(bad.out.find("INCONSISTENT"), std::string::npos) << bad.out;
  CommandResult fixed = run_kbseek({"check", "--index", idx_, "--repair"});
  EXPECT_EQ(fixed.exit_code, 0) << fixed.out << fixed.err;
  EXPECT_EQ(run_kbseek({"check", "--index", idx_}).exit_code, 0);
  CommandResult s = run_kbseek({"search", "--index", idx_, "--mode", "bm25", "--json", "年假"});
  EXPECT_NE(s.out.find("\"c\""), std::string::npos) << s.out;
}

}  // namespace
}  // namespace kbseek::testing
