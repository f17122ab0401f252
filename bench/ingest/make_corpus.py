#!/usr/bin/env python3
"""Generates a mixed bilingual JSONL corpus of a given size for bench/ingest.

Documents are real passages from ../shared/evaldata (English scifact, simplified
cmrc2018, traditional drcd, xquad en/zh), drawn at random (seeded) and recombined
(2-6 passages per document, some documents mixing languages), with ids made
unique, until the target size is reached. Reproducible: same seed, same bytes.

    python3 bench/ingest/make_corpus.py --mb 1024 --out bench/work/ingest/mixed_1g.jsonl
"""
import argparse
import json
import os
import random

SETS = ["scifact", "cmrc2018_dev", "drcd_dev", "xquad_en", "xquad_zh"]


def passages(evaldata):
    out = []
    for name in SETS:
        path = os.path.join(evaldata, name, "corpus.jsonl")
        with open(path, encoding="utf-8") as f:
            for line in f:
                d = json.loads(line)
                if d.get("text"):
                    out.append((d.get("title", ""), d["text"]))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--evaldata", default=os.path.join(os.path.dirname(__file__), "../../../shared/evaldata"))
    args = ap.parse_args()
    rng = random.Random(args.seed)
    pool = passages(args.evaldata)
    target = int(args.mb * 1024 * 1024)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    written = 0
    n = 0
    with open(args.out, "w", encoding="utf-8") as f:
        while written < target:
            parts = [rng.choice(pool) for _ in range(rng.randint(2, 6))]
            doc = {"id": "g%09d" % n, "title": parts[0][0], "text": "\n\n".join(p[1] for p in parts),
                   "timestamp": 1600000000 + rng.randint(0, 10 ** 8)}
            line = json.dumps(doc, ensure_ascii=False) + "\n"
            f.write(line)
            written += len(line.encode("utf-8"))
            n += 1
    print("wrote %d documents, %.1f MB to %s" % (n, written / 1e6, args.out))


if __name__ == "__main__":
    main()
