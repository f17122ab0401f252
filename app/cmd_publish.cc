// `kbseek publish --nats URL --shards N INPUT...`: documents into the change
// feed (indexer/change_feed.h) instead of an index folder; shards that
// follow it (`serve --writable --feed URL --shard I/N`) index them.
// `--delete ID...|-` publishes removals. Any input `kbseek index` reads.
// Each record is acknowledged by the stream (durable) before the next; a
// record the readers reject is reported and skipped, as index does.
#include <cstdio>

#include "app/args.h"
#include "app/commands.h"
#include "app/stdin_lines.h"
#include "indexer/change_feed.h"
#include "indexer/document_source.h"

namespace kbseek::app {

using core::Status;

int cmd_publish(int argc, char** argv) {
  auto args = Args::parse(argc, argv, {"--nats", "--stream", "--shards", "--format"}, {"--delete", "--quiet"});
  if (!args.is_ok()) return fail("publish", args.status());
  constexpr const char* kUsage =
      "usage: kbseek publish --nats nats://HOST:PORT [--stream kbseek] [--shards N] [--format F] INPUT...\n"
      "       kbseek publish --nats nats://HOST:PORT [--stream kbseek] --delete ID...|-";
  auto url = args->require("--nats");
  if (!url.is_ok() || args->positional().empty()) return fail("publish", Status::invalid_argument(kUsage));
  auto shards = args->get_int("--shards", 0);
  if (!shards.is_ok() || shards.value() < 0) return fail("publish", Status::invalid_argument("--shards N, N >= 1"));
  indexer::FeedOptions fo;
  fo.url = url.value();
  fo.stream = args->get("--stream", "kbseek");
  fo.shards = static_cast<int>(shards.value());
  auto pub = indexer::FeedPublisher::connect(fo);
  if (!pub.is_ok()) return fail("publish", pub.status());
  int64_t published = 0, rejected = 0;
  if (args->has("--delete")) {
    for (const auto& id : ids_from_arguments(args->positional())) {
      if (Status st = pub.value()->remove(id); !st.is_ok()) return fail("publish", st);
      ++published;
    }
    std::fprintf(stderr, "published %lld removals to %s (stream %s)\n", static_cast<long long>(published),
                 fo.url.c_str(), fo.stream.c_str());
    return 0;
  }
  indexer::ReadOptions ro;
  auto fmt = indexer::parse_input_format(args->get("--format", "auto"));
  if (!fmt.is_ok()) return fail("publish", fmt.status());
  ro.format = fmt.value();
  Status failure;
  for (const auto& input : args->positional()) {
    Status st = indexer::read_input(
        input, ro,
        [&](storage::Document&& doc, const char*) {
          failure = pub.value()->put(doc);
          if (!failure.is_ok()) return false;
          ++published;
          return true;
        },
        [&](const indexer::Rejection& r) {
          if (r.warning) return true;
          ++rejected;
          std::fprintf(stderr, "%s%s: %s\n", r.source.c_str(), r.line > 0 ? (":" + std::to_string(r.line)).c_str() : "",
                       r.reason.c_str());
          return true;
        },
        nullptr);
    if (!failure.is_ok()) return fail("publish", failure);
    if (!st.is_ok()) return fail("publish", st);
  }
  std::fprintf(stderr, "published %lld documents to %s (stream %s, %d shards), %lld rejected\n",
               static_cast<long long>(published), fo.url.c_str(), fo.stream.c_str(), pub.value()->shards(),
               static_cast<long long>(rejected));
  return rejected > 0 ? 1 : 0;
}

}  // namespace kbseek::app
