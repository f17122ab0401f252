#!/usr/bin/env bash
# One command from a fresh machine to a passing test suite: installs, builds,
# runs every GoogleTest suite through CTest (GPU cases skip without a GPU).
set -euo pipefail
cd "$(dirname "$0")/.."
# The EmbeddingGemma golden tests need the quality-tier model too, and the
# LLM re-ranking stage's tests run on the small decoder (qwen2.5-0.5b-instruct,
# 491 MB): the 1.5B one is for use, not needed by any test, so it is not fetched.
KBSEEK_WITH_GEMMA=1 KBSEEK_WITH_LLM=small KBSEEK_TEST_CLIENTS=1 bash scripts/setup.sh
bash scripts/build.sh
cd build
ctest --output-on-failure -j2 "$@"
