#!/usr/bin/env python3
"""PyTorch peer for bench_encoder: sentence-transformers on the same inputs.

Run bench_encoder first (it writes bench/work/encoder_inputs.json), then:

    python3 bench/encoder/reference.py [--model models/all-minilm-l6-v2] [--threads 2]

Prints the same table as bench_encoder (sentences/s at batch 1/32/256 for
short and long inputs, single-query latency). Exits 0 with a note when torch
or sentence-transformers is not installed, so scripts can call it blindly.
"""
import argparse
import json
import os
import statistics
import sys
import time


def sentences_per_second(model, texts, batch, min_seconds, prompt_name=None):
    done, pos = 0, 0
    t0 = time.perf_counter()
    while done < batch or time.perf_counter() - t0 < min_seconds:
        chunk = [texts[(pos + i) % len(texts)] for i in range(batch)]
        pos += batch
        model.encode(chunk, batch_size=batch, normalize_embeddings=True, convert_to_numpy=True,
                     prompt_name=prompt_name)
        done += batch
    return done / (time.perf_counter() - t0)


def main():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", default=os.path.join(root, "models", "all-minilm-l6-v2"))
    ap.add_argument("--inputs", default=os.path.join(root, "bench", "work", "encoder_inputs.json"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--batches", default="1,32,256")
    ap.add_argument("--prompts", action="store_true",
                    help="encode long texts with the model's 'document' prompt and latency queries with 'query', "
                         "as kbseek does for models that have prompts (EmbeddingGemma)")
    args = ap.parse_args()
    batches = [int(b) for b in args.batches.split(",")]

    try:
        import torch
        from sentence_transformers import SentenceTransformer
    except ImportError as e:
        print(f"reference.py: skipped, {e.name} is not installed (pip install torch sentence-transformers)")
        return 0
    if not os.path.exists(args.inputs):
        print(f"reference.py: {args.inputs} is missing; run bench_encoder first", file=sys.stderr)
        return 1
    with open(args.inputs, encoding="utf-8") as f:
        inputs = json.load(f)

    torch.set_num_threads(args.threads)
    t0 = time.perf_counter()
    model = SentenceTransformer(args.model, device="cpu")
    open_s = time.perf_counter() - t0
    print(f"sentence-transformers benchmark: torch {torch.__version__}, threads {torch.get_num_threads()}, "
          f"open {open_s:.2f} s, max_seq_length {model.max_seq_length}")
    print()
    print("| input | batch | sentences/s |\n|---|---:|---:|")
    with torch.inference_mode():
        for name in ("short", "long"):
            for batch in batches:
                sps = sentences_per_second(model, inputs[name], batch, args.seconds,
                                           "document" if args.prompts else None)
                print(f"| {name} | {batch} | {sps:.1f} |", flush=True)
        ms = []
        for i in range(200):
            t = time.perf_counter()
            model.encode([inputs["short"][i % len(inputs["short"])]], normalize_embeddings=True,
                         prompt_name="query" if args.prompts else None)
            ms.append((time.perf_counter() - t) * 1e3)
    ms.sort()
    print(f"\nsingle-query latency (200 short queries): p50 {ms[100]:.2f} ms, p95 {ms[190]:.2f} ms, "
          f"p99 {ms[198]:.2f} ms (mean {statistics.mean(ms):.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
