// Progress rendering.
#include "indexer/progress.h"

#include <unistd.h>

#include <cstdio>

namespace kbseek::indexer {

ProgressReporter::ProgressReporter(int64_t total_bytes, int force_mode, double line_interval_s)
    : total_bytes_(total_bytes),
      bar_(force_mode < 0 ? isatty(STDERR_FILENO) != 0 : force_mode == 1),
      line_interval_s_(line_interval_s),
      start_(std::chrono::steady_clock::now()),
      last_(start_) {}

std::string ProgressReporter::render(int64_t docs, int64_t chunks, int64_t bytes, double elapsed_s) const {
  double rate_docs = elapsed_s > 0 ? docs / elapsed_s : 0;
  double rate_chunks = elapsed_s > 0 ? chunks / elapsed_s : 0;
  double mb_s = elapsed_s > 0 ? bytes / 1e6 / elapsed_s : 0;
  char buf[256];
  std::string eta = "--";
  if (total_bytes_ > 0 && bytes > 0 && bytes < total_bytes_) {
    double rem = elapsed_s * (total_bytes_ - bytes) / bytes;
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(rem) / 60, static_cast<int>(rem) % 60);
    eta = buf;
  } else if (total_bytes_ > 0 && bytes >= total_bytes_) {
    eta = "0m00s";
  }
  std::string bar;
  if (bar_ && total_bytes_ > 0) {
    int width = 24;
    int filled = static_cast<int>(width * std::min(1.0, static_cast<double>(bytes) / total_bytes_));
    bar = "[" + std::string(filled, '#') + std::string(width - filled, '.') + "] ";
    std::snprintf(buf, sizeof buf, "%3.0f%% ", 100.0 * std::min(1.0, static_cast<double>(bytes) / total_bytes_));
    bar += buf;
  }
  std::snprintf(buf, sizeof buf, "%lld docs (%.1f docs/s), %lld chunks (%.1f chunks/s), %.2f MB/s, ETA %s",
                static_cast<long long>(docs), rate_docs, static_cast<long long>(chunks), rate_chunks, mb_s,
                eta.c_str());
  return bar + buf;
}

void ProgressReporter::update(int64_t docs, int64_t chunks, int64_t bytes) {
  auto now = std::chrono::steady_clock::now();
  double since = std::chrono::duration<double>(now - last_).count();
  if (since < (bar_ ? 0.1 : line_interval_s_)) return;
  last_ = now;
  double elapsed = std::chrono::duration<double>(now - start_).count();
  if (bar_)
    std::fprintf(stderr, "\r\033[K%s", render(docs, chunks, bytes, elapsed).c_str());
  else
    std::fprintf(stderr, "progress: %s\n", render(docs, chunks, bytes, elapsed).c_str());
  std::fflush(stderr);
}

void ProgressReporter::note(const std::string& line) {
  std::fprintf(stderr, bar_ ? "\r\033[K%s\n" : "%s\n", line.c_str());
}

void ProgressReporter::finish(int64_t docs, int64_t chunks, int64_t bytes) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (bar_) std::fprintf(stderr, "\r\033[K");
  std::fprintf(stderr, "done: %s in %.1fs\n", render(docs, chunks, bytes, elapsed).c_str(), elapsed);
}

}  // namespace kbseek::indexer
