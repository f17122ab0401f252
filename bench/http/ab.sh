#!/usr/bin/env bash
# A/B of kbseek binaries on one index: each binary in turn serves the index
# (result and query-embedding caches off), gets 6 s of warm-up and then 20 s
# of wrk POSTing /v1/search bodies, and one line of figures is printed.
# Alternate the binaries (A B A B) on a quiet machine: a single pair is good
# to about ±10% on a 2-core box.
#
#   bash bench/http/ab.sh INDEX BODIES.jsonl BIN [BIN ...]
#   WRK_CONNECTIONS=8 (default) WRK_THREADS=2 (default) AB_SECONDS=20
#
# BODIES.jsonl: one search request body a line, e.g. {"query": "...", "k": 10}
# (bench/load/run_load.sh writes the load test's 2,100).
set -euo pipefail
cd "$(dirname "$0")/../.."
[ $# -ge 3 ] || { sed -n 2,12p "$0" >&2; exit 2; }
idx=$1 bodies=$2
shift 2
command -v wrk >/dev/null || { echo "ab.sh: needs wrk (apt-get install wrk)" >&2; exit 2; }
conns=${WRK_CONNECTIONS:-8} threads=${WRK_THREADS:-2} secs=${AB_SECONDS:-20}
[ "$conns" -lt "$threads" ] && threads=$conns
port=18100
for bin in "$@"; do
  port=$((port + 1))
  "$bin" serve --index "$idx" --port "$port" --cache-entries 0 --persistent-cache-entries 0 >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 120); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.5; done
  url="http://127.0.0.1:$port"
  wrk -t"$threads" -c"$conns" -d6s -s bench/http/search.lua "$url" -- "$bodies" 0 >/dev/null 2>&1
  out=$(wrk -t"$threads" -c"$conns" -d"${secs}s" --latency -s bench/http/search.lua "$url" -- "$bodies" 0 2>&1)
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  echo "$out" | awk -v bin="$bin" -v c="$conns" '
    /Requests\/sec/ {rps = $2} $1 == "50%" {p50 = $2} $1 == "90%" {p90 = $2} $1 == "99%" {p99 = $2}
    /Non-2xx/ {bad = $5}
    END {printf "%s  %d conn.  %s req/s  p50 %s  p90 %s  p99 %s  non-2xx %d\n", bin, c, rps, p50, p90, p99, bad + 0}'
done
