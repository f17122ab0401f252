#!/usr/bin/env python3
"""The load-test corpus: every shared corpus, plus generated text, to >= 100k chunks.

Real documents come first, one id space per set (`scifact/4983`), so that sets
whose ids collide (xquad_en and xquad_en2zh) do not replace each other. Then
bench/ingest/make_corpus.py's generator adds recombined real passages (2-6 per
document, seeded, some mixing languages) until --generated-mb is reached.
With the default 70 MB the default model set's chunker makes ~105k chunks.

    python3 bench/load/make_corpus.py --out bench/work/load/corpus.jsonl
"""
import argparse
import json
import os
import subprocess
import sys

SETS = ["scifact", "nfcorpus_test_tokenized", "cmrc2018_dev", "drcd_dev", "xquad_en", "xquad_zh",
        "xquadr_en", "xquadr_zh", "tatoeba_zh2en"]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--generated-mb", type=float, default=70)
    ap.add_argument("--evaldata", default=os.path.join(here, "../../../shared/evaldata"))
    args = ap.parse_args()
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    generated = args.out + ".generated"
    subprocess.run([sys.executable, os.path.join(here, "../ingest/make_corpus.py"), "--mb", str(args.generated_mb),
                    "--out", generated, "--evaldata", args.evaldata], check=True)
    n = 0
    with open(args.out, "w", encoding="utf-8") as out:
        for name in SETS:
            with open(os.path.join(args.evaldata, name, "corpus.jsonl"), encoding="utf-8") as f:
                for line in f:
                    if not line.strip():
                        continue
                    d = json.loads(line)
                    doc = {"id": "%s/%s" % (name, d["_id"]), "title": d.get("title", ""), "text": d["text"]}
                    out.write(json.dumps(doc, ensure_ascii=False) + "\n")
                    n += 1
        with open(generated, encoding="utf-8") as f:
            for line in f:
                out.write(line)
                n += 1
    os.remove(generated)
    print("wrote %d documents to %s" % (n, args.out))


if __name__ == "__main__":
    main()
