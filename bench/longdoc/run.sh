#!/usr/bin/env bash
# Long documents: kbseek's chunked search against BM25 over whole documents,
# on the manual pages of this machine (make_set.py: 3,000 pages of 500-6,000
# words, 300 known-item queries). The set and its index (default models)
# are cached in bench/work/longdoc/man. In one run:
#   - the peers: Xapian BM25 over whole documents, with kbseek's analyzer
#     and the stock way (storage_bm25_eval);
#   - kbseek bm25, dense and hybrid, each document scored by its best chunk
#     plus W × its other chunks (--other-chunks-weight W, for each W).
#   bash bench/longdoc/run.sh [W...]        default W: 0 0.25 0.5 1
set -euo pipefail
cd "$(dirname "$0")/../.."
KB="${KBSEEK_BIN:-./build/kbseek}"
BM25="${KBSEEK_BM25_EVAL:-./build/bench/storage/storage_bm25_eval}"
WEIGHTS=("$@")
[ ${#WEIGHTS[@]} -gt 0 ] || WEIGHTS=(0 0.25 0.5 1)
work=bench/work/longdoc/man
OUT=bench/results/longdoc.md
python3 bench/longdoc/make_set.py --out "$work" --docs 3000 --queries 300 --min-words 500 --max-words 6000
if [ ! -f "$work/index/MANIFEST" ]; then
  rm -rf "$work/index"
  /usr/bin/time -f "index: %e s, peak RSS %M KB" "$KB" index --index "$work/index" "$work/corpus.jsonl" --quiet \
    2> "$work/index.time"
fi
chunks=$("$KB" stats --index "$work/index" --json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j.get("chunks", "?"))')
{
  echo "# Long documents: chunked search against BM25 over whole documents"
  echo
  echo "- machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; commit $(git rev-parse --short HEAD); $(date +%F)"
  echo "- command: \`bash bench/longdoc/run.sh ${WEIGHTS[*]}\`"
  echo "- set: $(wc -l < "$work/corpus.jsonl") manual pages of this machine (bench/longdoc/make_set.py), $chunks chunks in kbseek's index; $(wc -l < "$work/queries.jsonl") known-item queries (a page's NAME description, the page itself relevant)"
  echo "- $(tail -1 "$work/index.time" 2>/dev/null || echo 'index: cached')"
  echo
  echo "## Peers: BM25 over whole documents (one Xapian document per page)"
  echo
} > "$OUT"
"$BM25" "$work" | tee -a "$OUT"
{
  echo
  echo "## kbseek (default models), k = 100"
  echo
  echo "| mode | other chunks weight | nDCG@10 | MRR@10 | recall@10 | recall@100 | p50 ms | p99 ms |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|"
} >> "$OUT"
for mode in bm25 dense hybrid; do
  for w in "${WEIGHTS[@]}"; do
    "$KB" eval --index "$work/index" --queries "$work/queries.jsonl" --qrels "$work/qrels.tsv" --mode "$mode" \
      --other-chunks-weight "$w" --json > "$work/eval-$mode-$w.json"
    python3 - "$mode" "$w" "$work/eval-$mode-$w.json" >> "$OUT" <<'PY'
import json, sys
mode, w, path = sys.argv[1:]
j = json.load(open(path))
print(f"| {mode} | {w} | {j['ndcg@10']:.4f} | {j['mrr@10']:.4f} | {j['recall@10']:.4f} | {j['recall@100']:.4f} | "
      f"{j.get('p50_ms', 0):.1f} | {j.get('p99_ms', 0):.1f} |")
PY
    tail -1 "$OUT"
  done
done
