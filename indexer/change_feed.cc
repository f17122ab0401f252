#include "indexer/change_feed.h"

#include <nats/nats.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/sha256.h"

namespace kbseek::indexer {

using core::Result;
using core::Status;

namespace {

std::string nats_error(natsStatus s, jsErrCode jerr = static_cast<jsErrCode>(0)) {
  std::string m = natsStatus_GetText(s);
  if (const char* last = nats_GetLastError(nullptr); last && *last) m += std::string(": ") + last;
  if (jerr != 0) m += " (JetStream error " + std::to_string(static_cast<int>(jerr)) + ")";
  return m;
}

std::string shards_description(int shards) { return "kbseek change feed, shards=" + std::to_string(shards); }

int shards_in(const char* description) {
  if (description == nullptr) return 0;
  const std::string d = description;
  const size_t at = d.find("shards=");
  return at == std::string::npos ? 0 : std::atoi(d.c_str() + at + 7);
}

// Connection + JetStream context; the stream checked (and created when
// `create_with_shards` > 0). Returns the stream's shard count.
Result<int> open_stream(const FeedOptions& o, natsConnection** nc, jsCtx** js, int create_with_shards) {
  natsStatus s = natsConnection_ConnectTo(nc, o.url.c_str());
  if (s != NATS_OK) return Status::unavailable("NATS " + o.url + ": cannot connect: " + nats_error(s));
  s = natsConnection_JetStream(js, *nc, nullptr);
  if (s != NATS_OK) return Status::unavailable("NATS " + o.url + ": no JetStream: " + nats_error(s));
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  s = js_GetStreamInfo(&si, *js, o.stream.c_str(), nullptr, &jerr);
  if (s == NATS_NOT_FOUND || jerr == JSStreamNotFoundErr) {
    if (create_with_shards <= 0)
      return Status::not_found("NATS " + o.url + ": no stream \"" + o.stream +
                               "\" (kbseek publish --shards N creates it)");
    jsStreamConfig cfg;
    jsStreamConfig_Init(&cfg);
    const std::string subject = o.stream + ".docs.*";
    const std::string description = shards_description(create_with_shards);
    const char* subjects[] = {subject.c_str()};
    cfg.Name = o.stream.c_str();
    cfg.Description = description.c_str();
    cfg.Subjects = subjects;
    cfg.SubjectsLen = 1;
    cfg.Storage = js_FileStorage;
    jerr = static_cast<jsErrCode>(0);
    s = js_AddStream(&si, *js, &cfg, nullptr, &jerr);
    if (s != NATS_OK)
      return Status::unavailable("NATS " + o.url + ": cannot create stream \"" + o.stream +
                                 "\": " + nats_error(s, jerr));
  } else if (s != NATS_OK) {
    return Status::unavailable("NATS " + o.url + ": stream \"" + o.stream + "\": " + nats_error(s, jerr));
  }
  const int shards = shards_in(si && si->Config ? si->Config->Description : nullptr);
  jsStreamInfo_Destroy(si);
  if (shards <= 0)
    return Status::failed_precondition("NATS stream \"" + o.stream + "\" was not made by kbseek (no shards= in it)");
  return shards;
}

}  // namespace

int shard_of(std::string_view id, int shards) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a 64
  for (unsigned char c : id) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return shards <= 1 ? 0 : static_cast<int>(h % static_cast<uint64_t>(shards));
}

Result<int> stream_shards(const FeedOptions& options) {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  auto shards = open_stream(options, &nc, &js, 0);
  if (js) jsCtx_Destroy(js);
  if (nc) natsConnection_Destroy(nc);
  return shards;
}

std::string document_record(const storage::Document& doc) {
  nlohmann::json j = {{"id", doc.id}, {"title", doc.title}, {"text", doc.text}};
  if (doc.timestamp) j["timestamp"] = *doc.timestamp;
  const nlohmann::json meta = nlohmann::json::parse(doc.metadata_json, nullptr, false);
  if (meta.is_object() && !meta.empty()) j["metadata"] = meta;
  if (!doc.acl.empty()) j["acl"] = doc.acl;
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

struct FeedPublisher::Nats {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  ~Nats() {
    if (js) jsCtx_Destroy(js);
    if (nc) natsConnection_Destroy(nc);
  }
};

Result<std::unique_ptr<FeedPublisher>> FeedPublisher::connect(const FeedOptions& options) {
  std::unique_ptr<FeedPublisher> p(new FeedPublisher());
  p->nats_ = std::make_unique<Nats>();
  p->stream_ = options.stream;
  const int wanted = options.shards > 0 ? options.shards : 0;
  KB_ASSIGN_OR_RETURN(int shards, open_stream(options, &p->nats_->nc, &p->nats_->js, wanted > 0 ? wanted : 0));
  if (wanted > 0 && shards != wanted)
    return Status::failed_precondition("NATS stream \"" + options.stream + "\" has " + std::to_string(shards) +
                                       " shards, not " + std::to_string(wanted) +
                                       " (a stream's partitioning cannot change; use another --stream)");
  p->shards_ = shards;
  return p;
}

FeedPublisher::~FeedPublisher() = default;

Status FeedPublisher::publish(const std::string& id, const std::string& record) {
  const std::string subject = stream_ + ".docs." + std::to_string(shard_of(id, shards_));
  const std::string msg_id = core::sha256_hex(record);
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MsgId = msg_id.c_str();
  jsPubAck* ack = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus s =
      js_Publish(&ack, nats_->js, subject.c_str(), record.data(), static_cast<int>(record.size()), &po, &jerr);
  jsPubAck_Destroy(ack);
  if (s != NATS_OK) return Status::unavailable("publishing \"" + id + "\": " + nats_error(s, jerr));
  return Status::ok();
}

Status FeedPublisher::put(const storage::Document& doc) { return publish(doc.id, document_record(doc)); }

Status FeedPublisher::remove(const std::string& id) {
  return publish(
      id, nlohmann::json{{"id", id}, {"deleted", true}}.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

struct FeedConsumer::Nats {
  natsConnection* nc = nullptr;
  jsCtx* js = nullptr;
  natsSubscription* sub = nullptr;
  ~Nats() {
    if (sub) natsSubscription_Destroy(sub);
    if (js) jsCtx_Destroy(js);
    if (nc) natsConnection_Destroy(nc);
  }
};

Result<std::unique_ptr<FeedConsumer>> FeedConsumer::open(const FeedOptions& options, int shard,
                                                         const std::string& durable) {
  std::unique_ptr<FeedConsumer> c(new FeedConsumer());
  c->nats_ = std::make_unique<Nats>();
  KB_ASSIGN_OR_RETURN(c->shards_, open_stream(options, &c->nats_->nc, &c->nats_->js, 0));
  if (shard < 0 || shard >= c->shards_)
    return Status::invalid_argument("shard " + std::to_string(shard) + " of a stream of " + std::to_string(c->shards_) +
                                    " shards");
  const std::string subject = options.stream + ".docs." + std::to_string(shard);
  jsSubOptions so;
  jsSubOptions_Init(&so);
  so.Stream = options.stream.c_str();
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus s =
      js_PullSubscribe(&c->nats_->sub, c->nats_->js, subject.c_str(), durable.c_str(), nullptr, &so, &jerr);
  if (s != NATS_OK)
    return Status::unavailable("NATS " + options.url + ": cannot consume " + subject + " as \"" + durable +
                               "\": " + nats_error(s, jerr));
  return c;
}

FeedConsumer::~FeedConsumer() = default;

Result<std::vector<FeedMessage>> FeedConsumer::fetch(int max, int timeout_ms) {
  natsMsgList list = {nullptr, 0};
  jsErrCode jerr = static_cast<jsErrCode>(0);
  const natsStatus s = natsSubscription_Fetch(&list, nats_->sub, max, timeout_ms, &jerr);
  std::vector<FeedMessage> out;
  if (s == NATS_TIMEOUT) return out;
  if (s != NATS_OK) return Status::unavailable("NATS fetch: " + nats_error(s, jerr));
  for (int i = 0; i < list.Count; ++i) {
    natsMsg* m = list.Msgs[i];
    list.Msgs[i] = nullptr;  // ours now
    FeedMessage fm;
    fm.handle = m;
    const std::string data(natsMsg_GetData(m), static_cast<size_t>(natsMsg_GetDataLength(m)));
    const nlohmann::json j = nlohmann::json::parse(data, nullptr, false);
    if (!j.is_object() || !j.contains("id") || !j["id"].is_string() || j["id"].get<std::string>().empty()) {
      fm.record = "not a kbseek record: " + data.substr(0, 80);
    } else {
      fm.id = j["id"].get<std::string>();
      fm.deleted = j.value("deleted", false);
      fm.record = data;
    }
    out.push_back(std::move(fm));
  }
  natsMsgList_Destroy(&list);
  return out;
}

Status FeedConsumer::ack(FeedMessage& message) {
  auto* m = static_cast<natsMsg*>(message.handle);
  if (m == nullptr) return Status::ok();
  const natsStatus s = natsMsg_Ack(m, nullptr);
  natsMsg_Destroy(m);
  message.handle = nullptr;
  if (s != NATS_OK) return Status::unavailable("NATS ack of \"" + message.id + "\": " + nats_error(s));
  return Status::ok();
}

void FeedConsumer::release(FeedMessage& message) {
  if (message.handle) natsMsg_Destroy(static_cast<natsMsg*>(message.handle));
  message.handle = nullptr;
}

}  // namespace kbseek::indexer
