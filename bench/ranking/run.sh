#!/usr/bin/env bash
# Freshness and diversity on a dated, sourced copy of a shared set (make_set.py),
# indexed once with the default models (cached in bench/work/ranking/<set>/index).
#   bash bench/ranking/run.sh [SET] [QUERIES]      default: xquadr_en 400
set -euo pipefail
cd "$(dirname "$0")/../.."
SET="${1:-xquadr_en}"
N="${2:-400}"
EVAL="${KBSEEK_EVALDATA:-../shared/evaldata}"
KB="${KBSEEK_BIN:-./build/kbseek}"
work="bench/work/ranking/$SET"
python3 bench/ranking/make_set.py --set "$EVAL/$SET" --out "$work"
if [ ! -f "$work/index/MANIFEST" ]; then
  rm -rf "$work/index"
  "$KB" index --index "$work/index" "$work/corpus.jsonl" --quiet
fi
python3 bench/ranking/run_ranking.py --kbseek "$KB" --index "$work/index" --set "$work" --queries "$N" \
  --out "bench/results/ranking-$SET.md"
