#!/usr/bin/env python3
"""Quality and cost of the LLM re-ranking stage on a BEIR-layout set.

Runs a real `kbseek serve` on an index of the set, asks every sampled query
over HTTP with the LLM stage on (rerank_weight 1, explain), and reads from
each hit its first-stage score ("group:best-chunk") and the LLM's margin
("llm"). The fusion weight w (ranker/llm_reranker.h) is then chosen on the
TUNE half of the queries and reported on the TEST half, which did not choose
it; the first stage and the LLM alone (w = 1) are reported beside it on the
same queries, from the same run.

  rerank_eval.py --kbseek build/kbseek --index DIR --set EVALDIR --model NAME
                 --queries 60 [--passage-tokens 256] --out bench/results/llm-rerank-SET-MODEL.md
"""
import argparse, hashlib, json, math, os, signal, socket, statistics, subprocess, sys, time, urllib.request


def load_queries(d):
    qs = {}
    with open(os.path.join(d, "queries.jsonl"), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                j = json.loads(line)
                qs[j["_id"]] = j["text"]
    rel = {}
    with open(os.path.join(d, "qrels.tsv"), encoding="utf-8") as f:
        next(f)
        for line in f:
            qid, did, score = line.rstrip("\n").split("\t")
            if int(score) > 0:
                rel.setdefault(qid, set()).add(did)
    return qs, rel


def ndcg10(ranked, relevant):
    dcg = sum(1 / math.log2(i + 2) for i, d in enumerate(ranked[:10]) if d in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(relevant))))
    return dcg / ideal if ideal else 0.0


def min_max(v):
    lo, hi = min(v), max(v)
    return [1.0] * len(v) if hi <= lo else [(x - lo) / (hi - lo) for x in v]


def fused_order(hits, w):
    """The stage's order for weight w: scored hits by fused score, ties in
    first-stage order, then the unscored ones in first-stage order."""
    scored = [h for h in hits if h["llm"] is not None]
    rest = [h for h in hits if h["llm"] is None]
    if scored:
        nf, nl = min_max([h["first"] for h in scored]), min_max([h["llm"] for h in scored])
        keyed = sorted(range(len(scored)), key=lambda i: (-((1 - w) * nf[i] + w * nl[i]), scored[i]["pos"]))
        scored = [scored[i] for i in keyed]
    return [h["id"] for h in scored + rest]


def post(port, body):
    req = urllib.request.Request(f"http://127.0.0.1:{port}/v1/search", data=json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--kbseek", required=True)
    ap.add_argument("--index", required=True)
    ap.add_argument("--set", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--queries", type=int, default=60)
    ap.add_argument("--rerank-k", type=int, default=10)
    ap.add_argument("--passage-tokens", type=int, default=256, help="the stage's passage cut")
    ap.add_argument("--out", required=True)
    ap.add_argument("--from-partial", action="store_true",
                    help="no server: write the report from OUT.partial.json, which a run writes every 10 queries")
    a = ap.parse_args()
    qs, rel = load_queries(a.set)
    # A fixed sample: the queries with judgements, ordered by a hash of their
    # id (the file groups them by article), alternately TUNE and TEST.
    ids = sorted((q for q in qs if q in rel), key=lambda q: hashlib.sha256(q.encode()).hexdigest())[: a.queries]
    tune, test = ids[0::2], ids[1::2]
    if a.from_partial:
        with open(a.out + ".partial.json", encoding="utf-8") as f:
            saved = json.load(f)
        per_query = saved.get("per_query", saved)  # older partial files hold per_query alone
        open_s, stage_ms, total_ms, first_ms = (saved.get(k) for k in ("open_s", "stage_ms", "total_ms", "first_ms"))
        ids = [q for q in ids if q in per_query]
        tune, test = ids[0::2], ids[1::2]
    else:
        open_s, per_query, stage_ms, total_ms, first_ms = run_queries(a, qs, ids)
    report(a, rel, ids, tune, test, per_query, open_s, stage_ms, total_ms, first_ms)


def run_queries(a, qs, ids):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # The server's log goes to a file: a pipe nobody reads fills up, and the
    # server then cannot flush its log and exit.
    log = open(a.out + ".server.log", "w", encoding="utf-8")
    server = subprocess.Popen([a.kbseek, "serve", "--index", a.index, "--port", str(port),
                               "--rerank-passage-tokens", str(a.passage_tokens)],
                              stdout=subprocess.DEVNULL, stderr=log)
    try:
        for _ in range(600):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1)
                break
            except Exception:
                time.sleep(0.2)
        # The first call opens the model (verify + load): not a query's cost.
        t0 = time.time()
        post(port, {"query": qs[ids[0]], "k": 10, "rerank": a.model, "rerank_k": 1})
        open_s = time.time() - t0
        per_query, stage_ms, total_ms, first_ms = {}, [], [], []
        for n, qid in enumerate(ids, 1):
            plain = post(port, {"query": qs[qid], "k": 10})
            first_ms.append(plain["took_ms"])
            r = post(port, {"query": qs[qid], "k": 10, "explain": True, "rerank": a.model,
                            "rerank_k": a.rerank_k, "rerank_weight": 1})
            if "warning" in r.get("rerank", {}):
                sys.exit(f"rerank_eval: {qid}: the stage fell back: {r['rerank']['warning']}")
            stage_ms.append(r["rerank"]["took_ms"])
            total_ms.append(r["took_ms"])
            hits = []
            for h in r["results"]:
                ex = {e["source"]: e for e in h["explain"]}
                first = ex["group:best-chunk"]
                # The document's first-stage score: its best chunk's, plus
                # what its other chunks added when the index weighs them.
                extra = ex["group:other-chunks"]["score"] if "group:other-chunks" in ex else 0
                hits.append({"id": h["id"], "first": first["score"] + extra, "pos": first["rank"],
                             "llm": ex["llm"]["score"] if "llm" in ex else None})
            hits.sort(key=lambda h: h["pos"])  # back to the first stage's order
            per_query[qid] = {"first_stage": [h["id"] for h in plain["results"]], "hits": hits}
            if n % 10 == 0:
                print(f"rerank_eval: {n}/{len(ids)} queries", file=sys.stderr, flush=True)
                # Partial figures as they come: what each query's hits scored so far.
                with open(a.out + ".partial.json", "w", encoding="utf-8") as f:
                    json.dump({"per_query": per_query, "open_s": open_s, "stage_ms": stage_ms,
                               "total_ms": total_ms, "first_ms": first_ms}, f)
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            print("rerank_eval: the server did not stop in 60 s; killed", file=sys.stderr)
            server.kill()
        log.close()
    return open_s, per_query, stage_ms, total_ms, first_ms


def report(a, rel, ids, tune, test, per_query, open_s, stage_ms, total_ms, first_ms):

    def mean_ndcg(qids, w):
        return statistics.mean(ndcg10(fused_order(per_query[q]["hits"], w) if w is not None
                                      else per_query[q]["first_stage"], rel[q]) for q in qids)

    grid = [i / 10 for i in range(11)]
    tuned = max(grid, key=lambda w: (round(mean_ndcg(tune, w), 6), -w))
    rows = [("first stage (hybrid)", None), ("LLM alone (w = 1)", 1.0), (f"fused, w = {tuned} (chosen on TUNE)", tuned)]
    def pct(v, p):
        v = sorted(v)
        return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]
    machine = subprocess.run(["sh", "-c", "lscpu | sed -n 's/^Model name: *//p'; nproc"], capture_output=True,
                             text=True).stdout.split("\n")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
    set_name = os.path.basename(a.set.rstrip("/"))
    lines = [f"# LLM re-ranking: {a.model} on {set_name}", "",
             f"- machine: {machine[0]}, {machine[1]} cores; commit {commit}; {time.strftime('%Y-%m-%d')}",
             f"- command: `python3 bench/llm/rerank_eval.py --kbseek {a.kbseek} --index {a.index} --set {a.set} "
             f"--model {a.model} --queries {a.queries} --rerank-k {a.rerank_k} --passage-tokens {a.passage_tokens} --out {a.out}`",
             f"- queries: {len(ids)} with judgements (sampled by a hash of the id), {len(tune)} TUNE (choose w), "
             f"{len(test)} TEST (report); the LLM re-ranks the first stage's top {a.rerank_k} documents, "
             f"each cut to {a.passage_tokens} tokens",
             f"- peer in the same run: the first stage itself (kbseek hybrid, default models)", "",
             "| ranking | nDCG@10 TUNE | nDCG@10 TEST |", "|---|---:|---:|"]
    for name, w in rows:
        lines.append(f"| {name} | {mean_ndcg(tune, w):.4f} | {mean_ndcg(test, w):.4f} |")
    lines += ["", "nDCG@10 on TUNE for each w (0 = first stage's scores only):", "",
              "| w | " + " | ".join(f"{w:.1f}" for w in grid) + " |", "|---" * (len(grid) + 1) + "|",
              "| TUNE | " + " | ".join(f"{mean_ndcg(tune, w):.3f}" for w in grid) + " |",
              "| TEST | " + " | ".join(f"{mean_ndcg(test, w):.3f}" for w in grid) + " |", "",
              (f"Cost: model open {open_s:.1f} s (once per process); the LLM stage per query p50 "
               f"{pct(stage_ms, 50):.0f} ms, p95 {pct(stage_ms, 95):.0f} ms; whole request with it p50 "
               f"{pct(total_ms, 50):.0f} ms; first stage alone p50 {pct(first_ms, 50):.1f} ms." if stage_ms else
               "Cost: not recorded (this report was written with --from-partial from a file that held the "
               "scores only).")]
    with open(a.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
