#!/usr/bin/env bash
# Checks that every tracked C++ and CUDA source follows .clang-format; with
# --fix, rewrites the ones that do not. Pinned to clang-format 14 (Debian
# bookworm's; scripts/setup.sh installs it with KBSEEK_TEST_CLIENTS=1):
# other major versions lay out some constructs differently.
#   bash scripts/check_format.sh [--fix]
# Exit 0: all formatted (or fixed); 1: files listed need formatting;
# 77: clang-format-14 is not installed (ctest reports the test skipped).
set -euo pipefail
cd "$(dirname "$0")/.."
fmt=$(command -v clang-format-14 || true)
if [ -z "$fmt" ]; then
  echo "check_format: clang-format-14 not found (apt-get install clang-format-14)" >&2
  exit 77
fi
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cc' '*.h' '*.cu' '*.cuh')
else
  mapfile -t files < <(find . -path ./build -prune -o -path ./.cache -prune -o \
    \( -name '*.cc' -o -name '*.h' -o -name '*.cu' -o -name '*.cuh' \) -print | sed 's#^\./##' | sort)
fi
if [ "${1:-}" = "--fix" ]; then
  printf '%s\0' "${files[@]}" | xargs -0 "$fmt" -i
  echo "check_format: formatted ${#files[@]} files"
  exit 0
fi
bad=()
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  "$fmt" --dry-run --Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "check_format: ${#bad[@]} of ${#files[@]} files differ from .clang-format:" >&2
  printf '  %s\n' "${bad[@]}" >&2
  echo "fix with: bash scripts/check_format.sh --fix" >&2
  exit 1
fi
echo "check_format: ${#files[@]} files follow .clang-format"
