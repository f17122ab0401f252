#!/usr/bin/env bash
# A three-shard, two-replica cluster on this box: one nats-server (JetStream),
# six `kbseek serve --writable --feed` processes, one `kbseek front`, wrk on
# the front. Under load: a replica of shard 0 is killed (SIGKILL): no search
# may fail; then both replicas of shard 1: answers must be flagged partial,
# never an error; then, with documents added and removed meanwhile, the
# three restart and must catch up from the stream: every replica of a shard
# holds the same documents, the shards together hold exactly what was
# published, and `kbseek check` passes on all six folders.
# Writes bench/results/cluster.md.
#   bash bench/cluster/run_cluster.sh [SECONDS_PER_PHASE]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/../.."
SECS="${1:-30}"
EVAL="${KBSEEK_EVALDATA:-../shared/evaldata}"
KB="$(realpath "${KBSEEK_BIN:-./build/kbseek}")"
command -v wrk >/dev/null && [ -x /usr/sbin/nats-server ] || { echo "run_cluster: needs wrk and nats-server" >&2; exit 2; }
work=$(mktemp -d /tmp/kbseek-cluster.XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
nport=$(free_port)
/usr/sbin/nats-server -js -a 127.0.0.1 -p "$nport" -sd "$work/js" > "$work/nats.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$nport") 2>/dev/null && break; sleep 0.1; done
NATS="nats://127.0.0.1:$nport"

# The corpus: xquadr_en and xquadr_zh (ids by set), and queries of both.
python3 - "$EVAL" "$work" <<'PY'
import json, os, sys
ev, work = sys.argv[1:3]
with open(os.path.join(work, "docs.jsonl"), "w", encoding="utf-8") as out, \
     open(os.path.join(work, "bodies.jsonl"), "w", encoding="utf-8") as q:
    for s in ("xquadr_en", "xquadr_zh"):
        for line in open(os.path.join(ev, s, "corpus.jsonl"), encoding="utf-8"):
            d = json.loads(line)
            out.write(json.dumps({"id": s + "/" + d["_id"], "title": d.get("title", ""), "text": d["text"]},
                                 ensure_ascii=False) + "\n")
        for i, line in enumerate(open(os.path.join(ev, s, "queries.jsonl"), encoding="utf-8")):
            if i < 300:
                q.write(json.dumps({"query": json.loads(line)["text"], "k": 10}, ensure_ascii=False) + "\n")
PY
total=$(wc -l < "$work/docs.jsonl")
"$KB" publish --nats "$NATS" --shards 3 "$work/docs.jsonl" 2> "$work/publish.log"
for s in 0 1 2; do for r in a b; do
  "$KB" index --index "$work/s$s$r" --format jsonl /dev/null > /dev/null 2>&1
done; done
declare -A port pid
start() {  # shard, replica
  local p
  p=$(free_port)
  "$KB" serve --index "$work/s$1$2" --port "$p" --writable --feed "$NATS" --shard "$1/3" --no-access-log \
    2> "$work/s$1$2.log" &
  pid[$1$2]=$!
  pids+=($!)
  port[$1$2]=$p
}
docs_of() { curl -sf "http://127.0.0.1:${port[$1]}/v1/stats" | python3 -c 'import json,sys; print(json.load(sys.stdin)["documents"])' 2>/dev/null || echo -1; }
for s in 0 1 2; do for r in a b; do start $s $r; done; done
t0=$(date +%s)
# Caught up: replicas agree and the shards sum to what was published.
caught_up() {
  local want=$1 sum=0 s a b
  for s in 0 1 2; do
    a=$(docs_of ${s}a); b=$(docs_of ${s}b)
    [ "$a" = "$b" ] && [ "$a" -ge 0 ] || return 1
    sum=$((sum + a))
  done
  [ "$sum" = "$want" ]
}
for _ in $(seq 1 1800); do caught_up "$total" && break; sleep 1; done
caught_up "$total" || { echo "run_cluster: the shards did not catch up" >&2; exit 1; }
t_index=$(( $(date +%s) - t0 ))
fport=$(free_port)
"$KB" front --nats "$NATS" --port "$fport" --timeout-ms 2000 2> "$work/front.log" &
pids+=($!)
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$fport/ready" > /dev/null && break; sleep 0.1; done

cat > "$work/count.lua" <<'LUA'
local threads = {}
function setup(thread) table.insert(threads, thread) end
local bodies = {}
local i = 1
function init(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  partial = 0
  errors = 0
end
function request()
  local b = bodies[i]
  i = i % #bodies + 1
  return wrk.format("POST", "/v1/search", {["Content-Type"] = "application/json"}, b)
end
function response(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
  if body:find('"partial":true', 1, true) then partial = partial + 1 end
end
function done(summary, latency, requests)
  local p, e = 0, 0
  for _, t in ipairs(threads) do p = p + t:get("partial"); e = e + t:get("errors") end
  io.write(string.format("partial %d\nnon200 %d\n", p, e))
end
LUA
phase() {  # label; runs wrk for SECS seconds, calling $2 (a function) after SECS/3
  local label=$1 action=$2
  wrk -t2 -c8 -d"${SECS}s" --timeout 10s --latency -s "$work/count.lua" "http://127.0.0.1:$fport" -- "$work/bodies.jsonl" \
    > "$work/wrk.txt" 2>&1 &
  local w=$!
  sleep $((SECS / 3))
  $action
  wait $w || true
  python3 bench/http/wrk_row.py "$work/wrk.txt" "=$label" requests rps p50 p99 non200 partial sockets >> "$out"
  tail -1 "$out"
}
out="bench/results/cluster.md"
{
  echo "# A three-shard, two-replica cluster on one box: replicas killed under load"
  echo
  echo "- machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; commit $(git rev-parse --short HEAD); $(date -u +%FT%TZ)"
  echo "- command: \`bash bench/cluster/run_cluster.sh $SECS\`: one nats-server (JetStream), six \`kbseek serve --writable --feed --shard I/3\` (default models), one \`kbseek front --timeout-ms 2000\`, wrk (2 threads, 8 connections, ${SECS} s a phase) POSTing 600 questions of xquadr_en and xquadr_zh to the front; everything on the same 2 cores"
  echo "- corpus: xquadr_en + xquadr_zh, $total documents published with \`kbseek publish --shards 3\`; the six replicas indexed their partitions from the stream in ${t_index} s"
  echo
  echo "| phase | requests | requests/s | p50 ms | p99 ms | non-200 | flagged partial | socket errors |"
  echo "|---|---:|---:|---:|---:|---:|---:|---|"
} > "$out"
nothing() { :; }
kill_0a() { kill -9 "${pid[0a]}"; }
kill_1() { kill -9 "${pid[1a]}" "${pid[1b]}"; }
phase "all six replicas up" nothing
phase "shard 0 replica a killed a third of the way in" kill_0a
phase "both replicas of shard 1 killed a third of the way in" kill_1
# While they are down: 50 new documents and 20 removals.
python3 - "$work" <<'PY'
import json, os, sys
work = sys.argv[1]
with open(os.path.join(work, "more.jsonl"), "w", encoding="utf-8") as f:
    for i in range(50):
        f.write(json.dumps({"id": "late/%d" % i, "text": "A document published while replicas were down, number %d." % i}) + "\n")
ids = [json.loads(l)["id"] for l in open(os.path.join(work, "docs.jsonl"), encoding="utf-8")][:20]
open(os.path.join(work, "gone.txt"), "w").write("\n".join(ids) + "\n")
PY
"$KB" publish --nats "$NATS" "$work/more.jsonl" 2>> "$work/publish.log"
"$KB" publish --nats "$NATS" --delete - < "$work/gone.txt" 2>> "$work/publish.log"
want=$((total + 50 - 20))
t0=$(date +%s)
start 0 a; start 1 a; start 1 b
for _ in $(seq 1 600); do caught_up "$want" && break; sleep 1; done
caught=$(caught_up "$want" && echo yes || echo NO)
t_catch=$(( $(date +%s) - t0 ))
counts=""
for s in 0 1 2; do counts="$counts shard $s: $(docs_of ${s}a)/$(docs_of ${s}b);"; done
for s in 0 1 2; do for r in a b; do kill "${pid[$s$r]}" 2>/dev/null || true; done; done
sleep 2
checks=""
for s in 0 1 2; do for r in a b; do
  if "$KB" check --index "$work/s$s$r" > "$work/check.txt" 2>&1; then checks="$checks s$s$r ok"; else checks="$checks s$s$r FAILED"; fi
done; done
{
  echo
  echo "Restart: with 50 documents published and 20 removed while three replicas were down, the three restarted and caught up from their durable positions in ${t_catch} s: caught up = **${caught}** (every shard's replicas hold the same documents and the shards together hold ${want} = ${total} + 50 - 20); documents per replica (a/b):${counts} \`kbseek check\`:${checks}."
} >> "$out"
cat "$out"
