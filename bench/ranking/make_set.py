#!/usr/bin/env python3
"""A labelled set for freshness and diversity, made from a BEIR-layout set of
../shared/evaldata (default xquadr_en): its corpus, queries and qrels as they
are, each document given
  - a timestamp: a date spread evenly over the five years before --now, by a
    hash of its id (so the same document always gets the same date, and the
    dates say nothing about relevance), and
  - metadata {"source": its paragraph}: xquadr's documents are sentences,
    id "en_s<article>_<paragraph>_<sentence>", so sentences of one paragraph
    share a source: the near-duplicates a diverse top 10 should not repeat.
  make_set.py --set ../shared/evaldata/xquadr_en --out bench/work/ranking/xquadr_en [--now 2026-12-06]
"""
import argparse, datetime, hashlib, json, os, shutil


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--set", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--now", default="2026-12-06")
    a = ap.parse_args()
    now = datetime.datetime.fromisoformat(a.now).replace(tzinfo=datetime.timezone.utc)
    span_days = 5 * 365
    os.makedirs(a.out, exist_ok=True)
    n = 0
    with open(os.path.join(a.set, "corpus.jsonl"), encoding="utf-8") as fin, \
         open(os.path.join(a.out, "corpus.jsonl"), "w", encoding="utf-8") as fout:
        for line in fin:
            d = json.loads(line)
            h = int(hashlib.sha256(d["_id"].encode()).hexdigest()[:8], 16)
            date = now - datetime.timedelta(days=h % span_days, hours=12)
            parts = d["_id"].split("_")
            source = "_".join(parts[:3]) if len(parts) >= 4 else d["_id"]
            fout.write(json.dumps({"id": d["_id"], "title": d.get("title", ""), "text": d["text"],
                                   "timestamp": date.strftime("%Y-%m-%dT%H:%M:%SZ"),
                                   "metadata": {"source": source}}, ensure_ascii=False) + "\n")
            n += 1
    for f in ("queries.jsonl", "qrels.tsv"):
        shutil.copy(os.path.join(a.set, f), os.path.join(a.out, f))
    print(f"make_set: {n} documents dated over {span_days} days before {a.now}, sources by paragraph -> {a.out}")


if __name__ == "__main__":
    main()
