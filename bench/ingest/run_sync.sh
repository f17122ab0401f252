#!/usr/bin/env bash
# Sync throughput: the same documents through `kbseek index` (a JSONL file,
# the peer), `kbseek sync --source file://` (a folder of .txt files) and
# `kbseek sync --source postgresql://` (a table in a throwaway PostgreSQL
# cluster this script starts); each first run (everything new), then a run
# with nothing changed and a run with 2% of the documents edited. Default
# model set, N scifact documents. Writes bench/results/sync.md. Quiet machine.
#   bash bench/ingest/run_sync.sh [N]      (default 1000)
set -euo pipefail
cd "$(dirname "$0")/../.."
N="${1:-1000}"
EVAL="${KBSEEK_EVALDATA:-../shared/evaldata}"
KB="$(realpath "${KBSEEK_BIN:-./build/kbseek}")"
PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -x "$PGBIN/initdb" ] || { echo "run_sync: needs PostgreSQL (apt-get install postgresql)" >&2; exit 2; }
work=$(mktemp -d /tmp/kbseek-sync.XXXXXX)
chmod 755 "$work"
as=""
[ "$(id -u)" = 0 ] && { chown postgres "$work"; as="runuser -u postgres --"; }
cleanup() { $as "$PGBIN/pg_ctl" -D "$work/pg" -m fast stop >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
$as "$PGBIN/initdb" -D "$work/pg" -A trust -U kbseek -E UTF8 --locale=C.UTF-8 >/dev/null
$as "$PGBIN/pg_ctl" -D "$work/pg" -w -l "$work/pg.log" -o "-k $work -p $port -c listen_addresses=''" start >/dev/null
psql() { "$PGBIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$work" -p "$port" -U kbseek -d postgres "$@"; }

# The documents: JSONL, a folder of .txt (title line + text), a table.
mkdir -p "$work/folder" "$work/data"
python3 - "$EVAL/scifact/corpus.jsonl" "$N" "$work" <<'PY'
import csv, json, os, sys
src, n, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
docs = []
for line in open(src, encoding="utf-8"):
    d = json.loads(line)
    docs.append({"id": "doc%05d" % len(docs), "title": d.get("title", ""), "text": d["text"]})
    if len(docs) == n:
        break
with open(os.path.join(work, "data", "docs.jsonl"), "w", encoding="utf-8") as f:
    for d in docs:
        f.write(json.dumps(d, ensure_ascii=False) + "\n")
for d in docs:
    with open(os.path.join(work, "folder", d["id"] + ".txt"), "w", encoding="utf-8") as f:
        f.write(d["text"] + "\n")
with open(os.path.join(work, "data", "docs.csv"), "w", encoding="utf-8", newline="") as f:
    w = csv.writer(f)
    for d in docs:
        w.writerow([d["id"], d["title"], d["text"]])
PY
psql -c "CREATE TABLE docs (id text PRIMARY KEY, title text, text text, updated timestamptz NOT NULL DEFAULT now())"
psql -c "\\copy docs (id, title, text) FROM '$work/data/docs.csv' WITH (FORMAT csv)"
mb=$(du -sb "$work/data/docs.jsonl" | awk '{printf "%.2f", $1/1e6}')
uri="postgresql://kbseek@/postgres?host=$work&port=$port&table=docs&updated=updated"

out="bench/results/sync.md"
{
  echo "# Sync throughput: PostgreSQL and a folder against plain \`kbseek index\`"
  echo
  echo "- machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; commit $(git rev-parse --short HEAD); $(date -u +%FT%TZ); load before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- command: \`bash bench/ingest/run_sync.sh $N\`: the first $N scifact documents ($mb MB of JSONL), default model set; PostgreSQL $("$PGBIN/postgres" --version | awk '{print $3}') on a Unix socket"
  echo "- each source's first run indexes everything; \"unchanged\" runs again with nothing changed; \"2% edited\" after editing 2% of the documents (the table's rows get a new \`updated\`, the files are rewritten, the JSONL lines replaced)"
  echo
  echo "| source | run | seconds | documents/s | MB/s |"
  echo "|---|---|---:|---:|---:|"
} > "$out"
run() {  # $1 source label, $2 run label, rest: command
  local label="$1" what="$2"; shift 2
  local t0 t1
  t0=$(date +%s.%N)
  "$@" > "$work/run.out" 2> "$work/run.err" || { rc=$?; [ $rc = 1 ] || { cat "$work/run.err" >&2; exit $rc; }; }
  t1=$(date +%s.%N)
  python3 - "$label" "$what" "$t0" "$t1" "$N" "$mb" >> "$out" <<'PY'
import sys
label, what, t0, t1, n, mb = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5]), float(sys.argv[6])
s = t1 - t0
print("| %s | %s | %.1f | %.1f | %.3f |" % (label, what, s, n / s, mb / s))
PY
  tail -1 "$out"
}
edit() {  # 2% of the documents get an extra sentence, in all three sources
  python3 - "$work" "$N" <<'PY'
import json, os, sys
work, n = sys.argv[1], int(sys.argv[2])
edited = set("doc%05d" % i for i in range(0, n, 50))
path = os.path.join(work, "data", "docs.jsonl")
rows = [json.loads(l) for l in open(path, encoding="utf-8")]
with open(path, "w", encoding="utf-8") as f:
    for d in rows:
        if d["id"] in edited:
            d["text"] += " Edited for the sync benchmark."
            with open(os.path.join(work, "folder", d["id"] + ".txt"), "w", encoding="utf-8") as g:
                g.write(d["text"] + "\n")
        f.write(json.dumps(d, ensure_ascii=False) + "\n")
PY
  psql -c "UPDATE docs SET text = text || ' Edited for the sync benchmark.', updated = now() WHERE (substring(id from 4)::int % 50) = 0"
}
run "kbseek index (JSONL file)" "first" "$KB" index --index "$work/idx-plain" "$work/data/docs.jsonl" --quiet
run "kbseek sync file:// (folder of .txt)" "first" "$KB" sync --index "$work/idx-folder" --source "file://$work/folder" --quiet
run "kbseek sync postgresql:// (table)" "first" "$KB" sync --index "$work/idx-pg" --source "$uri" --quiet
run "kbseek index (JSONL file)" "unchanged" "$KB" index --index "$work/idx-plain" "$work/data/docs.jsonl" --quiet
run "kbseek sync file:// (folder of .txt)" "unchanged" "$KB" sync --index "$work/idx-folder" --source "file://$work/folder" --quiet
run "kbseek sync postgresql:// (table)" "unchanged" "$KB" sync --index "$work/idx-pg" --source "$uri" --quiet
edit
run "kbseek index (JSONL file)" "2% edited" "$KB" index --index "$work/idx-plain" "$work/data/docs.jsonl" --quiet
run "kbseek sync file:// (folder of .txt)" "2% edited" "$KB" sync --index "$work/idx-folder" --source "file://$work/folder" --quiet
run "kbseek sync postgresql:// (table)" "2% edited" "$KB" sync --index "$work/idx-pg" --source "$uri" --quiet
cat "$out"
