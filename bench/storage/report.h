// Shared by the storage benchmarks: the provenance block of a results file
// (machine, commit, command, date) and writing it.
#pragma once

#include <sys/utsname.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <string>

namespace kbseek::bench {

inline std::string first_line_of(const char* command) {
  std::string out;
  if (FILE* p = popen(command, "r")) {
    char buf[256];
    if (std::fgets(buf, sizeof buf, p)) out = buf;
    pclose(p);
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

inline std::string provenance(int argc, char** argv) {
  utsname u{};
  uname(&u);
  std::string cpu = first_line_of("grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'");
  std::string cores = first_line_of("nproc");
  std::string commit = first_line_of("git rev-parse --short HEAD 2>/dev/null");
  std::string command;
  for (int i = 0; i < argc; ++i) command += (i ? " " : "") + std::string(argv[i]);
  char date[32];
  std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", std::gmtime(&now));
  return "- machine: " + std::string(u.nodename) + " (" + u.machine + ", " + cpu + ", " + cores + " cores)\n" +
         "- commit: " + (commit.empty() ? "unknown" : commit) + "\n- command: `" + command + "`\n- date: " + date +
         "\n";
}

// Writes "# title\n\n<provenance>\n<table>" to `path`; complains on stderr if it cannot.
inline void write_results(const std::string& path, const std::string& title, int argc, char** argv,
                          const std::string& table) {
  std::ofstream f(path);
  f << "# " << title << "\n\n" << provenance(argc, argv) << "\n" << table;
  if (!f) std::fprintf(stderr, "cannot write %s\n", path.c_str());
}

}  // namespace kbseek::bench
