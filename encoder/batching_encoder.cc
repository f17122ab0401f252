#include "encoder/batching_encoder.h"

#include <cstring>
#include <exception>
#include <vector>

#include "core/cpu_demand.h"

namespace kbseek::encoder {

BatchingEncoder::BatchingEncoder(std::unique_ptr<Encoder> inner, int max_texts, int max_passes)
    : inner_(std::move(inner)),
      max_texts_(static_cast<size_t>(max_texts > 0 ? max_texts : 1)),
      max_passes_(max_passes > 0 ? max_passes : 1) {}

void BatchingEncoder::record(size_t texts) {
  size_t b = 0;
  while (b < BatchSizeCounts::kBounds.size() && texts > static_cast<size_t>(BatchSizeCounts::kBounds[b])) ++b;
  ++counts_.buckets[b];
  ++counts_.passes;
  counts_.texts += texts;
}

BatchSizeCounts BatchingEncoder::batch_sizes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_;
}

size_t BatchingEncoder::waiting_calls() const {
  std::lock_guard<std::mutex> lock(mu_);
  return waiting_.size();
}

// The inner encoder, with anything it throws (bad_alloc) as a status: a
// leader must always hand the model back, or every later call would wait.
core::Status BatchingEncoder::guarded_encode(const std::vector<std::string>& texts, InputKind kind, float* out) {
  try {
    return inner_->encode(texts, kind, out);
  } catch (const std::exception& e) {
    return core::Status::internal(std::string("encoder ") + inner_->name() + ": " + e.what());
  }
}

core::Status BatchingEncoder::encode(const std::vector<std::string>& texts, InputKind kind, float* out) {
  if (texts.empty()) return core::Status::ok();
  Call me{&texts, kind, out, false, false, core::Status::ok()};
  std::unique_lock<std::mutex> lock(mu_);
  waiting_.push_back(&me);
  for (;;) {
    if (me.done) return me.status;
    // Another caller's pass has this call, or every pass is in use.
    if (me.taken || running_ >= max_passes_) {
      // Waiting computes nothing: the pass that runs meanwhile may use the cores.
      const core::CpuDemandPause idle;
      cv_.wait(lock);
      continue;
    }
    // Lead a pass: the oldest waiting call and every later one of its kind
    // that fits (the oldest always goes, whatever its size).
    ++running_;
    std::vector<Call*> batch;
    const InputKind k = waiting_.front()->kind;
    size_t n = 0;
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      Call* c = *it;
      if (c->kind == k && (batch.empty() || n + c->texts->size() <= max_texts_)) {
        batch.push_back(c);
        c->taken = true;
        n += c->texts->size();
        it = waiting_.erase(it);
      } else {
        ++it;
      }
    }
    lock.unlock();
    core::Status st;
    bool each_alone = batch.size() == 1;
    if (!each_alone) {
      std::vector<std::string> all;
      all.reserve(n);
      for (const Call* c : batch) all.insert(all.end(), c->texts->begin(), c->texts->end());
      const size_t d = static_cast<size_t>(inner_->dimension());
      std::vector<float> vectors(n * d);
      st = guarded_encode(all, k, vectors.data());
      if (st.is_ok()) {
        size_t row = 0;
        for (Call* c : batch) {
          std::memcpy(c->out, vectors.data() + row * d, c->texts->size() * d * sizeof(float));
          row += c->texts->size();
        }
        for (Call* c : batch) c->status = core::Status::ok();
      } else {
        each_alone = true;  // one call's bad input must not fail the others
      }
    }
    if (each_alone)
      for (Call* c : batch) c->status = guarded_encode(*c->texts, k, c->out);
    lock.lock();
    record(n);
    for (Call* c : batch) c->done = true;
    --running_;
    cv_.notify_all();
  }
}

}  // namespace kbseek::encoder
