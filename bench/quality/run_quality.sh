#!/usr/bin/env bash
# Retrieval quality of kbseek on the BEIR-layout sets in ../shared/evaldata:
# for each set, index the corpus once (cached in bench/work/<set>), then run
# `kbseek eval` in bm25, dense and hybrid modes and write a table to
# bench/results/quality.md (nDCG@10, Recall@100, p50/p99 latency).
#   bash bench/quality/run_quality.sh                 all sets
#   bash bench/quality/run_quality.sh scifact xquad_zh  some sets
#   KBSEEK_EVAL_LIMIT=300 ...                         first N queries of each set
#   KBSEEK_MODEL=use-m3 ...                           index with other models (comma-separated:
#                                                     several embedding fields; indexes in
#                                                     bench/work/<models>/, table quality-<models>.md)
#   KBSEEK_PRECISION=int8 ...                         encode in that precision (work folder and
#                                                     table named after it too)
#   KBSEEK_RUNS="bm25 dense:use-m3 hybrid" ...        what to evaluate: a mode, optionally with
#                                                     the models whose dense lists it uses
set -euo pipefail
cd "$(dirname "$0")/../.."
EVAL="${KBSEEK_EVALDATA:-../shared/evaldata}"
KB="${KBSEEK_BIN:-./build/kbseek}"
MODEL="${KBSEEK_MODEL:-}"
TAG="${MODEL//,/+}${KBSEEK_PRECISION:+-$KBSEEK_PRECISION}"
WORK=bench/work${TAG:+/$TAG}
OUT=bench/results/quality${TAG:+-$TAG}.md
LIMIT="${KBSEEK_EVAL_LIMIT:-0}"
read -r -a RUNS <<< "${KBSEEK_RUNS:-bm25 dense hybrid}"
mkdir -p "$WORK" bench/results
if [ $# -gt 0 ]; then SETS=("$@"); else
  SETS=(scifact nfcorpus_test_tokenized cmrc2018_dev drcd_dev xquad_en xquad_zh xquad_zh2en xquad_en2zh xquadr_en xquadr_zh tatoeba_zh2en)
fi
rows=()
for set in "${SETS[@]}"; do
  dir="$EVAL/$set"
  [ -f "$dir/corpus.jsonl" ] || { echo "skip $set: no $dir/corpus.jsonl" >&2; continue; }
  idx="$WORK/$set"
  if [ ! -f "$idx/MANIFEST" ] || [ "${KBSEEK_REINDEX:-0}" = 1 ]; then
    rm -rf "$idx"
    start=$(date +%s)
    "$KB" index --index "$idx" ${MODEL:+--models "$MODEL"} "$dir/corpus.jsonl" --quiet
    echo "$set: indexed in $(( $(date +%s) - start ))s" >&2
  fi
  for run in "${RUNS[@]}"; do
    mode="${run%%:*}"
    models=""; [ "$run" != "$mode" ] && models="${run#*:}"
    j=$("$KB" eval --index "$idx" --queries "$dir/queries.jsonl" --qrels "$dir/qrels.tsv" --mode "$mode" \
          ${models:+--models "$models"} --json --limit "$LIMIT")
    row=$(python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print("| %s | %s | %d | %.4f | %.4f | %.4f | %.1f | %.1f |" % (sys.argv[2], sys.argv[3], j["queries"], j["ndcg@10"], j["mrr@10"], j["recall@100"], j["p50_ms"], j["p99_ms"]))' "$j" "$set" "$run")
    echo "$row"
    rows+=("$row")
  done
done
{
  echo "# Retrieval quality"
  echo
  echo "Machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p'); commit $(git rev-parse --short HEAD 2>/dev/null || echo none); $(date -u +%Y-%m-%d)."
  echo "Command: \`${MODEL:+KBSEEK_MODEL=$MODEL }${KBSEEK_RUNS:+KBSEEK_RUNS=\"$KBSEEK_RUNS\" }bash bench/quality/run_quality.sh $*\`; models: $("$KB" stats --index "$WORK/${SETS[0]}" --json | python3 -c 'import json,sys; print(", ".join(m["name"] for m in json.load(sys.stdin)["models"]))')."
  echo "Peer: Xapian 1.4 BM25 over ICU-segmented text is our own \`bm25\` row; published reference points are in ../shared/evaldata/SOURCES.md."
  echo
  echo "| set | run | queries | nDCG@10 | MRR@10 | Recall@100 | p50 ms | p99 ms |"
  echo "|---|---|---|---|---|---|---|---|"
  printf '%s\n' "${rows[@]}"
} > "$OUT"
echo "wrote $OUT" >&2
