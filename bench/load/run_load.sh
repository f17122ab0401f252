#!/usr/bin/env bash
# HTTP load on `kbseek serve` over an index of >= 100k chunks (the shared
# corpora plus generated text, bench/load/make_corpus.py), with wrk
# (Debian's) on loopback: requests/s and latency at 1, 8 and 64 connections,
# the result cache off and on, for lexical (bm25), hybrid, and hybrid with
# the LLM stage (when its model is installed); then a soak: hybrid, cache
# off, 8 connections, the server's memory sampled every 10 s. Writes
# bench/results/load-100k.md as it goes. Run on a quiet machine: on 2 cores
# wrk's own two threads share the CPU with the server, as they would with a
# client on the same box.
#
#   bash bench/load/run_load.sh            (builds the index first if absent:
#                                          ~110k chunks, about an hour on 2 cores)
#   KBSEEK_LOAD_SECONDS=20 KBSEEK_SOAK_SECONDS=600 (0: none) KBSEEK_LOAD_LLM=qwen2.5-0.5b-instruct (or "" to skip)
#   KBSEEK_LOAD_MODES="bm25 hybrid" KBSEEK_LOAD_CACHES="0 8192" ("" for none: a soak alone) KBSEEK_BIN=... KBSEEK_LOAD_OUT=...
#   KBSEEK_SERVE_FLAGS="--nprobe 48" (added to every serve command)
#
# Queries: real questions of seven evaldata sets in turn (Chinese, English,
# cross-lingual), so the cache-on runs repeat each question as popular ones
# repeat. "Cache off" is --cache-entries 0 (no result nor query-embedding
# cache); "cache on" is the in-memory level with 8192 entries, filled by one
# warm pass. The persistent level is off in both, so runs do not share state.
set -euo pipefail
cd "$(dirname "$0")/../.."
EVAL="${KBSEEK_EVALDATA:-../shared/evaldata}"
KB="${KBSEEK_BIN:-./build/kbseek}"
IDX="${KBSEEK_LOAD_INDEX:-bench/work/load/index}"
SECS="${KBSEEK_LOAD_SECONDS:-20}"
SOAK="${KBSEEK_SOAK_SECONDS:-600}"
LLM="${KBSEEK_LOAD_LLM-qwen2.5-0.5b-instruct}"
OUT="${KBSEEK_LOAD_OUT:-bench/results/load-100k.md}"
command -v wrk >/dev/null || { echo "run_load: needs wrk (apt-get install wrk)" >&2; exit 2; }
if [ ! -f "$IDX/MANIFEST" ]; then
  python3 bench/load/make_corpus.py --out bench/work/load/corpus.jsonl
  "$KB" index --index "$IDX" bench/work/load/corpus.jsonl
fi
if [ -n "$LLM" ] && ! "$KB" model verify "$LLM" >/dev/null 2>&1; then
  echo "run_load: $LLM not installed (KBSEEK_WITH_LLM=small bash scripts/setup.sh); the LLM rows are skipped" >&2
  LLM=""
fi
work=$(mktemp -d)
pid=""
trap 'rm -rf "$work"; [ -n "$pid" ] && kill "$pid" 2>/dev/null || true' EXIT

python3 - "$EVAL" "$work" "$LLM" <<'PY'
import json, os, sys
evaldata, work, llm = sys.argv[1:4]
sets = ["xquadr_zh", "xquadr_en", "scifact", "cmrc2018_dev", "xquad_zh2en", "xquad_en2zh", "nfcorpus_test_tokenized"]
lists = []
for s in sets:
    with open(os.path.join(evaldata, s, "queries.jsonl"), encoding="utf-8") as f:
        lists.append([json.loads(l)["text"] for l in f if l.strip()][:400])
queries = [q for row in zip(*lists) for q in row]  # interleaved: one of each set in turn
def write(name, extra, qs):
    with open(os.path.join(work, name), "w", encoding="utf-8") as f:
        for q in qs:
            body = {"query": q, "k": 10}
            body.update(extra)
            f.write(json.dumps(body, ensure_ascii=False) + "\n")
write("bm25.jsonl", {"mode": "bm25"}, queries)
write("hybrid.jsonl", {}, queries)
if llm:
    # The 0.5B model's default LLM weight is 0 (measured: it does not help
    # on these sets), which skips the stage; 0.2 makes it run, to measure
    # what it costs.
    write("llm.jsonl", {"rerank": llm, "rerank_weight": 0.2}, queries[:24])
print(len(queries))
PY
nq=$(wc -l < "$work/hybrid.jsonl")
chunks=$("$KB" stats --index "$IDX" --json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j.get("chunks", "?"))')
docs=$("$KB" stats --index "$IDX" --json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j.get("documents", "?"))')

rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status" 2>/dev/null || echo "?"; }

start_server() {  # $1: cache entries
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  # shellcheck disable=SC2086 # KBSEEK_SERVE_FLAGS is a list of flags
  "$KB" serve --index "$IDX" --port "$port" --cache-entries "$1" --persistent-cache-entries 0 ${KBSEEK_SERVE_FLAGS:-} \
    2> "$work/serve.log" &
  pid=$!
  for _ in $(seq 1 600); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && return 0; sleep 0.2; done
  echo "run_load: the server did not become ready" >&2; cat "$work/serve.log" >&2; exit 1
}
stop_server() { kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""; }

row() {  # $1 label, $2 wrk output; prints a table row
  python3 bench/http/wrk_row.py "$2" "=$1" requests rps1 p50 p90 p99 non2xx sockets "=$(rss_mb "$pid")"
}

run_wrk() {  # $1 bodies, $2 connections, $3 seconds, $4 timeout
  wrk -t"$([ "$2" -ge 2 ] && echo 2 || echo 1)" -c"$2" -d"$3s" --timeout "$4" --latency -s bench/http/search.lua "http://127.0.0.1:$port" -- "$work/$1" 0 \
    > "$work/wrk.txt" 2>&1 || true
}

{
  echo "# HTTP load on ~100k chunks: lexical, hybrid, hybrid + LLM; cache off and on; a soak"
  echo
  echo "- machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB; commit $(git rev-parse --short HEAD); $(date -u +%FT%TZ); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- index: \`$IDX\`, $docs documents, $chunks chunks (bench/load/make_corpus.py: every shared corpus + generated text), default model set"
  echo "- server binary: \`$KB\`${KBSEEK_SERVE_FLAGS:+, serve flags \`$KBSEEK_SERVE_FLAGS\`}"
  echo "- command: \`bash bench/load/run_load.sh\` (wrk, 2 threads (1 at 1 connection), ${SECS} s per row, POST /v1/search k = 10, $nq distinct questions of 7 evaldata sets in turn)"
  echo "- cache off: \`serve --cache-entries 0\`; cache on: 8192 entries after one warm pass; persistent level off in both"
  echo "- errors: \"non-2xx\" are answers such as 429/503 (overload is answered, not dropped); \"socket errors\" are wrk's (timeouts are requests unanswered after the wrk timeout)"
  echo
  echo "| run | requests | requests/s | p50 ms | p90 ms | p99 ms | non-2xx | socket errors | server RSS MB |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|---:|"
} > "$OUT"

for cache in ${KBSEEK_LOAD_CACHES-0 8192}; do
  start_server "$cache"
  label_cache=$([ "$cache" = 0 ] && echo "cache off" || echo "cache on")
  for mode in ${KBSEEK_LOAD_MODES-bm25 hybrid}; do
    if [ "$cache" = 0 ]; then
      run_wrk "$mode.jsonl" 2 3 10s  # encoders and page cache warm
    else
      # one pass over every question fills the cache
      python3 - "$port" "$work/$mode.jsonl" <<'PY'
import sys, urllib.request
port, path = sys.argv[1:3]
for line in open(path, encoding="utf-8"):
    req = urllib.request.Request("http://127.0.0.1:%s/v1/search" % port, data=line.encode("utf-8"),
                                 headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=60).read()
PY
    fi
    for conns in 1 8 64; do
      run_wrk "$mode.jsonl" "$conns" "$SECS" 10s
      row "$([ $mode = bm25 ] && echo lexical || echo hybrid), $label_cache, $conns conn." "$work/wrk.txt" >> "$OUT"
    done
  done
  if [ -n "$LLM" ]; then
    if [ "$cache" != 0 ]; then run_wrk llm.jsonl 1 120 120s; fi  # warm: most of the 24 questions once
    for conns in 1 8 64; do
      run_wrk llm.jsonl "$conns" $((SECS * 3)) 60s
      row "hybrid + LLM ($LLM, top 10 re-ranked, weight 0.2), $label_cache, $conns conn." "$work/wrk.txt" >> "$OUT"
    done
  fi
  stop_server
  tail -n +1 "$OUT" | tail -n 9
done

# Soak: hybrid, cache off, 8 connections; the server's RSS every 10 s.
if [ "$SOAK" = 0 ]; then cat "$OUT"; exit 0; fi
start_server 0
run_wrk hybrid.jsonl 2 3 10s
rss0=$(rss_mb "$pid")
(
  while kill -0 "$pid" 2>/dev/null; do echo "$(date +%s) $(rss_mb "$pid")"; sleep 10; done
) > "$work/rss.txt" &
sampler=$!
run_wrk hybrid.jsonl 8 "$SOAK" 10s
row "soak: hybrid, cache off, 8 conn., ${SOAK} s" "$work/wrk.txt" >> "$OUT"
kill "$sampler" 2>/dev/null || true
python3 - "$work/rss.txt" "$rss0" "$SOAK" >> "$OUT" <<'PY'
import sys
samples = [int(l.split()[1]) for l in open(sys.argv[1]) if l.split()[1:] and l.split()[1].isdigit()]
n = len(samples)
print()
print("Soak memory (server RSS, MB, sampled every 10 s over %s s): after warm-up %s; first sample %d, minute 1 max %d, last minute max %d, max %d, last %d (%d samples)." % (
    sys.argv[3], sys.argv[2], samples[0], max(samples[:6]), max(samples[-6:]), max(samples), samples[-1], n))
PY
stop_server
cat "$OUT"
