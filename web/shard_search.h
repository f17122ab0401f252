// Searching an index split into shards (the change feed's partitions,
// indexer/change_feed.h) as one, over NATS request-reply: no membership
// protocol of our own, NATS routes and fails over.
//
// Shard side (ShardResponder, started by `serve --feed ... --shard I/N`):
// subscribes to STREAM.search.<I> in the queue group of the same name, so
// the replicas of a shard share its requests and one that is gone simply
// gets none. A request is {"body": <a POST /v1/search body>, "principals":
// {"all": false, "names": [...]}}; the answer {"status": 200, "body": {...}}
// (the search JSON) or {"status": 4xx/5xx, "error": "..."}. Requests are
// answered on a pool of threads (one per core), not on NATS's delivery
// thread, so a replica answers several at once.
//
// Front side (ShardedSearch, behind `kbseek front`): asks every shard at
// once with one deadline (a shard silent for half of it is asked again:
// a replica that died holding the request is replaced by a live one) and
// merges: each shard is asked for offset + k,
// the results are ordered by score (every shard scores with the same
// models, fusion and ranking; BM25's statistics are each shard's own, as in
// every sharded engine) and cut to [offset, offset + k). A shard that does
// not answer in time makes the answer "partial": true with its number in
// "missing_shards", not an error; none answering is 503.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>

#include "core/status.h"
#include "storage/access.h"

namespace kbseek::web {

class ShardResponder {
 public:
  // (body, principals) -> (HTTP status, JSON body or error message).
  using Answer = std::function<std::pair<int, std::string>(const std::string& body, const storage::Principals& who)>;
  static core::Result<std::unique_ptr<ShardResponder>> start(const std::string& url, const std::string& stream,
                                                             int shard, Answer answer);
  ~ShardResponder();  // unsubscribes, finishes the requests in hand
  struct Impl;

 private:
  explicit ShardResponder(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class ShardedSearch {
 public:
  // The shard count is the stream's (kbseek publish --shards N made it).
  static core::Result<std::unique_ptr<ShardedSearch>> connect(const std::string& url, const std::string& stream);
  ~ShardedSearch();
  int shards() const;
  // `body`: a POST /v1/search body (a JSON object with "query"). Returns
  // the HTTP status and the JSON to answer.
  std::pair<int, nlohmann::json> search(const nlohmann::json& body, const storage::Principals& who,
                                        int timeout_ms) const;
  struct Impl;

 private:
  explicit ShardedSearch(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace kbseek::web
