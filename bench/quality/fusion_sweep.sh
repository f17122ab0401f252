#!/usr/bin/env bash
# Compares fusion settings on indexes already built by run_quality.sh
# (bench/work/<set>): reciprocal-rank vs weighted-normalised fusion, with the
# query-adaptive confidence exponent at 0 (off), 1 and 2. Writes
# bench/results/fusion_sweep.md. Only nDCG@10 and Recall@100 matter here.
set -euo pipefail
cd "$(dirname "$0")/../.."
EVAL="${KBSEEK_EVALDATA:-../shared/evaldata}"
KB="${KBSEEK_BIN:-./build/kbseek}"
OUT=bench/results/fusion_sweep.md
SETS=(scifact nfcorpus_test_tokenized xquad_en xquadr_en xquad_zh xquadr_zh cmrc2018_dev drcd_dev xquad_en2zh)
CONFIGS=("rrf 0" "rrf 1" "rrf 2" "weighted 0" "weighted 2")
{
  echo "# Fusion sweep (hybrid mode, nDCG@10 / Recall@100)"
  echo
  echo "Commit $(git rev-parse --short HEAD), $(date -u +%Y-%m-%d), model $("$KB" stats --index bench/work/scifact --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["models"][0]["name"])'). Command: \`bash bench/quality/fusion_sweep.sh\`."
  echo "exp = FusionOptions::confidence_exponent (0: no query adaptation). BM25 alone for reference in bench/results/quality.md."
  echo
  printf '| set |'; for c in "${CONFIGS[@]}"; do set -- $c; printf ' %s exp=%s |' "$1" "$2"; done; echo
  printf '|---|'; for c in "${CONFIGS[@]}"; do printf -- '---|'; done; echo
  for s in "${SETS[@]}"; do
    [ -f "bench/work/$s/MANIFEST" ] || continue
    printf '| %s |' "$s"
    for c in "${CONFIGS[@]}"; do
      set -- $c
      j=$("$KB" eval --index "bench/work/$s" --queries "$EVAL/$s/queries.jsonl" --qrels "$EVAL/$s/qrels.tsv" \
            --json --fusion "$1" --confidence-exponent "$2")
      printf ' %s |' "$(python3 -c 'import json,sys; j=json.loads(sys.argv[1]); print("%.4f / %.4f" % (j["ndcg@10"], j["recall@100"]))' "$j")"
    done
    echo
  done
} | tee "$OUT"
