#!/usr/bin/env python3
"""Writes tests/data/encoder/gguf/qwen2.5-0.5b-golden.json: reference dequantization.

For the smallest tensor of each ggml type present in the Qwen2.5-0.5B-Instruct
Q4_K_M file, the reference implementation (PyPI `gguf`: GGUFReader and
gguf.quants.dequantize, a numpy port of ggml-quants.c) gives:

  {"name", "type", "dims" (ggml order: dims[0] is the row width),
   "rows": [[first 512 values of row 0], [... of row 1]]  (fewer when the
           tensor has one row or rows shorter than 512),
   "sum": the float64 sum of every dequantized value in the tensor}

Values are float32 written with Python's shortest round-trip repr, so the
C++ reader can compare them exactly. The file also lists the tensor count and
the count per type, which the test checks.

Run once (the output is committed):
    pip install gguf numpy
    python3 tests/encoder/gguf/gen_gguf_golden.py [--model models/qwen2.5-0.5b-instruct/model.gguf]
"""
import argparse
import collections
import json
import os

import numpy as np
from gguf import GGUFReader
from gguf.quants import dequantize

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
OUT = os.path.join(REPO, "tests", "data", "encoder", "gguf", "qwen2.5-0.5b-golden.json")
VALUES_PER_ROW = 512


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(REPO, "models", "qwen2.5-0.5b-instruct", "model.gguf"))
    args = ap.parse_args()
    reader = GGUFReader(args.model)

    smallest = {}
    for t in reader.tensors:
        kind = t.tensor_type.name
        if kind not in smallest or t.n_elements < smallest[kind].n_elements:
            smallest[kind] = t

    tensors = []
    for kind in sorted(smallest):
        t = smallest[kind]
        dims = [int(d) for d in t.shape]
        values = dequantize(t.data, t.tensor_type).astype(np.float32).reshape(-1, dims[0])
        # str(np.float32) is the shortest decimal that reads back as the same float32.
        rows = [[float(str(v)) for v in values[r, :VALUES_PER_ROW]] for r in range(min(2, values.shape[0]))]
        tensors.append({
            "name": t.name,
            "type": kind,
            "dims": dims,
            "rows": rows,
            "sum": float(values.astype(np.float64).sum()),
        })

    counts = collections.Counter(t.tensor_type.name for t in reader.tensors)
    doc = {
        "model": "qwen2.5-0.5b-instruct/model.gguf",
        "tensor_count": len(reader.tensors),
        "type_counts": dict(sorted(counts.items())),
        "tensors": tensors,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        # One tensor per line keeps diffs readable.
        f.write("{\n")
        for key in ("model", "tensor_count", "type_counts"):
            f.write(f"  {json.dumps(key)}: {json.dumps(doc[key])},\n")
        f.write('  "tensors": [\n')
        f.write(",\n".join("    " + json.dumps(t, separators=(",", ":")) for t in tensors))
        f.write("\n  ]\n}\n")
    print(f"wrote {OUT}: {len(tensors)} tensors ({', '.join(t['name'] + ' ' + t['type'] for t in tensors)})")


if __name__ == "__main__":
    main()
