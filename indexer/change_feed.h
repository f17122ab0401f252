// A change feed on NATS JetStream (Debian's nats-server and libnats-dev):
// writes go to one durable stream, partitioned by document id; each shard of
// an index consumes its partition and acknowledges a message only after the
// write it carries is committed (at-least-once; a redelivered put is an
// unchanged document by content hash, a redelivered delete a no-op, so
// applying twice is applying once). Why NATS: durable, replicated streams,
// consumer positions and queue groups are what a cluster needs, and they
// are not ours to write (the issue says so: no cluster protocol of our own).
//
// Layout: stream STREAM (default "kbseek"), file storage, subjects
// STREAM.docs.<shard>; shard_of(id) = FNV-1a 64 of the id's bytes mod the
// shard count, which the stream records when created ("shards=N" in its
// description) so publishers and shards cannot disagree. A message is one
// JSONL record (indexer/jsonl_reader.h) or a tombstone {"id":..,"deleted":true};
// its Nats-Msg-Id is the SHA-256 of the record, so the same record published
// twice within the stream's duplicate window is stored once.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "storage/types.h"

namespace kbseek::indexer {

struct FeedOptions {
  std::string url = "nats://127.0.0.1:4222";
  std::string stream = "kbseek";
  int shards = 1;  // a publisher's; 0 = take the stream's
};

// The partition of a document id, in [0, shards).
int shard_of(std::string_view id, int shards);

// The shard count a stream records; NotFound when there is no such stream,
// Unavailable when the server cannot be reached.
core::Result<int> stream_shards(const FeedOptions& options);

// A document as the JSONL record that parse_document_line() reads back.
std::string document_record(const storage::Document& doc);

class FeedPublisher {
 public:
  // Connects and creates the stream if it does not exist. Unavailable when
  // the server cannot be reached (naming the URL); FailedPrecondition when
  // the stream exists with another shard count.
  static core::Result<std::unique_ptr<FeedPublisher>> connect(const FeedOptions& options);
  ~FeedPublisher();
  int shards() const { return shards_; }
  // Waits for the stream's acknowledgement (the record is durable).
  core::Status put(const storage::Document& doc);
  core::Status remove(const std::string& id);

 private:
  FeedPublisher() = default;
  core::Status publish(const std::string& id, const std::string& record);
  struct Nats;
  std::unique_ptr<Nats> nats_;
  std::string stream_;
  int shards_ = 1;
};

// One message of a shard's partition; ack it once what it says is committed.
struct FeedMessage {
  std::string id;        // the document's
  bool deleted = false;  // a tombstone
  std::string record;    // the JSONL record (puts)
  void* handle = nullptr;
};

class FeedConsumer {
 public:
  // A durable pull consumer of STREAM.docs.<shard>: its position survives
  // restarts of this process and of the server. Each replica of a shard
  // names its own `durable` (each gets every message of the partition).
  static core::Result<std::unique_ptr<FeedConsumer>> open(const FeedOptions& options, int shard,
                                                          const std::string& durable);
  ~FeedConsumer();
  int shards() const { return shards_; }
  // Up to `max` messages, waiting up to timeout_ms for the first; none on
  // timeout. A message that is not a record is returned with id "" and
  // record holding why (ack it: redelivering it cannot help).
  core::Result<std::vector<FeedMessage>> fetch(int max, int timeout_ms);
  core::Status ack(FeedMessage& message);
  // Frees a message's handle without acknowledging it (it is redelivered).
  void release(FeedMessage& message);

 private:
  FeedConsumer() = default;
  struct Nats;
  std::unique_ptr<Nats> nats_;
  int shards_ = 1;
};

}  // namespace kbseek::indexer
