// BatchingEncoder over the real all-MiniLM: calls from many threads that
// wait behind a running pass share the next one, and each caller gets the
// vectors it would get alone; a call's bad input fails that call only; a
// lone call runs at once; with two passes allowed, a second call runs beside
// a running pass. Passes are held (by a wrapper around the model) until the
// other threads have called, so the batching is certain.
#include "encoder/batching_encoder.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "tests/encoder/test_support.h"

namespace kbseek::encoder {
namespace {

// The model, with each encode() held until `release` is set; `inside`
// (when given) counts the calls in it.
class HeldEncoder : public Encoder {
 public:
  HeldEncoder(std::unique_ptr<Encoder> inner, std::atomic<bool>* entered, std::atomic<bool>* release,
              std::atomic<int>* inside = nullptr)
      : inner_(std::move(inner)), entered_(entered), release_(release), inside_(inside) {}
  const std::string& name() const override { return inner_->name(); }
  const std::string& fingerprint() const override { return inner_->fingerprint(); }
  int dimension() const override { return inner_->dimension(); }
  int max_tokens() const override { return inner_->max_tokens(); }
  int count_tokens(std::string_view t) const override { return inner_->count_tokens(t); }
  core::Status encode(const std::vector<std::string>& texts, InputKind kind, float* out) override {
    if (inside_ != nullptr) ++*inside_;
    *entered_ = true;
    while (!release_->load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const core::Status st = inner_->encode(texts, kind, out);
    if (inside_ != nullptr) --*inside_;
    return st;
  }

 private:
  std::unique_ptr<Encoder> inner_;
  std::atomic<bool>* entered_;
  std::atomic<bool>* release_;
  std::atomic<int>* inside_;
};

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

TEST(MiniLmBatchingTest, ConcurrentCallsShareAPassAndGetTheirOwnVectors) {
  ASSERT_NO_FATAL_FAILURE(testing::require_model());
  auto plain = open_encoder(testing::model_dir());
  ASSERT_TRUE(plain.is_ok()) << plain.status().message();
  const int d = plain.value()->dimension();
  const std::vector<std::vector<std::string>> calls = {
      {"how do I reset my VPN password"},
      {"报销流程需要哪些材料"},
      {"quarterly budget", "holiday policy", "printer toner"},
      {"what is the capital of France"},
      {"上海的人口是多少"},
      {"WireGuard client setup"},
      {"\xff\xfe not UTF-8"},
      {"a much longer question about the retention of financial records in the archive"}};
  // What each call gets alone.
  std::vector<std::vector<float>> alone(calls.size());
  for (size_t i = 0; i < calls.size(); ++i) {
    alone[i].resize(calls[i].size() * d);
    (void)plain.value()->encode(calls[i], InputKind::kQuery, alone[i].data());
  }

  auto model = open_encoder(testing::model_dir());
  ASSERT_TRUE(model.is_ok());
  std::atomic<bool> entered{false}, release{false};
  BatchingEncoder batching(std::make_unique<HeldEncoder>(std::move(model).value(), &entered, &release));
  std::vector<std::vector<float>> got(calls.size());
  std::vector<core::Status> status(calls.size());
  // A round: the first call leads a pass, held until the others queue
  // behind it; then they all run.
  auto round = [&](const std::vector<size_t>& which) {
    entered = false;
    release = false;
    std::vector<std::thread> threads;
    auto call = [&](size_t i) {
      threads.emplace_back([&, i] {
        got[i].assign(calls[i].size() * d, 0.f);
        status[i] = batching.encode(calls[i], InputKind::kQuery, got[i].data());
      });
    };
    call(which[0]);
    while (!entered.load()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    for (size_t k = 1; k < which.size(); ++k) call(which[k]);
    while (batching.waiting_calls() < which.size() - 1) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    release = true;
    for (auto& t : threads) t.join();
  };

  round({0, 1, 2, 3, 4, 5, 7});
  for (size_t i : {0, 1, 2, 3, 4, 5, 7}) {
    ASSERT_TRUE(status[i].is_ok()) << i << ": " << status[i].message();
    EXPECT_LT(max_abs_diff(got[i], alone[i]), 1e-4f) << "call " << i << " " << calls[i][0];
  }
  BatchSizeCounts counts = batching.batch_sizes();
  // Pass 1: call 0 alone. Pass 2: the other six calls' eight texts at once.
  EXPECT_EQ(counts.passes, 2u);
  EXPECT_EQ(counts.texts, 1u + 8u);
  EXPECT_EQ(counts.buckets[0], 1u);  // le 1
  EXPECT_EQ(counts.buckets[3], 1u);  // le 8

  // A bad text fails its own call only: the shared pass fails, each call
  // runs again alone.
  round({0, 6, 1});
  EXPECT_TRUE(status[0].is_ok());
  EXPECT_EQ(status[6].code(), core::StatusCode::kInvalidArgument) << status[6].message();
  ASSERT_TRUE(status[1].is_ok()) << status[1].message();
  EXPECT_LT(max_abs_diff(got[1], alone[1]), 1e-4f);

  // A lone call runs at once, in a pass of its own.
  const uint64_t before = batching.batch_sizes().passes;
  std::vector<float> one(d);
  release = true;
  ASSERT_TRUE(batching.encode({"alone"}, InputKind::kQuery, one.data()).is_ok());
  EXPECT_EQ(batching.batch_sizes().passes, before + 1);
}

// With max_passes 2, a second call runs beside a running pass instead of
// waiting for it; a third waits, and each call gets its own vectors.
TEST(MiniLmBatchingTest, UpToMaxPassesRunAtOnce) {
  ASSERT_NO_FATAL_FAILURE(testing::require_model());
  auto plain = open_encoder(testing::model_dir());
  ASSERT_TRUE(plain.is_ok()) << plain.status().message();
  const int d = plain.value()->dimension();
  const std::vector<std::string> texts = {"how do I reset my VPN password", "报销流程需要哪些材料",
                                          "quarterly budget review"};
  std::vector<std::vector<float>> alone(texts.size(), std::vector<float>(d));
  for (size_t i = 0; i < texts.size(); ++i)
    ASSERT_TRUE(plain.value()->encode({texts[i]}, InputKind::kQuery, alone[i].data()).is_ok());

  auto model = open_encoder(testing::model_dir());
  ASSERT_TRUE(model.is_ok());
  std::atomic<int> inside{0};
  std::atomic<bool> entered{false}, release{false};
  BatchingEncoder batching(std::make_unique<HeldEncoder>(std::move(model).value(), &entered, &release, &inside), 64, 2);
  std::vector<std::vector<float>> got(texts.size(), std::vector<float>(d, 0.f));
  std::vector<core::Status> status(texts.size());
  std::vector<std::thread> threads;
  auto call = [&](size_t i) {
    threads.emplace_back([&, i] { status[i] = batching.encode({texts[i]}, InputKind::kQuery, got[i].data()); });
  };
  // Waits up to 5 s for `done` (a failure, not a hang, if it never comes).
  const auto within_5s = [](const auto& done) {
    for (int i = 0; i < 5000 && !done(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return done();
  };
  call(0);
  EXPECT_TRUE(within_5s([&] { return inside.load() == 1; }));
  call(1);  // a second pass starts at once
  EXPECT_TRUE(within_5s([&] { return inside.load() == 2; })) << "the second call waited for the first pass";
  call(2);  // both passes in use: waits
  EXPECT_TRUE(within_5s([&] { return batching.waiting_calls() == 1; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(inside.load(), 2);
  EXPECT_EQ(batching.waiting_calls(), 1u);
  release = true;
  for (auto& t : threads) t.join();
  for (size_t i = 0; i < texts.size(); ++i) {
    ASSERT_TRUE(status[i].is_ok()) << i << ": " << status[i].message();
    EXPECT_LT(max_abs_diff(got[i], alone[i]), 1e-4f) << texts[i];
  }
  EXPECT_EQ(batching.batch_sizes().passes, 3u);
  EXPECT_EQ(batching.batch_sizes().texts, 3u);
}

}  // namespace
}  // namespace kbseek::encoder
