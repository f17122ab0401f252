#!/usr/bin/env bash
# Learned fusion weights against the fixed rules (kbseek tune), per set of
# ../shared/evaldata: each set indexed once with the default models (cached in
# bench/work/tune/<set>/index), tuned on 70% of its labelled queries, both
# reported on the held-out 30% (the tuner's own report, in one run).
#   bash bench/quality/run_tune.sh [SET...]     default: the sets below
set -euo pipefail
cd "$(dirname "$0")/../.."
EVAL="${KBSEEK_EVALDATA:-../shared/evaldata}"
KB="${KBSEEK_BIN:-./build/kbseek}"
SETS=("$@")
[ ${#SETS[@]} -gt 0 ] || SETS=(xquadr_zh xquadr_en xquad_en2zh xquad_zh2en scifact_lite cmrc2018_dev_lite drcd_dev_lite)
OUT=bench/results/tune.md
{
  echo "# Learned fusion weights against the fixed rules (kbseek tune)"
  echo
  echo "- machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; commit $(git rev-parse --short HEAD); $(date +%F)"
  echo "- command: \`bash bench/quality/run_tune.sh\` (per set: \`kbseek tune --index IDX --queries Q --qrels R --json\`, test share 0.3 by a hash of the query id)"
  echo "- peer in the same run: the fixed rules (hand-set priors, confidence exponent 2) on the same held-out queries"
  echo
  echo "| set | train / test queries | fixed, test nDCG@10 | tuned, test nDCG@10 | Δ | exponent | global weights | classes with their own |"
  echo "|---|---:|---:|---:|---:|---:|---|---|"
} > "$OUT"
for set in "${SETS[@]}"; do
  idx="bench/work/tune/$set/index"
  if [ ! -f "$idx/MANIFEST" ]; then
    rm -rf "$idx"
    "$KB" index --index "$idx" "$EVAL/$set/corpus.jsonl" --quiet
  fi
  rm -f "$idx/fusion.json"
  "$KB" tune --index "$idx" --queries "$EVAL/$set/queries.jsonl" --qrels "$EVAL/$set/qrels.tsv" --json --dry-run \
    > "bench/work/tune/$set/report.json"
  python3 - "$set" "bench/work/tune/$set/report.json" >> "$OUT" <<'PY'
import json, sys
s, path = sys.argv[1], sys.argv[2]
j = json.load(open(path))
t = j["trained"]
w = ", ".join(f"{k} {v:g}" for k, v in sorted(j["global"].items()))
cls = ", ".join(sorted(j["classes"])) or "none"
print(f"| {s} | {t['train_queries']} / {t['test_queries']} | {t['fixed_test_ndcg10']:.4f} | {t['tuned_test_ndcg10']:.4f} | "
      f"{t['tuned_test_ndcg10'] - t['fixed_test_ndcg10']:+.4f} | {j['confidence_exponent']:g} | {w} | {cls} |")
PY
  echo "run_tune: $set done" >&2
done
