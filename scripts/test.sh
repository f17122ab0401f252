#!/usr/bin/env bash
# One command from a fresh machine to a passing test suite: installs, builds,
# runs every GoogleTest suite through CTest (GPU cases skip without a GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
# The EmbeddingGemma golden tests need the quality-tier model too.
KBSEEK_WITH_GEMMA=1 bash scripts/setup.sh
bash scripts/build.sh
cd build
ctest --output-on-failure -j2 "$@"
