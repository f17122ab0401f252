#!/usr/bin/env python3
"""How much any choice of fusion weights could gain on a set: the ceiling of `kbseek tune`.

Reads the candidate lists `kbseek tune --dump FILE` writes (the lists the tuner
learns from) and reports nDCG@10 on the held-out queries for
  - the fixed rules (each list's prior weight, confidence exponent 2),
  - each list alone,
  - the best weights over a grid *chosen on the held-out queries themselves*:
    an upper bound for any weights learned on the training queries, since no
    learner can pick better weights for these queries than the ones that were
    best on them.
Fusion is kbseek's weighted min-max normalised sum (query/fusion.h) with the
adapted weight prior * clamp(confidence)^exponent, grouped into documents by
their best chunk, as query/tuner.cc scores it.

  python3 bench/quality/fusion_headroom.py SET=lists.jsonl [SET=lists.jsonl ...]
"""
import itertools
import json
import math
import sys

GRID = [0, 0.1, 0.2, 0.3, 0.5, 0.7, 1, 1.5, 2, 3]
EXPONENTS = [0, 1, 2]


def ndcg10(ranked, rel):
    gains = sorted((g for g in rel.values() if g > 0), reverse=True)
    if not gains:
        return 0.0
    dcg = sum(rel.get(d, 0) / math.log2(i + 2) for i, d in enumerate(ranked[:10]) if rel.get(d, 0) > 0)
    return dcg / sum(g / math.log2(i + 2) for i, g in enumerate(gains[:10]))


def prepared(q):
    """Each list as (key, prior, confidence, [(chunk, doc, normalised score)])."""
    out = []
    for l in q["lists"]:
        c = l["candidates"]
        if not c:
            continue
        s = [x[2] for x in c]
        lo, hi = min(s), max(s)
        out.append((l["key"], l["prior"], l["confidence"],
                    [(x[0], x[1], (x[2] - lo) / (hi - lo) if hi > lo else 1.0) for x in c]))
    return out


def fused_ndcg(q, lists, weights, exponent):
    acc = {}
    for key, prior, conf, cands in lists:
        w = weights.get(key, prior)
        if exponent > 0:
            w *= max(0.0, min(1.0, conf)) ** exponent
        if w == 0:
            continue
        for chunk, doc, v in cands:
            s, _ = acc.get(chunk, (0.0, doc))
            acc[chunk] = (s + w * v, doc)
    ranked, seen = [], set()
    for chunk, (s, doc) in sorted(acc.items(), key=lambda kv: (-kv[1][0], kv[0])):
        if doc in seen:
            continue
        seen.add(doc)
        ranked.append(doc)
        if len(ranked) == 10:
            break
    return ndcg10(ranked, q["relevant"])


def mean(qs, weights, exponent):
    return sum(fused_ndcg(q, l, weights, exponent) for q, l in qs) / max(1, len(qs))


def main():
    print("| set | test queries | fixed rules | best list alone | ceiling (weights chosen on the test queries) | ceiling − fixed | ceiling's weights |")
    print("|---|---:|---:|---:|---:|---:|---|")
    for arg in sys.argv[1:]:
        name, path = arg.split("=", 1)
        test = [(q, prepared(q)) for q in map(json.loads, open(path, encoding="utf-8")) if q["test"]]
        keys = sorted({k for _, l in test for k, *_ in l})
        fixed = mean(test, {}, 2)
        alone = {k: mean(test, {kk: (1 if kk == k else 0) for kk in keys}, 0) for k in keys}
        best_key = max(alone, key=alone.get)
        best = (fixed, {}, 2)
        # Scale does not change the order: the best single list keeps weight 1, the others range over GRID.
        others = [k for k in keys if k != best_key]
        for e in EXPONENTS:
            for ws in itertools.product(GRID, repeat=len(others)):
                w = dict(zip(others, ws))
                w[best_key] = 1
                m = mean(test, w, e)
                if m > best[0]:
                    best = (m, w, e)
        wtxt = ", ".join(f"{k} {v:g}" for k, v in sorted(best[1].items())) or "the priors"
        print(f"| {name} | {len(test)} | {fixed:.4f} | {best_key} {alone[best_key]:.4f} | {best[0]:.4f} | "
              f"{best[0] - fixed:+.4f} | {wtxt}; exponent {best[2]} |", flush=True)


if __name__ == "__main__":
    main()
