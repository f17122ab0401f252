#!/usr/bin/env bash
# The LLM re-ranking stage's quality and cost (bench/llm/rerank_eval.py) on
# sets of ../shared/evaldata, each indexed once with the default models
# (cached in bench/work/llm/<set>).
#   bash bench/llm/run_rerank.sh [MODEL [SET...]]    default: qwen2.5-1.5b-instruct xquadr_zh
#   KBSEEK_RERANK_QUERIES=60 ...                    queries sampled per set (half tune, half test)
#   KBSEEK_RERANK_CUT=128 ...                       passage cut in tokens (256; results file gets -cutN)
set -euo pipefail
cd "$(dirname "$0")/../.."
MODEL="${1:-qwen2.5-1.5b-instruct}"
shift || true
SETS=("$@")
[ ${#SETS[@]} -gt 0 ] || SETS=(xquadr_zh)
EVAL="${KBSEEK_EVALDATA:-../shared/evaldata}"
KB="${KBSEEK_BIN:-./build/kbseek}"
for set in "${SETS[@]}"; do
  idx="bench/work/llm/$set"
  if [ ! -f "$idx/MANIFEST" ]; then
    rm -rf "$idx"
    "$KB" index --index "$idx" "$EVAL/$set/corpus.jsonl" --quiet
  fi
  python3 bench/llm/rerank_eval.py --kbseek "$KB" --index "$idx" --set "$EVAL/$set" --model "$MODEL" \
    --queries "${KBSEEK_RERANK_QUERIES:-60}" --passage-tokens "${KBSEEK_RERANK_CUT:-256}" \
    --out "bench/results/llm-rerank-$set-$MODEL${KBSEEK_RERANK_CUT:+-cut$KBSEEK_RERANK_CUT}.md"
done
