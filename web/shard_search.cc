#include "web/shard_search.h"

#include <nats/nats.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "core/logging.h"
#include "indexer/change_feed.h"

namespace kbseek::web {

using core::Result;
using core::Status;
using nlohmann::json;

namespace {

std::string nats_text(natsStatus s) {
  std::string m = natsStatus_GetText(s);
  if (const char* last = nats_GetLastError(nullptr); last && *last) m += std::string(": ") + last;
  return m;
}

std::string search_subject(const std::string& stream, int shard) { return stream + ".search." + std::to_string(shard); }

}  // namespace

struct ShardResponder::Impl {
  natsConnection* nc = nullptr;
  natsSubscription* sub = nullptr;
  Answer answer;
  std::mutex mu;
  std::condition_variable cv;
  std::deque<natsMsg*> queue;
  bool stopping = false;
  std::vector<std::thread> workers;

  static void on_message(natsConnection*, natsSubscription*, natsMsg* msg, void* closure) {
    auto* self = static_cast<Impl*>(closure);
    {
      std::lock_guard<std::mutex> lock(self->mu);
      if (self->stopping) {
        natsMsg_Destroy(msg);
        return;
      }
      self->queue.push_back(msg);
    }
    self->cv.notify_one();
  }

  void work() {
    for (;;) {
      natsMsg* msg = nullptr;
      {
        std::unique_lock<std::mutex> lock(mu);
        cv.wait(lock, [&] { return stopping || !queue.empty(); });
        if (queue.empty()) return;
        msg = queue.front();
        queue.pop_front();
      }
      const char* reply = natsMsg_GetReply(msg);
      json out;
      const json request = json::parse(std::string(natsMsg_GetData(msg), natsMsg_GetDataLength(msg)), nullptr, false);
      if (!request.is_object() || !request.contains("body") || !request["body"].is_string()) {
        out = {{"status", 400}, {"error", "not a kbseek shard search request"}};
      } else {
        storage::Principals who;
        if (auto p = request.find("principals"); p != request.end() && p->is_object()) {
          who.all = p->value("all", false);
          if (auto n = p->find("names"); n != p->end() && n->is_array())
            for (const auto& x : *n)
              if (x.is_string()) who.names.push_back(x.get<std::string>());
        }
        auto [status, body] = answer(request["body"].get<std::string>(), who);
        out = {{"status", status}};
        if (status == 200)
          out["body"] = json::parse(body, nullptr, false);
        else
          out["error"] = body;
      }
      if (reply != nullptr && *reply) {
        const std::string text = out.dump(-1, ' ', false, json::error_handler_t::replace);
        natsConnection_Publish(nc, reply, text.data(), static_cast<int>(text.size()));
      }
      natsMsg_Destroy(msg);
    }
  }

  ~Impl() {
    if (sub) {
      natsSubscription_Unsubscribe(sub);
      natsSubscription_Destroy(sub);
    }
    {
      std::lock_guard<std::mutex> lock(mu);
      stopping = true;
      for (natsMsg* m : queue) natsMsg_Destroy(m);
      queue.clear();
    }
    cv.notify_all();
    for (auto& t : workers) t.join();
    if (nc) {
      natsConnection_Flush(nc);
      natsConnection_Destroy(nc);
    }
  }
};

ShardResponder::ShardResponder(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ShardResponder::~ShardResponder() = default;

Result<std::unique_ptr<ShardResponder>> ShardResponder::start(const std::string& url, const std::string& stream,
                                                              int shard, Answer answer) {
  auto impl = std::make_unique<Impl>();
  impl->answer = std::move(answer);
  natsStatus s = natsConnection_ConnectTo(&impl->nc, url.c_str());
  if (s != NATS_OK) return Status::unavailable("NATS " + url + ": cannot connect: " + nats_text(s));
  const unsigned n = std::max(2u, std::thread::hardware_concurrency());
  for (unsigned i = 0; i < n; ++i) impl->workers.emplace_back([p = impl.get()] { p->work(); });
  const std::string subject = search_subject(stream, shard);
  s = natsConnection_QueueSubscribe(&impl->sub, impl->nc, subject.c_str(), subject.c_str(), &Impl::on_message,
                                    impl.get());
  if (s == NATS_OK) s = natsConnection_Flush(impl->nc);  // subscribed before we say we are
  if (s != NATS_OK) return Status::unavailable("NATS " + url + ": cannot answer " + subject + ": " + nats_text(s));
  return std::unique_ptr<ShardResponder>(new ShardResponder(std::move(impl)));
}

struct ShardedSearch::Impl {
  natsConnection* nc = nullptr;
  std::string stream;
  int shards = 1;
  ~Impl() {
    if (nc) natsConnection_Destroy(nc);
  }
};

ShardedSearch::ShardedSearch(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ShardedSearch::~ShardedSearch() = default;
int ShardedSearch::shards() const { return impl_->shards; }

Result<std::unique_ptr<ShardedSearch>> ShardedSearch::connect(const std::string& url, const std::string& stream) {
  indexer::FeedOptions fo;
  fo.url = url;
  fo.stream = stream;
  KB_ASSIGN_OR_RETURN(int shards, indexer::stream_shards(fo));
  auto impl = std::make_unique<Impl>();
  impl->stream = stream;
  impl->shards = shards;
  const natsStatus s = natsConnection_ConnectTo(&impl->nc, url.c_str());
  if (s != NATS_OK) return Status::unavailable("NATS " + url + ": cannot connect: " + nats_text(s));
  return std::unique_ptr<ShardedSearch>(new ShardedSearch(std::move(impl)));
}

std::pair<int, json> ShardedSearch::search(const json& body, const storage::Principals& who, int timeout_ms) const {
  const auto t0 = std::chrono::steady_clock::now();
  for (const char* n : {"k", "offset"})
    if (body.contains(n) && (!body[n].is_number_integer() || body[n].get<int64_t>() < 0))
      return {400,
              {{"error", {{"code", 400}, {"message", std::string("field \"") + n + "\" must be an integer >= 0"}}}}};
  const int k = body.value("k", 10);
  const int offset = body.value("offset", 0);
  json asked = body;
  asked["k"] = offset + k;
  asked["offset"] = 0;
  const json request = {{"body", asked.dump(-1, ' ', false, json::error_handler_t::replace)},
                        {"principals", {{"all", who.all}, {"names", who.names}}}};
  const std::string payload = request.dump(-1, ' ', false, json::error_handler_t::replace);
  // Every shard at once, one deadline.
  std::vector<std::future<json>> pending;
  for (int i = 0; i < impl_->shards; ++i) {
    pending.push_back(std::async(std::launch::async, [this, i, &payload, timeout_ms]() -> json {
      natsMsg* reply = nullptr;
      const std::string subject = search_subject(impl_->stream, i);
      // Half the deadline, then the other half: a request that reached a
      // replica which then died is asked again, and the queue group gives
      // it to a live replica.
      natsStatus s = natsConnection_Request(&reply, impl_->nc, subject.c_str(), payload.data(),
                                            static_cast<int>(payload.size()), std::max(1, timeout_ms / 2));
      if (s == NATS_TIMEOUT)
        s = natsConnection_Request(&reply, impl_->nc, subject.c_str(), payload.data(), static_cast<int>(payload.size()),
                                   std::max(1, timeout_ms - timeout_ms / 2));
      if (s != NATS_OK) return json();  // late, or no replica (NATS_NO_RESPONDERS)
      json j = json::parse(std::string(natsMsg_GetData(reply), natsMsg_GetDataLength(reply)), nullptr, false);
      natsMsg_Destroy(reply);
      return j.is_object() ? j : json();
    }));
  }
  json results = json::array();
  json missing = json::array();
  bool more = false;
  int answered = 0;
  std::pair<int, json> first_error = {0, json()};
  for (int i = 0; i < impl_->shards; ++i) {
    const json a = pending[i].get();
    if (!a.is_object() || !a.contains("status")) {
      missing.push_back(i);
      continue;
    }
    if (a["status"] != 200) {
      if (first_error.first == 0)
        first_error = {a["status"].get<int>(), {{"error", {{"code", a["status"]}, {"message", a.value("error", "")}}}}};
      missing.push_back(i);
      continue;
    }
    ++answered;
    const json& b = a["body"];
    more = more || b.value("more", false);
    if (b.contains("results") && b["results"].is_array())
      for (json r : b["results"]) {
        r["shard"] = i;
        results.push_back(std::move(r));
      }
  }
  if (answered == 0) {
    if (first_error.first != 0) return first_error;
    return {
        503,
        {{"error", {{"code", 503}, {"message", "no shard answered within " + std::to_string(timeout_ms) + " ms"}}}}};
  }
  std::stable_sort(results.begin(), results.end(),
                   [](const json& a, const json& b) { return a.value("score", 0.0) > b.value("score", 0.0); });
  json page = json::array();
  for (int i = offset; i < static_cast<int>(results.size()) && i < offset + k; ++i) page.push_back(results[i]);
  more = more || static_cast<int>(results.size()) > offset + k;
  const double took = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
  return {200,
          {{"results", page},
           {"more", more},
           {"took_ms", took},
           {"partial", !missing.empty()},
           {"missing_shards", missing},
           {"shards", {{"total", impl_->shards}, {"answered", answered}}}}};
}

}  // namespace kbseek::web
