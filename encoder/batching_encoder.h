// BatchingEncoder: encode() calls from many threads run together, as TEI's
// dynamic batching does on a GPU. While one forward pass runs, calls that
// arrive wait; when it ends, the next pass takes every waiting call of the
// same input kind (up to max_texts texts) at once. A call that finds the
// model idle runs at once: no wait is ever added to wait for company.
//
// Why: on a CPU a forward pass over one short query is bound by per-call
// overhead and thin GEMMs, not by the arithmetic. all-MiniLM-L6-v2, short
// queries (16.8 tokens), 2 cores, machine busy with an indexer:
// 113 queries/s at batch 1, 284/s at batch 8, 363/s at batch 32
// (`bench_encoder --model models/all-minilm-l6-v2 --batches 1,8,32`);
// use-m3 956/s -> 1537/s. A server under load (8+ connections) encodes its
// queries in batches of about its concurrency, for the same results
// (rows are independent; float sums may differ in the last bits).
//
// Thread-safe; the inner encoder is only ever called by one thread at a
// time. The batch sizes run are counted for /metrics.
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
  explicit BatchingEncoder(std::unique_ptr<Encoder> inner, int max_texts = 64);
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
    bool done = false;
    core::Status status;
  };
  void record(size_t texts);
  core::Status guarded_encode(const std::vector<std::string>& texts, InputKind kind, float* out);
  std::unique_ptr<Encoder> inner_;
  const size_t max_texts_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Call*> waiting_;
  bool running_ = false;
  BatchSizeCounts counts_;  // under mu_
};

}  // namespace kbseek::encoder
