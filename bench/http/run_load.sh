#!/usr/bin/env bash
# HTTP load on `kbseek serve`: wrk (Debian's) POSTs real queries of an
# evaldata set to /v1/search (hybrid, k = 10) for DURATION seconds with
# CONNS connections, once with the result cache off (every request runs
# retrieval) and once with it on, 4096 entries (every query of the set fits;
# they repeat, as popular queries do). Writes
# bench/results/http-load-SET.md. Run on a quiet machine.
#   bash bench/http/run_load.sh [SET]       default xquadr_zh
#   KBSEEK_LOAD_SECONDS=20 KBSEEK_LOAD_CONNS=16 ...
set -euo pipefail
cd "$(dirname "$0")/../.."
SET="${1:-xquadr_zh}"
EVAL="${KBSEEK_EVALDATA:-../shared/evaldata}"
KB="${KBSEEK_BIN:-./build/kbseek}"
SECS="${KBSEEK_LOAD_SECONDS:-20}"
CONNS="${KBSEEK_LOAD_CONNS:-16}"
command -v wrk >/dev/null || { echo "run_load: needs wrk (apt-get install wrk)" >&2; exit 2; }
idx="bench/work/llm/$SET"
if [ ! -f "$idx/MANIFEST" ]; then
  rm -rf "$idx"
  "$KB" index --index "$idx" "$EVAL/$SET/corpus.jsonl" --quiet
fi
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null || true' EXIT
python3 - "$EVAL/$SET/queries.jsonl" > "$work/bodies.jsonl" <<'PY'
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip():
        print(json.dumps({"query": json.loads(line)["text"], "k": 10}, ensure_ascii=False))
PY
nq=$(wc -l < "$work/bodies.jsonl")
out="bench/results/http-load-$SET.md"
{
  echo "# HTTP load: kbseek serve on $SET"
  echo
  echo "- machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; commit $(git rev-parse --short HEAD); $(date +%F)"
  echo "- command: \`bash bench/http/run_load.sh $SET\` (wrk, $CONNS connections, 2 threads, ${SECS} s each; $nq distinct queries in turn, hybrid, k = 10)"
  echo "- peer in the same run: the same server with its result cache off (every request retrieves)"
  echo
  echo "| server | requests/s | p50 ms | p90 ms | p99 ms | non-2xx | socket errors |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
} > "$out"
for cache in 0 4096; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "$KB" serve --index "$idx" --port "$port" --cache-entries "$cache" 2> "$work/serve.log" &
  pid=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/ready" >/dev/null && break; sleep 0.2; done
  # Warm: every query once (encoders, page cache; fills the cache when on).
  wrk -t2 -c2 -d3s -s bench/http/search.lua "http://127.0.0.1:$port" -- "$work/bodies.jsonl" 0 > /dev/null
  wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s bench/http/search.lua "http://127.0.0.1:$port" -- "$work/bodies.jsonl" 0 \
    > "$work/wrk.txt"
  kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  name="result cache off"; [ "$cache" = 0 ] || name="result cache on ($cache entries)"
  python3 bench/http/wrk_row.py "$work/wrk.txt" "=$name" rps p50 p90 p99 non2xx sockets >> "$out"
done
cat "$out"
