#!/usr/bin/env bash
# The deployment files stay true to the binary:
#   docs/kbseek.service  passes `systemd-analyze verify` (with the build's
#                        binary and a scratch index in its paths), and its
#                        ExecStart flags start a real server;
#   docs/Dockerfile      copies and runs files that exist, and its CMD's flags
#                        start a real server;
#   docs/kubernetes.yaml parses and hangs together, and each shard's init
#                        script and flags run against a real nats-server.
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
# Kubernetes: docs/kubernetes.yaml parses, hangs together (selectors,
# services, shard numbering), and each shard's init script and serve flags
# run against a real nats-server here.
k8s="$SRC/docs/kubernetes.yaml"
if ! python3 -c 'import yaml' 2>/dev/null || [ ! -x /usr/sbin/nats-server ]; then
  echo "skip kubernetes.yaml (needs python3-yaml and nats-server; scripts/setup.sh installs them)"
else
  python3 - "$k8s" "$work" <<'PY' || fail "docs/kubernetes.yaml does not hang together"
import os, sys, yaml
docs = [d for d in yaml.safe_load_all(open(sys.argv[1])) if d]
work = sys.argv[2]
services = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Service"}
sets = [d for d in docs if d["kind"] == "StatefulSet"]
shards = [d for d in sets if d["metadata"]["name"] != "nats"]
seen = set()
for d in sets:
    spec = d["spec"]
    labels = spec["template"]["metadata"]["labels"]
    assert spec["selector"]["matchLabels"].items() <= labels.items(), d["metadata"]["name"]
    svc = services[spec["serviceName"]]
    assert svc["spec"]["selector"].items() <= labels.items(), spec["serviceName"]
for d in shards:
    name = d["metadata"]["name"]
    pod = d["spec"]["template"]["spec"]
    args = pod["containers"][0]["args"]
    i, n = map(int, args[args.index("--shard") + 1].split("/"))
    assert n == len(shards) and i not in seen, name
    seen.add(i)
    assert pod["containers"][0]["readinessProbe"]["httpGet"]["path"] == "/ready"
    open(os.path.join(work, name + ".init"), "w").write(pod["initContainers"][0]["args"][0])
    open(os.path.join(work, name + ".args"), "w").write("\n".join(args) + "\n")
print(len(shards))
PY
  nport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  /usr/sbin/nats-server -js -a 127.0.0.1 -p "$nport" -sd "$work/js" > "$work/nats.log" 2>&1 &
  for _ in $(seq 1 100); do (exec 3<>"/dev/tcp/127.0.0.1/$nport") 2>/dev/null && break; sleep 0.1; done
  nshards=$(ls "$work"/*.args | wc -l)
  "$KB" publish --nats "nats://127.0.0.1:$nport" --shards "$nshards" "$SRC/app/sample/bilingual_sample.jsonl" \
    2> "$work/publish.log" || fail "publish: $(cat "$work/publish.log")"
  for a in "$work"/*.args; do
    name=$(basename "$a" .args)
    mkdir -p "$work/$name"
    script=$(sed -e "s|/data|$work/$name|g" -e "s|/usr/local/bin/kbseek|$KB|g" "$work/$name.init")
    sh -c "$script" > "$work/$name.init.log" 2>&1 || fail "$name's init script: $(cat "$work/$name.init.log")"
    mapfile -t kargs < <(sed -e "s|/data|$work/$name|g" -e "s|nats://nats:4222|nats://127.0.0.1:$nport|" \
                                -e "s|^0.0.0.0$|127.0.0.1|" "$a")
    serves "${kargs[@]}"
    echo "ok   $name: init script and serve flags run (feed from a real nats-server)"
  done
fi
echo "all deployment checks passed"
