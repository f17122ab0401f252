# Shared by the fetch_*.sh scripts (sourced, not run): hashing and checking a
# model folder against its pinned manifest. Expects $py (python3) and $manifest.

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    "$py" -c 'import hashlib,sys
h=hashlib.sha256()
with open(sys.argv[1],"rb") as f:
    for b in iter(lambda: f.read(1<<20), b""): h.update(b)
print(h.hexdigest())' "$1"
  fi
}

# verify DIR: prints one line per bad file on stderr; returns non-zero if any.
verify() {
  local dir=$1 bad=0 want path got
  while read -r want path; do
    path=${path#\*}  # sha256sum writes "*path" in binary mode
    [ -n "$want" ] || continue
    if [ ! -f "$dir/$path" ]; then
      echo "  missing: $dir/$path" >&2; bad=1; continue
    fi
    got=$(sha256_of "$dir/$path")
    if [ "$got" != "$want" ]; then
      echo "  sha256 mismatch: $dir/$path: got $got, want $want" >&2; bad=1
    fi
  done < "$manifest"
  return $bad
}
