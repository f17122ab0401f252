// Line batching of standard input.
#include "app/stdin_lines.h"

#include <cstdio>
#include <iostream>

#include "core/utf8.h"

namespace kbseek::app {

std::vector<std::string> ids_from_arguments(const std::vector<std::string>& positional) {
  std::vector<std::string> ids;
  for (const auto& p : positional) {
    if (p != "-") {
      ids.push_back(p);
      continue;
    }
    for (std::string line; std::getline(std::cin, line);)
      if (!line.empty()) ids.push_back(line);
  }
  return ids;
}

core::Result<size_t> for_each_stdin_batch(const char* cmd, size_t batch,
                                          const std::function<core::Status(const StdinBatch&)>& on_batch) {
  StdinBatch b;
  size_t line_no = 0;
  auto flush = [&]() -> core::Status {
    core::Status st = on_batch(b);
    b = StdinBatch();
    return st;
  };
  std::string line;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const size_t bad = core::find_invalid_utf8(line);
    if (bad == std::string::npos) {
      b.text_of.push_back(static_cast<int>(b.texts.size()));
      b.texts.push_back(std::move(line));
    } else {
      std::fprintf(stderr, "kbseek %s: stdin:%zu: invalid UTF-8 at byte %zu\n", cmd, line_no, bad);
      b.text_of.push_back(-1);
    }
    b.numbers.push_back(line_no);
    if (b.numbers.size() == batch) KB_RETURN_IF_ERROR(flush());
  }
  if (!b.numbers.empty()) KB_RETURN_IF_ERROR(flush());
  return line_no;
}

}  // namespace kbseek::app
