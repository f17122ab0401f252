// Standard input as batches of lines, for the commands that read one text a
// line and print one answer a line (embed, rerank).
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "core/status.h"

namespace kbseek::app {

struct StdinBatch {
  std::vector<std::string> texts;  // the batch's lines that are valid UTF-8
  std::vector<int> text_of;        // per line of the batch: its index in texts, -1 if not UTF-8
  std::vector<size_t> numbers;     // per line of the batch: its 1-based line number
};

// Document ids given as arguments, "-" standing for one id a line on
// standard input (delete, erase); empty lines are skipped.
std::vector<std::string> ids_from_arguments(const std::vector<std::string>& positional);

// Calls on_batch with up to `batch` lines at a time (a CRLF's '\r'
// dropped), in order, until standard input ends or on_batch fails (its
// Status is returned). A line that is not UTF-8 is named on stderr as
// "kbseek CMD: stdin:N: invalid UTF-8 at byte B" and left out of texts.
// Returns the lines read.
core::Result<size_t> for_each_stdin_batch(const char* cmd, size_t batch,
                                          const std::function<core::Status(const StdinBatch&)>& on_batch);

}  // namespace kbseek::app
