// Preprocessing throughput without encoding: read + clean (the readers of
// indexer/document_source.h), language, chunking to the model's token
// window (its tokenizer counts), and the lexical analysis BM25 indexing
// does (ICU segmentation, stemming, traditional/simplified folding), on one
// thread. Prints MB/s and docs/s per core for each stage cumulatively, and
// the peak RSS, so memory can be compared across corpus sizes.
//   ingest_bench [--model all-minilm-l6-v2] [--limit-mb N] INPUT...
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "encoder/encoder.h"
#include "encoder/model_folder.h"
#include "indexer/chunker.h"
#include "indexer/document_source.h"
#include "indexer/language.h"
#include "storage/analyzer.h"

using namespace kbseek;

namespace {
double now_s() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }
long peak_rss_mb() {
  struct rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_maxrss / 1024;
}
}  // namespace

int main(int argc, char** argv) {
  std::string model = "all-minilm-l6-v2";
  double limit_mb = 0;
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--model") && i + 1 < argc)
      model = argv[++i];
    else if (!std::strcmp(argv[i], "--limit-mb") && i + 1 < argc)
      limit_mb = std::atof(argv[++i]);
    else
      inputs.push_back(argv[i]);
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "usage: ingest_bench [--model NAME] [--limit-mb N] INPUT...\n");
    return 2;
  }
  auto path = encoder::resolve_model(model, encoder::default_models_dir());
  if (!path.is_ok()) return std::fprintf(stderr, "%s\n", path.status().to_string().c_str()), 1;
  auto enc = encoder::open_encoder(path.value());
  if (!enc.is_ok()) return std::fprintf(stderr, "%s\n", enc.status().to_string().c_str()), 1;
  auto analyzer = storage::Analyzer::create();
  if (!analyzer.is_ok()) return std::fprintf(stderr, "%s\n", analyzer.status().to_string().c_str()), 1;

  double t_read = 0, t_lang = 0, t_chunk = 0, t_analyze = 0;
  int64_t docs = 0, chunks = 0, bytes = 0, terms = 0;
  indexer::ChunkerOptions copts;
  copts.max_tokens = enc.value()->max_tokens() - 2;
  double last = now_s();
  const double start = last;
  bool stop = false;
  for (const auto& input : inputs) {
    indexer::ReadStats stats;
    core::Status st = indexer::read_input(
        input, {},
        [&](storage::Document&& doc, const char*) {
          const double t0 = now_s();
          t_read += t0 - last;
          bytes += static_cast<int64_t>(doc.text.size() + doc.title.size());
          ++docs;
          volatile size_t l = indexer::detect_language(doc.text).size();
          (void)l;
          const double t1 = now_s();
          auto spans =
              indexer::chunk_text(doc.text, copts, [&](std::string_view s) { return enc.value()->count_tokens(s); });
          chunks += static_cast<int64_t>(spans.size());
          const double t2 = now_s();
          for (const auto& s : spans)
            terms += static_cast<int64_t>(
                analyzer.value()
                    .analyze(std::string_view(doc.text).substr(s.start_byte, s.end_byte - s.start_byte))
                    .size());
          const double t3 = now_s();
          t_lang += t1 - t0;
          t_chunk += t2 - t1;
          t_analyze += t3 - t2;
          last = t3;
          if (limit_mb > 0 && bytes > limit_mb * 1e6) stop = true;
          return !stop;
        },
        [&](const indexer::Rejection&) { return true; }, &stats);
    if (!st.is_ok()) std::fprintf(stderr, "%s\n", st.to_string().c_str());
    if (stop) break;
  }
  const double total = now_s() - start;
  const double mb = bytes / 1e6;
  std::printf("| stage | seconds | MB/s (1 core) | docs/s |\n|---|---:|---:|---:|\n");
  auto row = [&](const char* name, double s) {
    std::printf("| %s | %.2f | %.1f | %.0f |\n", name, s, s > 0 ? mb / s : 0, s > 0 ? docs / s : 0);
  };
  row("read + decode + clean (NFKC)", t_read);
  row("language", t_lang);
  row("chunk (ICU sentences + tokenizer counts)", t_chunk);
  row("lexical analysis (ICU words, stem, T/S fold)", t_analyze);
  row("all preprocessing", total);
  std::printf("\n%lld documents, %.1f MB of text, %lld chunks, %lld terms; peak RSS %ld MB\n",
              static_cast<long long>(docs), mb, static_cast<long long>(chunks), static_cast<long long>(terms),
              peak_rss_mb());
  return 0;
}
