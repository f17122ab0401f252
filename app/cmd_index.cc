// `kbseek index`: JSONL files into an index folder, reporting every bad line.
#include <sys/stat.h>

#include <cstdio>
#include <fstream>

#include "app/args.h"
#include "app/commands.h"
#include "core/logging.h"
#include "encoder/encoder.h"
#include "encoder/model_folder.h"
#include "indexer/indexer.h"
#include "indexer/jsonl_reader.h"
#include "indexer/progress.h"
#include "storage/index_folder.h"

namespace kbseek::app {

using core::Status;

namespace {

// The default embedding fields of a new index, chosen by measurement
// (docs/models.md).
const std::vector<std::string> kDefaultModels = {"all-minilm-l6-v2", "use-m3"};

// An existing index decides its models; a new one takes --models (or
// --model) or the default set.
core::Result<std::vector<std::string>> index_models(const Args& args, const std::string& dir) {
  if (args.has("--model") && args.has("--models"))
    return Status::invalid_argument("give --model or --models, not both");
  std::vector<std::string> asked = args.has("--models") ? args.get_list("--models")
                                   : args.has("--model") ? std::vector<std::string>{args.get("--model")}
                                                         : std::vector<std::string>{};
  if ((args.has("--models") || args.has("--model")) && asked.empty())
    return Status::invalid_argument("--models names no model");
  if (!asked.empty()) return asked;
  auto existing = storage::IndexFolder::open_read_only(dir);
  if (existing.is_ok()) {
    for (const auto& m : existing.value()->manifest().models) asked.push_back(m.name);
    if (!asked.empty()) return asked;
  }
  return kDefaultModels;
}

int64_t file_size(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int64_t>(st.st_size) : 0;
}

}  // namespace

int cmd_index(int argc, char** argv) {
  auto args =
      Args::parse(argc, argv, {"--index", "--model", "--models", "--models-dir", "--rejects", "--batch"}, {"--quiet"});
  if (!args.is_ok()) return fail("index", args.status());
  auto dir = args->require("--index");
  if (!dir.is_ok()) return fail("index", dir.status());
  const auto& files = args->positional();
  if (files.empty()) return fail("index", Status::invalid_argument("no input files (usage: kbseek index --index DIR FILE...)"));

  const std::string models_dir = args->get("--models-dir", encoder::default_models_dir());
  auto models = index_models(*args, dir.value());
  if (!models.is_ok()) return fail("index", models.status());
  std::vector<std::unique_ptr<encoder::Encoder>> encoders;
  storage::IndexOptions iopts;
  for (const auto& model : models.value()) {
    auto model_path = encoder::resolve_model(model, models_dir);
    if (!model_path.is_ok()) return fail("index", model_path.status());
    auto enc = encoder::open_encoder(model_path.value());
    if (!enc.is_ok()) return fail("index", enc.status());
    iopts.models.push_back(storage::model_info(enc.value()->name(), enc.value()->fingerprint(), enc.value()->dimension()));
    encoders.push_back(std::move(enc).value());
  }
  auto index = storage::IndexFolder::create_or_open(dir.value(), iopts);
  if (!index.is_ok()) return fail("index", index.status());

  indexer::IndexerOptions opts;
  auto batch = args->get_int("--batch", opts.batch_chunks);
  if (!batch.is_ok()) return fail("index", batch.status());
  opts.batch_chunks = std::max(1, batch.value());
  std::vector<encoder::Encoder*> encoder_ptrs;
  for (auto& e : encoders) encoder_ptrs.push_back(e.get());
  indexer::Indexer pipeline(index.value().get(), encoder_ptrs, opts);

  std::unique_ptr<std::ofstream> rejects;
  if (args->has("--rejects")) {
    rejects = std::make_unique<std::ofstream>(args->get("--rejects"));
    if (!*rejects) return fail("index", Status::io_error(args->get("--rejects") + ": cannot open for writing"));
  }

  int64_t total_bytes = 0;
  for (const auto& f : files) total_bytes += file_size(f);
  indexer::ProgressReporter progress(total_bytes, args->has("--quiet") ? 0 : -1,
                                     args->has("--quiet") ? 1e9 : 5.0);
  int64_t rejected = 0, read_docs = 0, bytes_done = 0;  // bytes_done: whole files read so far
  Status fatal;
  for (const auto& f : files) {
    int64_t in_file = 0;  // text bytes of this file's documents: a close, cheap estimate of its progress
    Status st = indexer::read_jsonl(
        f,
        [&](storage::Document&& doc, int64_t) {
          in_file += static_cast<int64_t>(doc.text.size() + doc.title.size());
          ++read_docs;
          fatal = pipeline.add(std::move(doc));
          progress.update(read_docs, pipeline.stats().chunks, bytes_done + in_file);
          return fatal.is_ok();
        },
        [&](const indexer::Rejection& r) {
          ++rejected;
          std::fprintf(stderr, "%s\n", r.to_string().c_str());
          if (rejects) *rejects << r.to_string() << "\n";
          return true;
        });
    if (!fatal.is_ok()) break;
    if (!st.is_ok()) {
      ++rejected;  // an unreadable file is a rejected input, the others still go in
      std::fprintf(stderr, "%s\n", st.message().c_str());
    }
    bytes_done += file_size(f);
  }
  if (fatal.is_ok()) fatal = pipeline.finish();
  progress.finish(read_docs, pipeline.stats().chunks, bytes_done);
  if (!fatal.is_ok()) {
    std::fprintf(stderr, "kbseek index: %s\n(%lld documents committed before the failure are kept)\n",
                 fatal.to_string().c_str(), static_cast<long long>(pipeline.stats().documents_committed));
    return 2;
  }
  const auto& s = pipeline.stats();
  std::fprintf(stderr, "indexed %lld documents (%lld chunks), %lld unchanged, %lld rejected; index has %lld documents\n",
               static_cast<long long>(s.documents_indexed), static_cast<long long>(s.chunks),
               static_cast<long long>(s.documents_unchanged), static_cast<long long>(rejected),
               static_cast<long long>(index.value()->document_count()));
  return rejected > 0 ? 1 : 0;
}

}  // namespace kbseek::app
