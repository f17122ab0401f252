#!/usr/bin/env bash
# The deployment files stay true to the binary:
#   docs/kbseek.service  passes `systemd-analyze verify` (with the build's
#                        binary and a scratch index in its paths), and its
#                        ExecStart flags start a real server;
#   docs/Dockerfile      copies and runs files that exist, and its CMD's flags
#                        start a real server.
# (No Docker daemon or systemd PID 1 in CI: these are the checks that can run.)
#   deployment_test.sh KBSEEK_BINARY SOURCE_DIR
set -euo pipefail
KB=$(readlink -f "$1"); SRC=$(readlink -f "$2")
work=$(mktemp -d); trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
"$KB" index --index "$work/index" "$SRC/app/sample/bilingual_sample.jsonl" --quiet 2>/dev/null
"$KB" keys create --index "$work/index" --role reader --principals all-staff > "$work/key" 2>/dev/null

# Starts `kbseek ARGS...` (port swapped for a free one), waits for it to
# serve, asks /health, stops it.
serves() {
  local args=("$@") i
  for i in "${!args[@]}"; do [ "${args[$i]}" = "--port" ] && args[$((i + 1))]=0; done
  "$KB" "${args[@]}" 2> "$work/serve.log" &
  local pid=$! port=""
  for _ in $(seq 1 300); do
    port=$(sed -n 's/.* on https\?:\/\/[^:]*:\([0-9]*\)\/.*/\1/p' "$work/serve.log" | head -1)
    [ -n "$port" ] && break
    kill -0 $pid 2>/dev/null || fail "kbseek ${args[*]} exited: $(cat "$work/serve.log")"
    sleep 0.1
  done
  [ -n "$port" ] || fail "kbseek ${args[*]} did not start"
  curl -sf "http://127.0.0.1:$port/health" > /dev/null || fail "no /health from kbseek ${args[*]}"
  kill -TERM $pid; wait $pid || fail "kbseek ${args[*]} did not stop cleanly"
}

# systemd unit.
unit="$SRC/docs/kbseek.service"
exec_start=$(sed -n 's/^ExecStart=//p' "$unit")
[ -n "$exec_start" ] || fail "no ExecStart in $unit"
read -r -a cmd <<< "$exec_start"
[ "${cmd[0]}" = /usr/local/bin/kbseek ] || fail "ExecStart runs ${cmd[0]}"
args=("${cmd[@]:1}")
for i in "${!args[@]}"; do [ "${args[$i]}" = "--index" ] && args[$((i + 1))]="$work/index"; done
serves "${args[@]}"
echo "ok   the unit's ExecStart flags start kbseek"
if command -v systemd-analyze > /dev/null; then
  sed -e "s|/usr/local/bin/kbseek|$KB|" -e "s|^User=.*|User=root|" -e "s|^Group=.*|Group=root|" "$unit" > "$work/kbseek.service"
  out=$(systemd-analyze verify "$work/kbseek.service" 2>&1 || true)
  # Only complaints about this unit count (the host's own units may have some).
  if echo "$out" | grep -i "kbseek.service" | grep -vi "Documentation=" ; then
    fail "systemd-analyze verify: $out"
  fi
  echo "ok   systemd-analyze verify"
else
  echo "skip systemd-analyze (not installed)"
fi

# Dockerfile.
df="$SRC/docs/Dockerfile"
for f in $(sed -n 's/^RUN .*bash \(scripts\/[a-z_]*\.sh\).*/\1/p; s/^RUN .*&& bash \(scripts\/[a-z_]*\.sh\).*/\1/p' "$df"); do
  [ -f "$SRC/$f" ] || fail "Dockerfile runs $f, which does not exist"
done
grep -q "bash scripts/setup.sh && bash scripts/build.sh" "$df" || fail "Dockerfile no longer builds with the scripts"
for f in $(sed -n 's/^COPY --from=build \/src\/\([^ ]*\) .*/\1/p' "$df"); do
  case "$f" in build/kbseek|models) ;; *) [ -e "$SRC/$f" ] || fail "Dockerfile copies $f, which does not exist" ;; esac
done
cmd_json=$(sed -n 's/^CMD //p' "$df")
mapfile -t dargs < <(python3 -c 'import json,sys; print("\n".join(json.loads(sys.argv[1])))' "$cmd_json")
for i in "${!dargs[@]}"; do [ "${dargs[$i]}" = "--index" ] && dargs[$((i + 1))]="$work/index"; done
serves "${dargs[@]}"
echo "ok   the Dockerfile's CMD flags start kbseek"
echo "all deployment checks passed"
