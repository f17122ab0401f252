// BatchingEncoder: encode() calls from many threads run together, as TEI's
// dynamic batching does on a GPU. Up to max_passes forward passes run at
// once; a call that arrives while that many run waits, and when one ends,
// the next pass takes every waiting call of the same input kind (up to
// max_texts texts) at once. A call that finds a pass free runs at once: no
// wait is ever added to wait for company.
//
// Why batch: on a CPU a forward pass over one short query is bound by
// per-call overhead and thin GEMMs, not by the arithmetic. all-MiniLM-L6-v2,
// short queries (16.8 tokens), 2 cores, machine busy with an indexer:
// 113 queries/s at batch 1, 284/s at batch 8, 363/s at batch 32
// (`bench_encoder --model models/all-minilm-l6-v2 --batches 1,8,32`);
// use-m3 956/s -> 1537/s. A server under load (8+ connections) encodes its
// queries in batches of about its concurrency, for the same results
// (rows are independent; float sums may differ in the last bits).
//
// Why more than one pass at once (the search service runs one per core):
// with one, a server's second worker waited, idle, through the serial parts
// of the first worker's pass (layer norms, attention, the pooling); perf
// showed 14% of the 2 cores idle under 8 connections. Two passes at once
// on an AMD EPYC (2 cores; bench/http/ab.sh, xquadr_en, 8 connections,
// cache off, alternated, 2026-12-08): the load test's 2,100 questions
// 189/188 -> 215/211 requests/s, p99 68.5/68.2 -> 59.0/60.7 ms; 6,207
// distinct questions 182/190 -> 214/232 requests/s, p99 72.2/71.3 ->
// 63.4/59.2 ms.
//
// Thread-safe. The inner encoder is called by at most max_passes threads
// at once (Encoder::encode is thread-safe). The batch sizes run are counted
// for /metrics.
#pragma once

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>

#include "encoder/encoder.h"

namespace kbseek::encoder {

// Counts of forward passes by the number of texts they held: buckets
// 1, 2, 4, 8, 16, 32, 64 and more (upper bounds, as Prometheus' `le`).
struct BatchSizeCounts {
  static constexpr std::array<int, 7> kBounds = {1, 2, 4, 8, 16, 32, 64};
  std::array<uint64_t, kBounds.size() + 1> buckets{};  // the last: > 64
  uint64_t passes = 0;
  uint64_t texts = 0;
};

class BatchingEncoder : public Encoder {
 public:
  // max_texts, max_passes < 1 mean 1.
  explicit BatchingEncoder(std::unique_ptr<Encoder> inner, int max_texts = 64, int max_passes = 1);
  const std::string& name() const override { return inner_->name(); }
  const std::string& fingerprint() const override { return inner_->fingerprint(); }
  int dimension() const override { return inner_->dimension(); }
  int max_tokens() const override { return inner_->max_tokens(); }
  int count_tokens(std::string_view text) const override { return inner_->count_tokens(text); }
  double vocabulary_coverage(std::string_view text) const override { return inner_->vocabulary_coverage(text); }
  const std::vector<std::string>& languages() const override { return inner_->languages(); }
  TokenCacheCounts token_cache_counts() const override { return inner_->token_cache_counts(); }
  // One call's texts always run in one pass, with others' or alone. When a
  // shared pass fails (one call's invalid UTF-8, say), each call of it runs
  // again alone, so each gets its own status.
  core::Status encode(const std::vector<std::string>& texts, InputKind kind, float* out) override;
  BatchSizeCounts batch_sizes() const;
  // Calls waiting for a pass now.
  size_t waiting_calls() const;

 private:
  struct Call {
    const std::vector<std::string>* texts;
    InputKind kind;
    float* out;
    bool taken = false;  // in a pass (its own or another caller's)
    bool done = false;
    core::Status status;
  };
  void record(size_t texts);
  core::Status guarded_encode(const std::vector<std::string>& texts, InputKind kind, float* out);
  std::unique_ptr<Encoder> inner_;
  const size_t max_texts_;
  const int max_passes_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Call*> waiting_;
  int running_ = 0;         // passes running now
  BatchSizeCounts counts_;  // under mu_
};

}  // namespace kbseek::encoder
