// The consistency checker behind `kbseek check`: does every store of an
// index folder agree with docs.sqlite, as the files are on disk?
//
// It opens nothing for writing and takes no lock (a writer may be running;
// then a lagging generation is reported as such). Checked: SQLite's own
// integrity_check; the MANIFEST's generation and counts against
// docs.sqlite; chunks without a document; for each model, that its vectors
// in docs.sqlite cover exactly the chunks, and that its FAISS file exists,
// loads, has the model's dimension, was saved at the current generation and
// holds exactly those chunk ids; that the Xapian database holds exactly the
// chunk ids, at the current generation, made by this build's analyzer.
// Each disagreement is one line naming the store and, for id sets, how many
// ids differ and the first few.
#pragma once

#include <string>
#include <vector>

#include "core/status.h"

namespace kbseek::storage {

struct CheckReport {
  int64_t documents = 0;
  int64_t chunks = 0;
  std::vector<std::string> problems;  // empty when consistent
  bool consistent() const { return problems.empty(); }
};

// NotFound if `dir` has no MANIFEST; other errors only when the MANIFEST or
// docs.sqlite cannot be read at all (a damaged derived store is a problem
// in the report, not an error).
core::Result<CheckReport> check_index(const std::string& dir);

}  // namespace kbseek::storage
