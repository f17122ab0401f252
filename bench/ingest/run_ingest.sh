#!/usr/bin/env bash
# Ingestion throughput and memory, written to bench/results/ingest.md:
#  1. preprocessing alone (read, decode, clean, language, chunk, lexical
#     analysis; no encoder), one thread, on the eval corpora and on generated
#     mixed corpora of 100 MB and 1 GB (peak RSS at both sizes: memory must
#     stay flat);
#  2. end to end `kbseek index` (default model set) on the first 1,500
#     scifact documents, docs/s and peak RSS (/usr/bin/time -v).
# Usage: bash bench/ingest/run_ingest.sh            (needs ../shared/evaldata)
#        KBSEEK_INGEST_SKIP_1G=1 ...                 skip the 1 GB corpus
set -euo pipefail
cd "$(dirname "$0")/../.."
EVAL="${KBSEEK_EVALDATA:-../shared/evaldata}"
BUILD="${KBSEEK_BUILD:-build}"
OUT=bench/results/ingest.md
WORK=bench/work/ingest
mkdir -p "$WORK" bench/results
[ -f "$WORK/mixed_100m.jsonl" ] || python3 bench/ingest/make_corpus.py --mb 100 --out "$WORK/mixed_100m.jsonl" --evaldata "$EVAL"
if [ "${KBSEEK_INGEST_SKIP_1G:-0}" != 1 ] && [ ! -f "$WORK/mixed_1g.jsonl" ]; then
  python3 bench/ingest/make_corpus.py --mb 1024 --out "$WORK/mixed_1g.jsonl" --evaldata "$EVAL"
fi
run_pre() {  # name, inputs...
  local name=$1; shift
  echo "### $name"
  echo
  "$BUILD/bench/ingest/ingest_bench" "$@" 2>/dev/null
  echo
}
{
  echo "# Ingestion throughput"
  echo
  echo "Machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'); commit $(git rev-parse --short HEAD); $(date -u +%Y-%m-%d)."
  echo "Command: \`bash bench/ingest/run_ingest.sh\`. Load average before: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo
  echo "## Preprocessing alone, one thread (no encoder)"
  echo
  run_pre "scifact (English, 7.8 MB)" "$EVAL/scifact/corpus.jsonl"
  run_pre "cmrc2018_dev (simplified Chinese, 1.2 MB)" "$EVAL/cmrc2018_dev/corpus.jsonl"
  run_pre "drcd_dev (traditional Chinese, 1.3 MB)" "$EVAL/drcd_dev/corpus.jsonl"
  run_pre "generated mixed corpus, 100 MB" "$WORK/mixed_100m.jsonl"
  if [ -f "$WORK/mixed_1g.jsonl" ]; then run_pre "generated mixed corpus, 1 GB" "$WORK/mixed_1g.jsonl"; fi
  echo "## End to end: kbseek index, default model set, first 1,500 scifact documents"
  echo
  head -1500 "$EVAL/scifact/corpus.jsonl" > "$WORK/scifact1500.jsonl"
  rm -rf "$WORK/e2e_idx"
  /usr/bin/time -v "$BUILD/kbseek" index --index "$WORK/e2e_idx" --quiet "$WORK/scifact1500.jsonl" 2> "$WORK/e2e.err" || true
  secs=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$WORK/e2e.err")
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$WORK/e2e.err")
  grep -h '^indexed' "$WORK/e2e.err" | sed 's/^/    /'
  echo
  echo "wall clock $secs, peak RSS $((rss / 1024)) MB"
} > "$OUT"
cat "$OUT"
