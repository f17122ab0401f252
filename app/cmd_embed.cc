// `kbseek embed`: texts on stdin, one per line, to vectors on stdout, one
// JSON array per line in input order, with any model family kbseek runs.
#include <cstdio>
#include <string>
#include <vector>

#include "app/args.h"
#include "app/commands.h"
#include "app/stdin_lines.h"
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
  auto read = for_each_stdin_batch("embed", kBatchLines, [&](const StdinBatch& b) {
    std::vector<float> vecs(b.texts.size() * d);
    Status st = b.texts.empty() ? Status::ok() : enc.value()->encode(b.texts, kind, vecs.data());
    for (size_t i = 0; i < b.numbers.size(); ++i) {
      const int t = b.text_of[i];
      if (t >= 0 && st.is_ok()) {
        print_vector(vecs.data() + static_cast<size_t>(t) * d, d);
        continue;
      }
      if (t >= 0) std::fprintf(stderr, "kbseek embed: stdin:%zu: %s\n", b.numbers[i], st.to_string().c_str());
      std::fputs("null\n", stdout);
      ++failures;
    }
    std::fflush(stdout);
    return Status::ok();
  });
  if (!read.is_ok()) return fail("embed", read.status());
  return failures == 0 ? 0 : 1;
}

}  // namespace kbseek::app
