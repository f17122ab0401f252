#!/usr/bin/env python3
"""Freshness and diversity against their cost in relevance, on the set made
by make_set.py: a real `kbseek serve` on its index, every sampled query asked
once per ranking configuration (the request's "ranking" object), in one run.
Per configuration: nDCG@10 (the set's own qrels: dates and sources say
nothing about relevance, so this is what each control costs), the share of
the top 10 dated within the last year, and the distinct sources in the top 10.
  run_ranking.py --kbseek build/kbseek --index DIR --set DIR --queries 400 --out bench/results/ranking-SET.md
"""
import argparse, datetime, hashlib, json, math, os, socket, statistics, subprocess, sys, time, urllib.request

CONFIGS = [
    ("relevance only", {}),
    ("freshness w=0.1", {"freshness_weight": 0.1}),
    ("freshness w=0.3", {"freshness_weight": 0.3}),
    ("freshness w=0.5", {"freshness_weight": 0.5}),
    ("MMR λ=0.7", {"mmr_lambda": 0.7}),
    ("MMR λ=0.5", {"mmr_lambda": 0.5}),
    ("MMR λ=0.3", {"mmr_lambda": 0.3}),
    ("cap 2 per source", {"group_field": "source", "max_per_group": 2}),
    ("cap 1 per source", {"group_field": "source", "max_per_group": 1}),
]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def post(port, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/search", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as r:
        return json.loads(r.read())


def ndcg10(ranked, rel):
    dcg = sum(rel.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]))
    ideal = sorted(rel.values(), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kbseek", required=True)
    ap.add_argument("--index", required=True)
    ap.add_argument("--set", required=True)
    ap.add_argument("--queries", type=int, default=400)
    ap.add_argument("--now", default="2026-12-06")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    docs = {}
    with open(os.path.join(a.set, "corpus.jsonl"), encoding="utf-8") as f:
        for line in f:
            d = json.loads(line)
            docs[d["id"]] = d
    now = datetime.datetime.fromisoformat(a.now).replace(tzinfo=datetime.timezone.utc)
    last_year = now - datetime.timedelta(days=365)
    recent = {i for i, d in docs.items()
              if datetime.datetime.fromisoformat(d["timestamp"].replace("Z", "+00:00")) >= last_year}
    qs = {}
    with open(os.path.join(a.set, "queries.jsonl"), encoding="utf-8") as f:
        for line in f:
            q = json.loads(line)
            qs[q["_id"]] = q["text"]
    qrels = {}
    with open(os.path.join(a.set, "qrels.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            qid, did, score = line.rstrip("\n").split("\t")
            if int(score) > 0:
                qrels.setdefault(qid, {})[did] = int(score)
    ids = sorted((q for q in qrels if q in qs), key=lambda q: hashlib.sha256(q.encode()).hexdigest())[:a.queries]
    port = free_port()
    server = subprocess.Popen([a.kbseek, "serve", "--index", a.index, "--port", str(port), "--no-access-log", "--cache-entries", "0"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/ready", timeout=2)
                break
            except Exception:
                time.sleep(0.5)
        # One pass first: the model's first queries are slower (allocations, page faults).
        for qid in ids[:50]:
            post(port, {"query": qs[qid], "k": 10})
        rows = []
        for name, ranking in CONFIGS:
            nd, share, distinct, ms = [], [], [], []
            for qid in ids:
                body = {"query": qs[qid], "k": 10}
                if ranking:
                    body["ranking"] = ranking
                t = time.perf_counter()
                r = post(port, body)
                ms.append((time.perf_counter() - t) * 1000)
                got = [x["id"] for x in r["results"]]
                nd.append(ndcg10(got, qrels[qid]))
                share.append(sum(1 for d in got if d in recent) / max(1, len(got)))
                distinct.append(len({docs[d]["metadata"]["source"] for d in got}))
            rows.append((name, statistics.mean(nd), statistics.mean(share), statistics.mean(distinct),
                         statistics.median(ms)))
            print(f"run_ranking: {name}: nDCG@10 {rows[-1][1]:.4f}, last-year share {rows[-1][2]:.3f}, "
                  f"distinct sources {rows[-1][3]:.2f}, p50 {rows[-1][4]:.1f} ms", file=sys.stderr, flush=True)
    finally:
        server.terminate()
        server.wait()
    machine = subprocess.run(["sh", "-c", "lscpu | sed -n 's/^Model name: *//p'; nproc"], capture_output=True,
                             text=True).stdout.split("\n")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    base = rows[0]
    with open(a.out, "w", encoding="utf-8") as f:
        f.write(f"# Freshness and diversity: what each costs ({os.path.basename(a.set.rstrip('/'))})\n\n")
        f.write(f"- machine: {machine[0]}, {machine[1]} cores; commit {commit}; {datetime.date.today()}\n")
        f.write(f"- command: `python3 bench/ranking/run_ranking.py --kbseek {a.kbseek} --index {a.index} "
                f"--set {a.set} --queries {a.queries} --out {a.out}`\n")
        f.write(f"- set: bench/ranking/make_set.py: the corpus dated evenly over five years before {a.now} "
                f"({len(recent) / len(docs):.1%} in the last year), each sentence's paragraph as its source; "
                f"{len(ids)} queries (sampled by a hash of the id), the set's own qrels\n")
        f.write("- peer in the same run: relevance only (kbseek hybrid, default models); p50 is the whole request, "
                "no result or embedding cache (serve --cache-entries 0)\n\n")
        f.write("| ranking | nDCG@10 | Δ | top-10 share from the last year | distinct sources in top 10 | p50 ms |\n")
        f.write("|---|---:|---:|---:|---:|---:|\n")
        for name, nd, sh, di, p50 in rows:
            f.write(f"| {name} | {nd:.4f} | {nd - base[1]:+.4f} | {sh:.3f} | {di:.2f} | {p50:.1f} |\n")
    print(f"run_ranking: wrote {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
