// The asynchronous log sink: every record from many threads arrives whole and
// in each thread's order, an error is on stderr when log() returns, and what
// is still queued at exit is written before the process ends.
#include "core/logging.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace kbseek::core {
namespace {

constexpr int kThreads = 4, kPerThread = 3000;

std::string log_path(const char* name) { return ::testing::TempDir() + "/kbseek_logging_" + name + ".log"; }

void to_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::dup2(fd, STDERR_FILENO), STDERR_FILENO);
  ::close(fd);
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream f(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(f, line);) out.push_back(line);
  return out;
}

TEST(LoggingDeathTest, ManyThreadsThenExitLosesNothing) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const std::string path = log_path("threads");
  EXPECT_EXIT(
      {
        to_file(path);
        std::vector<std::thread> ts;
        for (int t = 0; t < kThreads; ++t) {
          ts.emplace_back([t] {
            for (int i = 0; i < kPerThread; ++i)
              log(LogLevel::kInfo, "test", "t" + std::to_string(t) + " n" + std::to_string(i),
                  {{"n", std::to_string(i)}});
          });
        }
        for (auto& th : ts) th.join();
        log_info("test", "last before exit");
        std::exit(0);  // no flush: exit must drain the queue
      },
      ::testing::ExitedWithCode(0), "");
  const auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kPerThread + 1));
  std::map<int, int> next;  // thread -> next n expected
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    const std::string& l = lines[i];
    ASSERT_EQ(l.front(), '{') << l;
    ASSERT_EQ(l.back(), '}') << l;
    const size_t t = l.find("\"msg\":\"t");
    ASSERT_NE(t, std::string::npos) << l;
    int thread = 0, n = 0;
    ASSERT_EQ(std::sscanf(l.c_str() + t, "\"msg\":\"t%d n%d", &thread, &n), 2) << l;
    EXPECT_EQ(n, next[thread]++) << "thread " << thread << " out of order: " << l;
  }
  EXPECT_NE(lines.back().find("last before exit"), std::string::npos) << lines.back();
}

TEST(LoggingDeathTest, AnErrorIsWrittenBeforeLogReturns) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const std::string path = log_path("error");
  EXPECT_EXIT(
      {
        to_file(path);
        for (int i = 0; i < 100; ++i) log_info("test", "info " + std::to_string(i));
        log_error("test", "the error");
        std::_Exit(3);  // no exit handlers: only what was written survives
      },
      ::testing::ExitedWithCode(3), "");
  const auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), 101u);
  EXPECT_NE(lines.back().find("the error"), std::string::npos) << lines.back();
}

TEST(LoggingDeathTest, FlushReturnsWithEverythingWritten) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const std::string path = log_path("flush");
  EXPECT_EXIT(
      {
        to_file(path);
        flush_log();  // nothing queued yet: returns at once
        log_debug("test", "below the level: dropped");
        for (int i = 0; i < 50; ++i) log_info("test", "record " + std::to_string(i));
        flush_log();
        std::_Exit(4);  // no exit handlers: only what flush wrote survives
      },
      ::testing::ExitedWithCode(4), "");
  const auto lines = lines_of(path);
  ASSERT_EQ(lines.size(), 50u);
  EXPECT_NE(lines.back().find("record 49"), std::string::npos) << lines.back();
}

}  // namespace
}  // namespace kbseek::core
