#!/usr/bin/env bash
# One command from a fresh machine to a running search page: installs,
# builds, indexes the bundled bilingual sample and serves it.
#   bash scripts/demo.sh               serve on http://127.0.0.1:8080/
#   KBSEEK_PORT=9000 bash scripts/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
INDEX="${KBSEEK_DEMO_INDEX:-.cache/demo-index}"
mkdir -p "$(dirname "$INDEX")"
./build/kbseek index --index "$INDEX" app/sample/bilingual_sample.jsonl
echo "try: curl -s -XPOST localhost:${KBSEEK_PORT:-8080}/v1/search -d '{\"query\":\"数据库怎么恢复\"}'"
# The sample's documents are readable by "all-staff": the page's visitors are
# staff here. A real deployment sets who callers are (README, "Permissions").
exec ./build/kbseek serve --index "$INDEX" --host "${KBSEEK_HOST:-127.0.0.1}" --port "${KBSEEK_PORT:-8080}" \
  --anonymous-principals all-staff
