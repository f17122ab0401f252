#!/usr/bin/env python3
"""Writes tests/data/kernels/gemma_blocks.json: Gemma 3 blocks run by transformers itself.

Each block is run on small random fp32 tensors (torch.manual_seed(0)) through
transformers' own Gemma3 code, so gemma_blocks_test.cc can feed the same
inputs to our kernels and compare:
  rms_norm   Gemma3RMSNorm (the test folds its (1 + w) into gamma);
  rope       Gemma3RotaryEmbedding + apply_rotary_pos_emb, q and k, both layer
             types' bases, on packed sequences (position_ids restart at 0);
  attention  eager_attention_forward with the mask Gemma3TextModel builds for
             use_bidirectional_attention=True (create_causal_mask with the
             all-true or-mask on full layers; create_sliding_window_causal_mask
             with _bidirectional_window_overlay on sliding ones), the sequences
             packed in one row so that transformers' packed-sequence detection
             keeps them apart; "window" is the kernel's window, i.e.
             config.sliding_window after Gemma3TextConfig halves the config's
             value (W // 2 + 1), 0 on full layers;
  attention_layer  Gemma3Attention.forward (q/k/v projections, q_norm/k_norm,
             rope, attention, o_proj) on a sliding and a full layer;
  mlp        Gemma3MLP.forward: down(gelu_pytorch_tanh(gate(x)) * up(x)).
Matrices are row-major flat lists (tokens × features; weights [out × in] as
PyTorch stores them); inputs lie on a grid of ~1/1000 of their range and every float is written
as the shortest decimal that reads back as the same fp32 value.

Run (the output is committed):
    /work/venv-ref/bin/python tests/kernels/gen_gemma_blocks.py
    (any Python with torch and transformers ≥ 5 will do)
Written with torch 2.15.0 and transformers 5.25.0, run on the CPU.
"""
import argparse
import json
import math
import os
import struct

import torch
import transformers
from transformers.masking_utils import create_causal_mask, create_sliding_window_causal_mask
from transformers.models.gemma3 import modeling_gemma3 as g3
from transformers.models.gemma3.configuration_gemma3 import Gemma3TextConfig

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(REPO, "tests", "data", "kernels", "gemma_blocks.json")


def shortest(x):
    """The shortest decimal that reads back as the same fp32 value."""
    want = struct.pack("<f", x)
    for digits in range(4, 10):
        v = float(f"{x:.{digits}g}")
        if struct.pack("<f", v) == want:
            return v
    return x


def flat(t):
    return [shortest(x) for x in t.detach().reshape(-1).tolist()]


def rand(*shape, lo=-1.0, hi=1.0):
    """Uniform inputs on a power-of-ten grid ~1/1000 of the range, so that they print in few digits."""
    step = 10.0 ** math.floor(math.log10((hi - lo) / 1000))
    return ((torch.empty(*shape, dtype=torch.float64).uniform_(lo, hi) / step).round() * step).float()


def config(hq, hkv, d, hidden=24, raw_window=8, layers=6):
    # Layer 5 of 6 is the full one (sliding_window_pattern 6), the rest slide.
    c = Gemma3TextConfig(vocab_size=64, hidden_size=hidden, intermediate_size=40,
                         num_hidden_layers=layers, num_attention_heads=hq, num_key_value_heads=hkv,
                         head_dim=d, query_pre_attn_scalar=d, sliding_window=raw_window,
                         use_bidirectional_attention=True, rms_norm_eps=1e-6)
    c._attn_implementation = "eager"
    return c


def layer_of(c, kind):
    return c.layer_types.index(kind)


def positions(offsets):
    return torch.cat([torch.arange(offsets[i + 1] - offsets[i]) for i in range(len(offsets) - 1)])[None]


def masks(c, offsets):
    """The masks Gemma3TextModel.forward builds, by layer type."""
    t = offsets[-1]
    kw = {"config": c, "inputs_embeds": torch.zeros(1, t, c.hidden_size), "attention_mask": None,
          "cache": None, "position_ids": positions(offsets)}
    return {
        "full_attention": create_causal_mask(
            **kw, or_mask_function=lambda *args: torch.tensor(True, dtype=torch.bool)),
        "sliding_attention": create_sliding_window_causal_mask(
            **kw, or_mask_function=g3._bidirectional_window_overlay(c.sliding_window)),
    }


def kernel_window(c, kind):
    return c.sliding_window if kind == "sliding_attention" else 0


def rms_norm_cases():
    out = []
    for rows, cols, lo, hi in [(6, 64, -3.0, 3.0), (12, 16, -40.0, 40.0), (4, 48, -1e-4, 1e-4)]:
        norm = g3.Gemma3RMSNorm(cols, eps=1e-6)
        with torch.no_grad():
            norm.weight.copy_(rand(cols, lo=-0.5, hi=0.5))
        x = rand(rows, cols, lo=lo, hi=hi)
        out.append({"rows": rows, "cols": cols, "eps": 1e-6, "x": flat(x), "weight": flat(norm.weight),
                    "out": flat(norm(x))})
    return out


def rope_cases():
    """q and k of EmbeddingGemma's head layout, and one long sequence (positions up to 299)."""
    out = []
    for offsets, heads, d in [([0, 15, 16, 24], (3, 1), 8), ([0, 300], (1,), 4)]:
        c = config(3, 1, d)
        rot = g3.Gemma3RotaryEmbedding(c)
        t = offsets[-1]
        xs = [rand(t, h * d, lo=-2, hi=2) for h in heads]
        for kind in ("sliding_attention", "full_attention"):
            cos, sin = rot(xs[0], positions(offsets), kind)
            tensors = []
            for h, x in zip(heads, xs):
                xh = x.view(1, t, h, d).transpose(1, 2)
                xe, _ = g3.apply_rotary_pos_emb(xh, xh, cos, sin)
                tensors.append({"heads": h, "x": flat(x), "out": flat(xe.transpose(1, 2))})
            out.append({"offsets": offsets, "layer_type": kind, "head_dim": d,
                        "base": c.rope_parameters[kind]["rope_theta"], "tensors": tensors})
    return out


def attention_cases():
    out = []
    for offsets, hq, hkv, d, kind in [([0, 13, 14, 30], 3, 1, 8, "sliding_attention"),
                                      ([0, 13, 14, 30], 3, 1, 8, "full_attention"),
                                      ([0, 9, 21], 4, 2, 8, "sliding_attention")]:
        c = config(hq, hkv, d)
        attn = g3.Gemma3Attention(c, layer_of(c, kind)).eval()
        t = offsets[-1]
        q, k, v = rand(1, hq, t, d, lo=-2, hi=2), rand(1, hkv, t, d, lo=-2, hi=2), rand(1, hkv, t, d, lo=-2, hi=2)
        ctx, _ = g3.eager_attention_forward(attn, q, k, v, masks(c, offsets)[kind], dropout=0.0,
                                            scaling=attn.scaling, sliding_window=attn.sliding_window)
        out.append({"offsets": offsets, "layer_type": kind, "num_q_heads": hq, "num_kv_heads": hkv,
                    "head_dim": d, "scale": attn.scaling, "config_sliding_window": c.to_dict()["sliding_window"],
                    "window": kernel_window(c, kind),
                    "q": flat(q.transpose(1, 2)), "k": flat(k.transpose(1, 2)), "v": flat(v.transpose(1, 2)),
                    "ctx": flat(ctx)})
    return out


def attention_layer_cases():
    out = []
    offsets, hq, hkv, d = [0, 11, 12, 20], 3, 1, 8
    for kind in ("sliding_attention", "full_attention"):
        c = config(hq, hkv, d, raw_window=6)
        attn = g3.Gemma3Attention(c, layer_of(c, kind)).eval()
        with torch.no_grad():
            for p in attn.parameters():
                p.copy_(rand(*p.shape, lo=-0.5, hi=0.5))
        t = offsets[-1]
        x = rand(1, t, c.hidden_size, lo=-2, hi=2)
        rot = g3.Gemma3RotaryEmbedding(c)
        with torch.no_grad():
            y, _ = attn(x, position_embeddings=rot(x, positions(offsets), kind),
                        attention_mask=masks(c, offsets)[kind])
        out.append({"offsets": offsets, "layer_type": kind, "hidden": c.hidden_size, "num_q_heads": hq,
                    "num_kv_heads": hkv, "head_dim": d, "eps": c.rms_norm_eps, "scale": attn.scaling,
                    "base": c.rope_parameters[kind]["rope_theta"], "window": kernel_window(c, kind),
                    "x": flat(x), "q_proj": flat(attn.q_proj.weight), "k_proj": flat(attn.k_proj.weight),
                    "v_proj": flat(attn.v_proj.weight), "o_proj": flat(attn.o_proj.weight),
                    "q_norm": flat(attn.q_norm.weight), "k_norm": flat(attn.k_norm.weight), "out": flat(y)})
    return out


def mlp_cases():
    c = config(3, 1, 8)
    mlp = g3.Gemma3MLP(c)
    with torch.no_grad():
        for p in mlp.parameters():
            p.copy_(rand(*p.shape, lo=-0.4, hi=0.4))
    x = rand(10, c.hidden_size, lo=-3, hi=3)
    with torch.no_grad():
        y = mlp(x)
    return [{"rows": 10, "hidden": c.hidden_size, "intermediate": c.intermediate_size,
             "activation": c.hidden_activation, "x": flat(x), "gate_proj": flat(mlp.gate_proj.weight),
             "up_proj": flat(mlp.up_proj.weight), "down_proj": flat(mlp.down_proj.weight), "out": flat(y)}]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()
    torch.manual_seed(0)
    blocks = {"torch": torch.__version__, "transformers": transformers.__version__, "seed": 0,
              "rms_norm": rms_norm_cases(), "rope": rope_cases(), "attention": attention_cases(),
              "attention_layer": attention_layer_cases(), "mlp": mlp_cases()}
    with open(args.out, "w") as f:
        json.dump(blocks, f, separators=(",", ":"))
        f.write("\n")
    print(args.out, os.path.getsize(args.out), "bytes")


if __name__ == "__main__":
    main()
