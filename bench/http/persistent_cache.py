#!/usr/bin/env python3
"""What the persistent result cache (cache.sqlite) saves a restarted server.

Starts `kbseek serve` on an index, asks N queries of an evaldata set
(hybrid, k = 10; optionally with the LLM stage), stops it, starts it again,
asks the same queries: the first pass computes every answer (and stores it),
the second is answered from cache.sqlite. The peer in the same run is the
first pass: the same server, same queries, computing. Reports the server's
own took_ms (p50, p95) and the client's round trip, and the share answered
from the cache.

  persistent_cache.py --kbseek build/kbseek --index DIR --set EVALDIR [--queries 200]
                      [--rerank MODEL] --out bench/results/persistent-cache-SET.md
"""
import argparse, json, os, shutil, socket, statistics, subprocess, sys, tempfile, time, urllib.request


def serve(kb, index, extra, log):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    p = subprocess.Popen([kb, "serve", "--index", index, "--port", str(port), "--no-access-log", *extra],
                         stdout=subprocess.DEVNULL, stderr=log)
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=1).read()
            return p, port
        except Exception:
            if p.poll() is not None:
                sys.exit("server exited")
            time.sleep(0.2)
    sys.exit("server did not start")


def ask(port, body):
    t0 = time.perf_counter()
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/search", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        j = json.loads(r.read())
    return j, (time.perf_counter() - t0) * 1000


def pct(v, q):
    v = sorted(v)
    return v[min(len(v) - 1, int(round(q * (len(v) - 1))))]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kbseek", required=True)
    ap.add_argument("--index", required=True)
    ap.add_argument("--set", required=True)
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--rerank", default="")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    qs = [json.loads(l)["text"] for l in open(os.path.join(a.set, "queries.jsonl"), encoding="utf-8") if l.strip()]
    qs = qs[: a.queries]
    # A copy of the index: the benchmark must not leave a cache in the original.
    work = tempfile.mkdtemp(prefix="kbseek_pcache_")
    index = os.path.join(work, "index")
    shutil.copytree(a.index, index, ignore=shutil.ignore_patterns("cache.sqlite*", "LOCK"))
    extra = ["--anonymous-principals", "all-staff"] + (["--rerank", a.rerank] if a.rerank else [])
    runs = []
    log = open(os.path.join(work, "serve.log"), "w")
    try:
        for name in ("first start: computed", "after a restart: from cache.sqlite"):
            p, port = serve(a.kbseek, index, extra, log)
            took, rtt, cached = [], [], 0
            for q in qs:
                j, ms = ask(port, {"query": q, "k": 10})
                took.append(j["took_ms"])
                rtt.append(ms)
                cached += 1 if j.get("cached") else 0
            p.terminate()
            p.wait(timeout=60)
            runs.append((name, took, rtt, cached))
    finally:
        log.close()
        shutil.rmtree(work, ignore_errors=True)
    cpu = next((l.split(":", 1)[1].strip() for l in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines()
                if l.startswith("Model name")), "?")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    set_name = os.path.basename(a.set.rstrip("/"))
    lines = [f"# Persistent result cache: a restarted server on {set_name}", "",
             f"- machine: {cpu}, {os.cpu_count()} cores; commit {commit}; {time.strftime('%Y-%m-%d')}",
             f"- command: `python3 bench/http/persistent_cache.py --kbseek {a.kbseek} --index {a.index} --set {a.set} "
             f"--queries {len(qs)}{' --rerank ' + a.rerank if a.rerank else ''} --out {a.out}`",
             f"- {len(qs)} queries one after another, hybrid, k = 10{', LLM stage ' + a.rerank if a.rerank else ''}; "
             "the server stopped and started again between the passes (the memory cache is empty then)",
             "- peer in the same run: the first pass, the same server computing every answer", "",
             "| pass | from the cache | server took_ms p50 | p95 | client round trip p50 ms | p95 |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, took, rtt, cached in runs:
        lines.append(f"| {name} | {cached}/{len(took)} | {pct(took, .5):.2f} | {pct(took, .95):.2f} | "
                     f"{pct(rtt, .5):.2f} | {pct(rtt, .95):.2f} |")
    open(a.out, "w").write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
