// Helpers for tests that run the real kbseek binary: run a command and
// capture its exit status and output, start a server in the background.
#pragma once

#include <sys/types.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace kbseek::testing {

struct CommandResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `kbseek args...` (KBSEEK_BINARY) with standard input from
// `stdin_path` and waits for it.
CommandResult run_kbseek(const std::vector<std::string>& args, const std::string& stdin_path = "/dev/null");

// A `kbseek serve` child on a free loopback port; stopped (SIGTERM) on destruction.
class ServerProcess {
 public:
  // Waits up to timeout_s for the "serving ... on http://host:port/" line.
  explicit ServerProcess(const std::vector<std::string>& args, double timeout_s = 60);
  ~ServerProcess();
  int port() const { return port_; }
  pid_t pid() const { return pid_; }
  bool running() const;
  // Sends SIGTERM and returns the exit status.
  int stop();
  std::string stderr_text() const;
  // stderr_text() once it holds `needle` (the log is written in batches,
  // within ~20 ms), or as it is after `timeout_s`.
  std::string stderr_with(const std::string& needle, double timeout_s = 5) const;

 private:
  pid_t pid_ = -1;
  int port_ = -1;
  std::string err_path_;
};

std::string temp_dir(const std::string& name);

// A loopback TCP port that was free a moment ago (for servers the tests
// start that cannot be told to pick their own, e.g. nginx, Prometheus).
int free_loopback_port();

// The whole content of a file ("" if it cannot be read).
std::string read_text_file(const std::string& path);

// The key `kbseek keys create` printed: its output's last line.
std::string key_of(const CommandResult& created);

// The ids `kbseek search --json --mode bm25 -k 20 [extra...] QUERY` finds
// in `index`, in order (a failed search fails the calling test).
std::vector<std::string> bm25_ids(const std::string& index, const std::string& query,
                                  const std::vector<std::string>& extra = {});

// The "id" of every entry of a search response's "results", in order.
std::vector<std::string> result_ids(const nlohmann::json& response);

// Writes the documents of the bundled bilingual sample whose title is
// Chinese (chinese = true) or not to `path`, as JSONL: the two halves the
// cross-lingual tests index.
void write_sample_half(const std::string& path, bool chinese);

// Starts `kbseek args...` in the background with stdout/stderr to the given
// files; wait_kbseek() reaps it and gives its exit status (128 + signal if
// killed).
pid_t spawn_kbseek(const std::vector<std::string>& args, const std::string& out_path, const std::string& err_path);
int wait_kbseek(pid_t pid);

}  // namespace kbseek::testing
