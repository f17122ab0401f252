#!/usr/bin/env bash
# Query latency of two kbseek builds on the same index, in one run, runs
# interleaved (A B A B) so that drift hits both: `kbseek eval` over a set's
# queries, BM25 and hybrid, p50/p99 of whole searches (parse, retrieve,
# fuse, group, snippets) in one process each.
#   bash bench/quality/run_latency.sh BEFORE_BIN AFTER_BIN INDEX SET [OUT]
set -euo pipefail
cd "$(dirname "$0")/../.."
A="$1"; B="$2"; IDX="$3"; SET="$4"; OUT="${5:-bench/results/query-latency.md}"
EVAL="${KBSEEK_EVALDATA:-../shared/evaldata}"
run() { "$1" eval --index "$IDX" --queries "$EVAL/$SET/queries.jsonl" --qrels "$EVAL/$SET/qrels.tsv" --mode "$2" --json 2>/dev/null; }
{
  echo "# Query latency: $(basename "$A") against $(basename "$B") on $SET"
  echo
  echo "- machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; commit $(git rev-parse --short HEAD); $(date +%F)"
  echo "- command: \`bash bench/quality/run_latency.sh $A $B $IDX $SET\`; two rounds, interleaved"
  echo
  echo "| build | mode | round | queries | nDCG@10 | p50 ms | p99 ms |"
  echo "|---|---|---:|---:|---:|---:|---:|"
} > "$OUT"
for round in 1 2; do
  for mode in bm25 hybrid; do
    for bin in "$A" "$B"; do
      run "$bin" "$mode" | python3 -c "import json,sys; d=json.load(sys.stdin); print(f'| {sys.argv[1]} | {sys.argv[2]} | {sys.argv[3]} | {d[\"queries\"]} | {d[\"ndcg@10\"]:.4f} | {d[\"p50_ms\"]:.2f} | {d[\"p99_ms\"]:.2f} |')" "$bin" "$mode" "$round" >> "$OUT"
    done
  done
done
cat "$OUT"
