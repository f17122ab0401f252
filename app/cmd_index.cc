// `kbseek index`: JSONL files into an index folder, reporting every bad line.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "app/args.h"
#include "app/commands.h"
#include "core/bounded_queue.h"
#include "core/logging.h"
#include "encoder/encoder.h"
#include "encoder/model_folder.h"
#include "indexer/document_source.h"
#include "indexer/indexer.h"
#include "indexer/language.h"
#include "indexer/progress.h"
#include "indexer/quality.h"
#include "storage/index_folder.h"

namespace kbseek::app {

using core::Status;

namespace {

// The default embedding fields of a new index, chosen by measurement
// (docs/models.md).
const std::vector<std::string> kDefaultModels = {"all-minilm-l6-v2", "use-m3"};

// An existing index decides its models; a new one takes --models (or
// --model) or the default set.
// A model of the index's set: "NAME" or "NAME:DIM" (a Matryoshka size).
struct ModelSpec {
  std::string name;
  int dimension = 0;  // 0: the model's own
};

core::Result<ModelSpec> parse_model_spec(const std::string& spec) {
  ModelSpec m;
  const size_t colon = spec.rfind(':');
  m.name = spec.substr(0, colon);
  if (colon != std::string::npos) {
    const std::string dim = spec.substr(colon + 1);
    char* end = nullptr;
    const long v = std::strtol(dim.c_str(), &end, 10);
    if (dim.empty() || *end != '\0' || v <= 0 || v > 65536)
      return Status::invalid_argument("--models: \"" + spec + "\": expected NAME or NAME:DIMENSION");
    m.dimension = static_cast<int>(v);
  }
  return m;
}

core::Result<std::vector<ModelSpec>> index_models(const Args& args, const std::string& dir) {
  if (args.has("--model") && args.has("--models"))
    return Status::invalid_argument("give --model or --models, not both");
  std::vector<std::string> asked = args.has("--models")  ? args.get_list("--models")
                                   : args.has("--model") ? std::vector<std::string>{args.get("--model")}
                                                         : std::vector<std::string>{};
  if ((args.has("--models") || args.has("--model")) && asked.empty())
    return Status::invalid_argument("--models names no model");
  std::vector<ModelSpec> specs;
  if (asked.empty()) {
    // An existing index keeps its set, each model at the size it was built with.
    auto existing = storage::IndexFolder::open_read_only(dir);
    if (existing.is_ok()) {
      for (const auto& m : existing.value()->manifest().models) specs.push_back({m.name, m.dimension});
      if (!specs.empty()) return specs;
    }
    asked = kDefaultModels;
  }
  for (const std::string& a : asked) {
    KB_ASSIGN_OR_RETURN(ModelSpec m, parse_model_spec(a));
    for (const ModelSpec& prev : specs) {
      if (prev.name == m.name) return Status::invalid_argument("--models names " + m.name + " twice");
    }
    specs.push_back(m);
  }
  return specs;
}

struct IndexInputs {
  std::vector<std::string> paths;
  indexer::ReadOptions read;
};

core::Result<IndexInputs> inputs_from_args(const Args& args) {
  IndexInputs in;
  in.paths = args.positional();
  if (in.paths.empty()) return Status::invalid_argument("no inputs (usage: kbseek index --index DIR FILE|FOLDER|-...)");
  KB_ASSIGN_OR_RETURN(in.read.format, indexer::parse_input_format(args.get("--format", "auto")));
  auto& c = in.read.columns;
  if (args.has("--id-col")) c.id = args.get("--id-col"), c.id_explicit = true;
  if (args.has("--title-col")) c.title = args.get("--title-col"), c.title_explicit = true;
  if (args.has("--text-col")) c.text = args.get("--text-col");
  if (args.has("--time-col")) c.time = args.get("--time-col"), c.time_explicit = true;
  in.read.acl_from_owner = args.has("--acl-from-owner");
  return in;
}

void print_counts(const char* what, const std::map<std::string, int64_t>& counts) {
  std::fprintf(stdout, "%s:", what);
  if (counts.empty()) std::fprintf(stdout, " none");
  for (const auto& [k, n] : counts) std::fprintf(stdout, " %s %lld", k.c_str(), static_cast<long long>(n));
  std::fprintf(stdout, "\n");
}

// --dry-run: read and clean everything, index nothing, print what would go in.
int dry_run(const IndexInputs& in) {
  indexer::ReadStats stats;
  std::map<std::string, int64_t> languages, rejections, warnings;
  int64_t docs = 0, bytes = 0;
  for (const auto& path : in.paths) {
    Status st = indexer::read_input(
        path, in.read,
        [&](storage::Document&& doc, const char*) {
          ++docs;
          bytes += static_cast<int64_t>(doc.text.size() + doc.title.size());
          const std::string lang = indexer::detect_language(doc.title + "\n" + doc.text);
          ++languages[lang.empty() ? "none" : lang];
          return true;
        },
        [&](const indexer::Rejection& r) {
          ++(r.warning ? warnings : rejections)[indexer::rejection_category(r)];
          std::fprintf(stderr, "%s\n", r.to_string().c_str());
          return true;
        },
        &stats);
    if (!st.is_ok()) {
      ++rejections["unreadable input"];
      std::fprintf(stderr, "%s\n", st.to_string().c_str());
    }
  }
  std::fprintf(stdout, "dry run: %lld documents, %.1f MB of text would be indexed\n", static_cast<long long>(docs),
               bytes / 1e6);
  print_counts("by format", stats.documents_by_format);
  print_counts("by language", languages);
  print_counts("rejected", rejections);
  print_counts("warnings (indexed)", warnings);
  print_counts("skipped files", stats.skipped_by_extension);
  return rejections.empty() ? 0 : 1;
}

}  // namespace

int cmd_index(int argc, char** argv) {
  auto args = Args::parse(
      argc, argv,
      {"--index", "--model", "--models", "--models-dir", "--rejects", "--batch", "--commit-every", "--entities",
       "--near-dup-threshold", "--quality-report", "--format", "--id-col", "--title-col", "--text-col", "--time-col"},
      {"--quiet", "--dry-run", "--keep-duplicates", "--no-dedup", "--acl-from-owner"});
  if (!args.is_ok()) return fail("index", args.status());
  auto in = inputs_from_args(args.value());
  if (!in.is_ok()) return fail("index", in.status());
  if (args->has("--dry-run")) return dry_run(in.value());
  auto dir = args->require("--index");
  if (!dir.is_ok()) return fail("index", dir.status());

  const std::string models_dir = args->get("--models-dir", encoder::default_models_dir());
  auto models = index_models(*args, dir.value());
  if (!models.is_ok()) return fail("index", models.status());
  std::vector<std::unique_ptr<encoder::Encoder>> encoders;
  storage::IndexOptions iopts;
  for (const auto& model : models.value()) {
    auto model_path = encoder::resolve_model(model.name, models_dir);
    if (!model_path.is_ok()) return fail("index", model_path.status());
    encoder::EncoderOptions eopts;
    eopts.dimension = model.dimension;
    eopts.bulk = true;  // batches of hundreds of chunks (EncoderOptions::bulk)
    auto enc = encoder::open_encoder(model_path.value(), eopts);
    if (!enc.is_ok()) return fail("index", enc.status());
    iopts.models.push_back(
        storage::model_info(enc.value()->name(), enc.value()->fingerprint(), enc.value()->dimension()));
    encoders.push_back(std::move(enc).value());
  }
  auto index = storage::IndexFolder::create_or_open(dir.value(), iopts);
  if (!index.is_ok()) return fail("index", index.status());

  indexer::IndexerOptions opts;
  auto batch = args->get_int("--batch", opts.batch_chunks);
  if (!batch.is_ok()) return fail("index", batch.status());
  opts.batch_chunks = std::max(1, batch.value());
  if (args->has("--entities")) {
    auto dict = storage::EntityDictionary::load(args->get("--entities"));
    if (!dict.is_ok()) return fail("index", dict.status());
    opts.entities = dict.value();
  }
  auto near = args->get_int("--near-dup-threshold", opts.near_duplicate_threshold);
  if (!near.is_ok()) return fail("index", near.status());
  if (near.value() < 0 || near.value() > 3)
    return fail("index", Status::invalid_argument("--near-dup-threshold must be 0-3 (bits of 64), got " +
                                                  std::to_string(near.value())));
  opts.near_duplicate_threshold = near.value();
  opts.keep_duplicates = args->has("--keep-duplicates");
  opts.detect_duplicates = !args->has("--no-dedup");
  std::unique_ptr<std::ofstream> quality;
  if (args->has("--quality-report")) {
    quality = std::make_unique<std::ofstream>(args->get("--quality-report"));
    if (!*quality) return fail("index", Status::io_error(args->get("--quality-report") + ": cannot open for writing"));
  }
  auto commit_every = args->get_int("--commit-every", static_cast<int>(opts.commit_every_docs));
  if (!commit_every.is_ok()) return fail("index", commit_every.status());
  opts.commit_every_docs = std::max(1, commit_every.value());
  std::vector<encoder::Encoder*> encoder_ptrs;
  for (auto& e : encoders) encoder_ptrs.push_back(e.get());
  indexer::Indexer pipeline(index.value().get(), encoder_ptrs, opts);

  std::unique_ptr<std::ofstream> rejects;
  if (args->has("--rejects")) {
    rejects = std::make_unique<std::ofstream>(args->get("--rejects"));
    if (!*rejects) return fail("index", Status::io_error(args->get("--rejects") + ": cannot open for writing"));
  }

  int64_t total_bytes = 0;
  for (const auto& f : in->paths) total_bytes += indexer::input_size(f, in->read.format);
  indexer::ProgressReporter progress(total_bytes, args->has("--quiet") ? 0 : -1, args->has("--quiet") ? 1e9 : 5.0);
  // What a crash cannot take back: every document counted here is durable.
  pipeline.set_on_commit([&](int64_t committed) {
    if (!args->has("--quiet")) progress.note("committed " + std::to_string(committed) + " documents");
  });
  // Two stages on two threads: reading, decoding, cleaning (and the
  // quality figures) here, chunking, encoding and writing on this thread;
  // a bounded queue between them applies back-pressure.
  struct Item {
    storage::Document doc;
    int64_t bytes_done = 0;  // progress estimate at this document
    nlohmann::json report;   // quality figures, when asked for
  };
  core::BoundedQueue<Item> queue(256);
  int64_t rejected = 0, warned = 0;  // written by the reader, read after join()
  indexer::ReadStats stats;
  std::thread reader([&] {
    for (const auto& f : in->paths) {
      // Text bytes of the documents read from this input: a close, cheap
      // estimate of how far into it we are (whole inputs count when done).
      int64_t in_input = 0;
      const int64_t done_before = stats.input_bytes;
      bool open = true;
      Status st = indexer::read_input(
          f, in->read,
          [&](storage::Document&& doc, const char*) {
            in_input += static_cast<int64_t>(doc.text.size() + doc.title.size());
            Item item;
            if (quality) {
              const indexer::TextQuality q = indexer::text_quality(doc.text);
              item.report = {{"id", doc.id},
                             {"bytes", q.bytes},
                             {"chars", q.chars},
                             {"entropy_bits", std::round(q.entropy_bits * 1000) / 1000},
                             {"non_text_share", std::round(q.non_text_share * 1000) / 1000},
                             {"language", indexer::detect_language(doc.text)}};
            }
            item.bytes_done = std::max(stats.input_bytes, done_before + in_input);
            item.doc = std::move(doc);
            open = queue.push(std::move(item));
            return open;
          },
          [&](const indexer::Rejection& r) {
            ++(r.warning ? warned : rejected);
            std::fprintf(stderr, "%s\n", r.to_string().c_str());
            if (rejects) *rejects << r.to_string() << "\n";
            return true;
          },
          &stats);
      if (!open) break;  // the writer stopped on an error
      if (!st.is_ok()) {
        ++rejected;  // an unreadable input is a rejected input, the others still go in
        std::fprintf(stderr, "%s\n", st.to_string().c_str());
        if (rejects) *rejects << st.to_string() << "\n";
      }
    }
    queue.close();
  });
  int64_t read_docs = 0, last_bytes = 0;
  Status fatal;
  while (auto item = queue.pop()) {
    ++read_docs;
    last_bytes = item->bytes_done;
    fatal = pipeline.add(std::move(item->doc));
    if (!fatal.is_ok()) break;
    if (quality) {
      item->report["outcome"] = pipeline.last_outcome().empty() ? "indexed" : pipeline.last_outcome();
      if (!pipeline.last_duplicate_of().empty()) item->report["duplicate_of"] = pipeline.last_duplicate_of();
      *quality << item->report.dump() << "\n";
    }
    progress.update(read_docs, pipeline.stats().chunks, last_bytes);
  }
  queue.close();  // on an error: stops the reader at its next document
  reader.join();
  if (fatal.is_ok()) fatal = pipeline.finish();
  progress.finish(read_docs, pipeline.stats().chunks, stats.input_bytes);
  if (!fatal.is_ok()) {
    std::fprintf(stderr, "kbseek index: %s\n(%lld documents committed before the failure are kept)\n",
                 fatal.to_string().c_str(), static_cast<long long>(pipeline.stats().documents_committed));
    return 2;
  }
  const auto& s = pipeline.stats();
  std::string skipped;
  int64_t skipped_files = 0;
  for (const auto& [ext, n] : stats.skipped_by_extension) {
    skipped += (skipped.empty() ? "" : ", ") + ext + " " + std::to_string(n);
    skipped_files += n;
  }
  std::fprintf(stderr,
               "indexed %lld documents (%lld chunks), %lld unchanged, %lld rejected, %lld with warnings; "
               "index has %lld documents\n",
               static_cast<long long>(s.documents_indexed), static_cast<long long>(s.chunks),
               static_cast<long long>(s.documents_unchanged), static_cast<long long>(rejected),
               static_cast<long long>(warned), static_cast<long long>(index.value()->document_count()));
  if (s.duplicates_exact + s.duplicates_near > 0)
    std::fprintf(stderr, "%lld exact and %lld near duplicates recorded%s\n", static_cast<long long>(s.duplicates_exact),
                 static_cast<long long>(s.duplicates_near),
                 opts.keep_duplicates ? " (and indexed: --keep-duplicates)"
                                      : " (stored, not searchable; --keep-duplicates indexes them)");
  if (skipped_files > 0)
    std::fprintf(stderr, "skipped %lld files of other types (%s)\n", static_cast<long long>(skipped_files),
                 skipped.c_str());
  return rejected > 0 ? 1 : 0;
}

}  // namespace kbseek::app
