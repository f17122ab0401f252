// fork/exec plumbing for the end-to-end tests.
#include "tests/app/cli_test_util.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

namespace kbseek::testing {
namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

pid_t spawn(const std::vector<std::string>& args, const std::string& out_path, const std::string& err_path,
            const std::string& stdin_path = "/dev/null") {
  std::vector<std::string> full = {KBSEEK_BINARY};
  full.insert(full.end(), args.begin(), args.end());
  pid_t pid = fork();
  if (pid == 0) {
    int out = open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int err = open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(out, 1);
    dup2(err, 2);
    int in = open(stdin_path.c_str(), O_RDONLY);
    dup2(in, 0);
    std::vector<char*> argv;
    for (auto& a : full) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

int g_counter = 0;

}  // namespace

std::vector<std::string> bm25_ids(const std::string& index, const std::string& query,
                                  const std::vector<std::string>& extra) {
  std::vector<std::string> args = {"search", "--index", index, "--json", "--mode", "bm25", "-k", "20"};
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(query);
  CommandResult r = run_kbseek(args);
  EXPECT_EQ(r.exit_code, 0) << r.err;
  return r.exit_code == 0 ? result_ids(nlohmann::json::parse(r.out)) : std::vector<std::string>{};
}

std::string key_of(const CommandResult& created) {
  std::string s = created.out;
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s.substr(s.rfind('\n') == std::string::npos ? 0 : s.rfind('\n') + 1);
}

std::string temp_dir(const std::string& name) {
  std::string dir =
      std::filesystem::temp_directory_path().string() + "/kbseek_test_" + std::to_string(getpid()) + "_" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

CommandResult run_kbseek(const std::vector<std::string>& args, const std::string& stdin_path) {
  std::string base = temp_dir("cmd" + std::to_string(++g_counter));
  pid_t pid = spawn(args, base + "/out", base + "/err", stdin_path);
  CommandResult r;
  r.exit_code = wait_exit(pid);
  r.out = slurp(base + "/out");
  r.err = slurp(base + "/err");
  std::filesystem::remove_all(base);
  return r;
}

ServerProcess::ServerProcess(const std::vector<std::string>& args, double timeout_s) {
  std::string base = temp_dir("server" + std::to_string(++g_counter));
  err_path_ = base + "/err";
  pid_ = spawn(args, base + "/out", err_path_);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  while (std::chrono::steady_clock::now() < deadline) {
    std::string err = slurp(err_path_);
    auto p = err.find("on http://");
    if (p == std::string::npos) p = err.find("on https://");
    if (p != std::string::npos) {
      auto colon = err.find(':', err.find("://", p) + 3);
      auto slash = err.find('/', colon);
      if (colon != std::string::npos && slash != std::string::npos) {
        port_ = std::stoi(err.substr(colon + 1, slash - colon - 1));
        return;
      }
    }
    if (!running()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

bool ServerProcess::running() const {
  if (pid_ <= 0) return false;
  return waitpid(pid_, nullptr, WNOHANG) == 0;
}

int ServerProcess::stop() {
  if (pid_ <= 0) return -1;
  kill(pid_, SIGTERM);
  int code = wait_exit(pid_);
  pid_ = -1;
  return code;
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

std::string ServerProcess::stderr_text() const { return slurp(err_path_); }

std::string ServerProcess::stderr_with(const std::string& needle, double timeout_s) const {
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  for (;;) {
    std::string text = stderr_text();
    if (text.find(needle) != std::string::npos || std::chrono::steady_clock::now() >= end) return text;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

pid_t spawn_kbseek(const std::vector<std::string>& args, const std::string& out_path, const std::string& err_path) {
  return spawn(args, out_path, err_path);
}

int wait_kbseek(pid_t pid) { return wait_exit(pid); }

int free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(fd);
  return ntohs(a.sin_port);
}

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::vector<std::string> result_ids(const nlohmann::json& response) {
  std::vector<std::string> out;
  for (const auto& r : response.at("results")) out.push_back(r.at("id"));
  return out;
}

void write_sample_half(const std::string& path, bool chinese) {
  std::ifstream in(KBSEEK_SOURCE_DIR "/app/sample/bilingual_sample.jsonl");
  std::ofstream out(path);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const std::string title = nlohmann::json::parse(line).at("title").get<std::string>();
    // Every CJK ideograph of the sample is a 3-byte UTF-8 sequence starting 0xE4..0xE9.
    bool han = false;
    for (unsigned char c : title) han = han || (c >= 0xE4 && c <= 0xE9);
    if (han == chinese) out << line << "\n";
  }
}

}  // namespace kbseek::testing
