// `kbseek embed`: texts on stdin, one per line, to vectors on stdout, one
// JSON array per line in input order, with any model family kbseek runs.
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "app/args.h"
#include "app/commands.h"
#include "core/utf8.h"
#include "encoder/encoder.h"
#include "encoder/model_folder.h"

namespace kbseek::app {

using core::Status;

namespace {

// Lines per encode() call: enough to fill the packed batches, small enough
// that output keeps flowing for a pipe reader.
constexpr size_t kBatchLines = 64;

void print_vector(const float* v, int dim) {
  std::string line = "[";
  char buf[32];
  for (int i = 0; i < dim; ++i) {
    std::snprintf(buf, sizeof buf, i ? ",%.7g" : "%.7g", v[i]);
    line += buf;
  }
  line += "]\n";
  std::fputs(line.c_str(), stdout);
}

}  // namespace

int cmd_embed(int argc, char** argv) {
  auto args = Args::parse(argc, argv, {"--model", "--models-dir", "--dim"}, {"--query", "--passage"});
  if (!args.is_ok()) return fail("embed", args.status());
  if (!args->has("--model") || !args->positional().empty() || (args->has("--query") && args->has("--passage"))) {
    return fail("embed", Status::invalid_argument(
                             "usage: kbseek embed --model NAME|DIR [--query|--passage] [--dim N] < texts.txt"));
  }
  auto dim = args->get_int("--dim", 0);
  if (!dim.is_ok()) return fail("embed", dim.status());
  auto path = encoder::resolve_model(args->get("--model"), args->get("--models-dir", encoder::default_models_dir()));
  if (!path.is_ok()) return fail("embed", path.status());
  encoder::EncoderOptions opts;
  opts.dimension = dim.value();
  auto enc = encoder::open_encoder(path.value(), opts);
  if (!enc.is_ok()) return fail("embed", enc.status());
  const encoder::InputKind kind = args->has("--query") ? encoder::InputKind::kQuery : encoder::InputKind::kPassage;
  const int d = enc.value()->dimension();

  // A bad line prints `null` in its place (so output line N is input line
  // N), an error naming it on stderr, and makes the exit status 1.
  int failures = 0;
  size_t line_no = 0;
  std::vector<std::string> batch;
  std::vector<size_t> numbers;
  std::vector<float> out;
  auto flush = [&] {
    out.resize(batch.size() * d);
    std::vector<std::string> good;
    std::vector<size_t> where;
    for (size_t i = 0; i < batch.size(); ++i) {
      const size_t bad = core::find_invalid_utf8(batch[i]);
      if (bad == std::string::npos) {
        good.push_back(batch[i]);
        where.push_back(i);
      } else {
        std::fprintf(stderr, "kbseek embed: stdin:%zu: invalid UTF-8 at byte %zu\n", numbers[i], bad);
      }
    }
    std::vector<float> vecs(good.size() * d);
    Status st = good.empty() ? Status::ok() : enc.value()->encode(good, kind, vecs.data());
    size_t next_good = 0;
    for (size_t i = 0; i < batch.size(); ++i) {
      if (next_good < where.size() && where[next_good] == i && st.is_ok()) {
        print_vector(vecs.data() + next_good * d, d);
      } else {
        if (next_good < where.size() && where[next_good] == i) {
          std::fprintf(stderr, "kbseek embed: stdin:%zu: %s\n", numbers[i], st.to_string().c_str());
        }
        std::fputs("null\n", stdout);
        ++failures;
      }
      if (next_good < where.size() && where[next_good] == i) ++next_good;
    }
    std::fflush(stdout);
    batch.clear();
    numbers.clear();
  };
  std::string line;
  while (std::getline(std::cin, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    batch.push_back(line);
    numbers.push_back(line_no);
    if (batch.size() == kBatchLines) flush();
  }
  if (!batch.empty()) flush();
  return failures == 0 ? 0 : 1;
}

}  // namespace kbseek::app
