// kbseek: the command-line entry point; dispatches to the subcommands.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "app/commands.h"
#include "core/logging.h"

namespace {

const char* kUsage = R"(kbseek — bilingual (Chinese/English) semantic search

usage: kbseek <command> [options]

commands:
  index  --index DIR [--models NAME,...] [--format auto|jsonl|csv|tsv|txt|md|html]
         [--id-col C --title-col C --text-col C --time-col C] [--rejects FILE] [--dry-run]
         FILE|FOLDER|-...          index documents (JSONL, CSV/TSV, folders of txt/md/html; gzip ok)
  search --index DIR [-k N] [--offset N] [--facets a,b] [--mode bm25|dense|hybrid] [--models NAME,...] [--json] [--explain] [--principals a,b] QUERY
  eval   --index DIR --queries Q.jsonl --qrels QRELS.tsv [--mode M] [--max-queries N] [--json]
  tune   --index DIR --queries Q.jsonl --qrels QRELS.tsv [--test-share 0.3] [--max-queries N] [--dry-run] [--dump LISTS.jsonl]
                                   learn the index's fusion weights from labels (kept in DIR/fusion.json;
                                   search, eval and serve use them unless --fixed-weights)
  stats  --index DIR [--json]
  serve  --index DIR | --tenants ROOT (one index per tenant, under /t/NAME/) [--host H] [--port P] [--auth] [--anonymous-principals a,b] [--principals-header NAME]
         [--workers N] (request threads; default one per core, at least 2)
         search, eval and serve take the LLM stage: --rerank NAME [--rerank-k N]
         [--rerank-budget-ms MS] [--rerank-weight W]; and ranking beyond relevance (over the
         index's ranking.json): --freshness W [--half-life-days D] [--recent-weight W]
         [--mmr-lambda L] [--group-by FIELD:N] [--boost FIELD:VALUE=FACTOR,...]
         [--other-chunks-weight W]; and --nprobe N (IVF lists probed per dense search, over
         the index's rule: fewer is faster, with less recall: storage/README.md)
  delete --index DIR ID...|-       remove documents (ids from stdin with -)
  check  --index DIR [--repair]     verify SQLite, FAISS and Xapian agree (repair rebuilds from SQLite)
  model  list | verify NAME|DIR | import DIR [--name NAME]
  embed  --model NAME|DIR [--query|--passage] [--dim N]
                                   one text per stdin line -> one JSON array per stdout line
  keys   create --index DIR --role reader|writer|admin [--principals a,b] | list --index DIR | revoke --index DIR ID
  snapshot create --index DIR --to ROOT [--name NAME] | list --to ROOT [--json] | restore --from ROOT/NAME --index NEW_DIR
                                   online, consistent copies of an index (a writer may be committing)
  erase  --index DIR --actor WHO [--reason TEXT] [--filter 'dept:hr time:<2020'] [ID...|-]
                                   GDPR erasure: content gone from every file, caches dropped, audit.jsonl
  retention --index DIR [--rules FILE] [--actor WHO] [--dry-run]
                                   erase what DIR/retention.json's rules say is too old (audited, as erase)
  sync   --index DIR --source file:///PATH [--watch]   a folder, incrementally: changed files re-indexed, removed ones deleted
         --index DIR --source 'postgresql://HOST/DB?table=T&updated=COL[&acl=COL]' [--watch [--interval S]]
                                   a table or query=SELECT..., incrementally on COL; rows gone are deleted
  publish --nats URL [--stream S] [--shards N] INPUT... | --delete ID...|-
                                   documents into the NATS JetStream change feed; shards follow it with
                                   serve --writable --feed URL --shard I/N
  front  --nats URL [--stream S] [--host H] [--port P] [--timeout-ms 1000] [--keys DIR]
                                   one /v1/search over every shard (NATS request-reply; partial if one is late)
  rerank --model NAME [--budget-ms MS] [--passage-tokens N] QUERY
                                   one passage per stdin line -> one relevance score per stdout line

common: --models-dir DIR (default $KBSEEK_MODELS or the build's models/ folder)
)";

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "-h") == 0 || std::strcmp(argv[1], "--help") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    std::fputs(kUsage, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const std::string cmd = argv[1];
  int sub_argc = argc - 2;
  char** sub_argv = argv + 2;
  using namespace kbseek::app;
  // One-shot commands print results, not the loader's info lines; long-running
  // ones (index, serve) keep them. KBSEEK_LOG overrides either way.
  if (std::getenv("KBSEEK_LOG") == nullptr && cmd != "index" && cmd != "sync" && cmd != "serve")
    kbseek::core::set_log_level(kbseek::core::LogLevel::kWarn);
  if (cmd == "index") return cmd_index(sub_argc, sub_argv);
  if (cmd == "search") return cmd_search(sub_argc, sub_argv);
  if (cmd == "eval") return cmd_eval(sub_argc, sub_argv);
  if (cmd == "stats") return cmd_stats(sub_argc, sub_argv);
  if (cmd == "serve") return cmd_serve(sub_argc, sub_argv);
  if (cmd == "model") return cmd_model(sub_argc, sub_argv);
  if (cmd == "delete") return cmd_delete(sub_argc, sub_argv);
  if (cmd == "check") return cmd_check(sub_argc, sub_argv);
  if (cmd == "embed") return cmd_embed(sub_argc, sub_argv);
  if (cmd == "rerank") return cmd_rerank(sub_argc, sub_argv);
  if (cmd == "keys") return cmd_keys(sub_argc, sub_argv);
  if (cmd == "snapshot") return cmd_snapshot(sub_argc, sub_argv);
  if (cmd == "erase") return cmd_erase(sub_argc, sub_argv);
  if (cmd == "retention") return cmd_retention(sub_argc, sub_argv);
  if (cmd == "publish") return cmd_publish(sub_argc, sub_argv);
  if (cmd == "front") return cmd_front(sub_argc, sub_argv);
  if (cmd == "sync") return cmd_sync(sub_argc, sub_argv);
  if (cmd == "tune") return cmd_tune(sub_argc, sub_argv);
  if (cmd == "--version" || cmd == "version") {
    std::printf("kbseek %s\n", KBSEEK_VERSION);
    return 0;
  }
  std::fprintf(stderr, "kbseek: unknown command \"%s\"\n\n%s", cmd.c_str(), kUsage);
  return 2;
}
