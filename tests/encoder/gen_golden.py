#!/usr/bin/env python3
"""Writes tests/data/encoder/golden_minilm.jsonl: reference sentence embeddings.

Each line is {"text": ..., "ids": [...], "embedding": [...]}: the token ids
sentence-transformers fed the model (after truncation to max_seq_length,
[CLS] and [SEP] included) and the 384 floats of
SentenceTransformer(model_dir, device="cpu").encode(text, normalize_embeddings=True),
written with 7 significant digits. Texts are encoded one at a time, so no
padding is involved.

Before writing, the script recomputes every embedding with a plain numpy
forward pass straight from model.safetensors (the recipe the C++ encoder
follows) and stops if the two disagree by more than 1e-5: a check that the
facts in tests/data/encoder/README.md are the whole story.

Run once (the output is committed):
    pip install torch sentence-transformers safetensors numpy
    bash scripts/fetch_model.sh all-minilm-l6-v2 models
    python3 tests/encoder/gen_golden.py [--model models/all-minilm-l6-v2]
"""
import argparse
import json
import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(REPO, "tests", "data", "encoder", "golden_minilm.jsonl")

LONG_EN = (
    "Semantic search engines map queries and documents into a shared vector space, "
    "so that texts with similar meaning end up close to each other even when they share "
    "no words. A typical system splits every document into passages of a few hundred "
    "tokens, runs each passage through a transformer encoder, pools the token vectors "
    "into one embedding, and stores the embeddings in an approximate nearest neighbour "
    "index. At query time the query is encoded the same way, the index returns the "
    "closest passages, and a lexical ranker such as BM25 is often fused with the vector "
    "results, because exact keyword matches still matter for names, codes and rare terms. "
    "The quality of the whole pipeline depends on the encoder: how it was trained, which "
    "languages it saw, how long its inputs may be, and whether its outputs are normalised. "
    "Inputs longer than the model's maximum sequence length are truncated, which means "
    "that the end of a long passage simply does not contribute to its embedding. This "
    "sentence is here to make the passage long enough that truncation is certain, and "
    "everything after this point is ignored by the model: it should not change the result. "
    "Evaluation of such a system usually relies on labelled query sets, where annotators "
    "mark which passages answer which questions, and on metrics such as recall at ten, "
    "mean reciprocal rank and normalised discounted cumulative gain computed over them."
)
LONG_ZH = (
    "语义搜索引擎把查询和文档映射到同一个向量空间里，使意思相近的文本即使没有共同的词也彼此靠近。"
    "一个典型的系统会把每篇文档切分成几百个词元的段落，用编码器处理每个段落，把词元向量汇聚成一个嵌入，"
    "再把嵌入存进近似最近邻索引。查询时，用同样的方法编码查询，索引返回最接近的段落，"
    "通常还会和关键词排序的结果融合，因为名称、编号和生僻词仍然需要精确匹配。"
    "整个流程的质量取决于编码器：它是怎样训练的，见过哪些语言，输入可以有多长，输出是否归一化。"
    "超过最大序列长度的输入会被截断，也就是说长段落的结尾对它的嵌入没有任何贡献。"
    "评估这样的系统通常依靠标注过的查询集合，由标注人员指出哪些段落回答了哪些问题。"
)

SENTENCES = [
    # English
    "The quick brown fox jumps over the lazy dog.",
    "A fast auburn fox leaps over a sleepy hound.",
    "How do I reset my password?",
    "Steps to recover a forgotten account password",
    "The stock market fell sharply after the announcement.",
    "Photosynthesis converts light energy into chemical energy.",
    "What is the capital of France?",
    "Paris is the capital and largest city of France.",
    "I love eating pizza with my friends on Friday nights.",
    "Quantum computers use qubits instead of classical bits.",
    "hello",
    "HELLO WORLD!!!",
    # Chinese, simplified and traditional
    "今天天气很好。",
    "北京是中华人民共和国的首都。",
    "机器学习是人工智能的一个分支。",
    "我喜欢和朋友一起吃火锅。",
    "请问最近的地铁站在哪里？",
    "中文分词是自然语言处理中的基础任务之一。",
    "臺灣的資訊科技產業發達。",
    "這是一個關於語義搜尋的範例。",
    # mixed Chinese / English
    "我喜欢用Python写代码",
    "iPhone 15 Pro的价格是多少？",
    "使用BERT模型进行embedding",
    "kbseek是一个bilingual search engine",
    "北京Beijing上海Shanghai",
    "深度学习deep learning与机器学习machine learning",
    # odd input
    "",
    "   \t\n  ",
    "café naïve Ångström",
    "ＡＢＣ１２３，。！",
    "😀👍🏽👨‍👩‍👧‍👦",
    "[MASK] is a special token",
    "https://www.example.com/search?q=向量&lang=zh",
    "int main() { return 0; }",
    # long: truncated at max_seq_length
    LONG_EN,
    LONG_ZH,
    LONG_EN + " " + LONG_ZH,
]


def boundary_cases(tok, max_seq_length):
    """Texts of exactly max_seq_length and max_seq_length + 1 ids untruncated."""
    out = []
    for n in (max_seq_length, max_seq_length + 1):
        words = ["word"] * (n - 2)  # "word" is one vocabulary entry; plus [CLS] [SEP]
        text = " ".join(words)
        assert len(tok(text, truncation=False)["input_ids"]) == n
        out.append(text)
    return out


def fmt(x):
    return float("%.7g" % x)


def numpy_reference(model_dir, ids):
    """Mean-pooled, L2-normalised BERT embedding, computed in float64."""
    import numpy as np
    from safetensors.numpy import load_file

    global _W, _CFG
    if "_W" not in globals():
        _W = {k: v.astype(np.float64) for k, v in load_file(os.path.join(model_dir, "model.safetensors")).items()}
        _CFG = json.load(open(os.path.join(model_dir, "config.json")))
    w, cfg = _W, _CFG
    p = "" if "embeddings.word_embeddings.weight" in w else "bert."
    eps = cfg["layer_norm_eps"]
    heads = cfg["num_attention_heads"]

    def ln(x, name):
        mu = x.mean(-1, keepdims=True)
        var = ((x - mu) ** 2).mean(-1, keepdims=True)
        return (x - mu) / np.sqrt(var + eps) * w[name + ".weight"] + w[name + ".bias"]

    def lin(x, name):
        return x @ w[name + ".weight"].T + w[name + ".bias"]

    from math import erf, sqrt
    verf = np.vectorize(erf)
    ids = np.array(ids)
    n = len(ids)
    x = (w[p + "embeddings.word_embeddings.weight"][ids]
         + w[p + "embeddings.position_embeddings.weight"][:n]
         + w[p + "embeddings.token_type_embeddings.weight"][0])
    x = ln(x, p + "embeddings.LayerNorm")
    hs = x.shape[1]
    d = hs // heads
    for i in range(cfg["num_hidden_layers"]):
        L = p + "encoder.layer.%d." % i
        q = lin(x, L + "attention.self.query").reshape(n, heads, d).transpose(1, 0, 2)
        k = lin(x, L + "attention.self.key").reshape(n, heads, d).transpose(1, 0, 2)
        v = lin(x, L + "attention.self.value").reshape(n, heads, d).transpose(1, 0, 2)
        s = q @ k.transpose(0, 2, 1) / np.sqrt(d)
        s = np.exp(s - s.max(-1, keepdims=True))
        s /= s.sum(-1, keepdims=True)
        a = (s @ v).transpose(1, 0, 2).reshape(n, hs)
        x = ln(x + lin(a, L + "attention.output.dense"), L + "attention.output.LayerNorm")
        h = lin(x, L + "intermediate.dense")
        h = 0.5 * h * (1.0 + verf(h / sqrt(2.0)))  # exact (erf) GELU: hidden_act "gelu"
        x = ln(x + lin(h, L + "output.dense"), L + "output.LayerNorm")
    e = x.mean(0)  # mean over all tokens, [CLS] and [SEP] included (no padding here)
    return e / max(np.linalg.norm(e), 1e-12)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default=os.path.join(REPO, "models", "all-minilm-l6-v2"))
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()

    import numpy as np
    import sentence_transformers
    import tokenizers
    import torch
    import transformers
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(0)
    model = SentenceTransformer(args.model, device="cpu")
    model.eval()
    max_len = model.max_seq_length
    tok = model.tokenizer

    texts = SENTENCES + boundary_cases(tok, max_len)
    rows = []
    worst = 0.0
    for text in texts:
        features = model.tokenize([text])
        ids = features["input_ids"][0].tolist()
        emb = model.encode([text], batch_size=1, normalize_embeddings=True,
                           convert_to_numpy=True)[0]
        ref = numpy_reference(args.model, ids)
        diff = float(np.abs(emb.astype(np.float64) - ref).max())
        worst = max(worst, diff)
        if diff > 1e-5:
            raise SystemExit(f"numpy reference disagrees by {diff:.2e} on {text[:60]!r}")
        rows.append({"text": text, "ids": ids, "embedding": [fmt(v) for v in emb.tolist()]})

    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w", encoding="utf-8", newline="\n") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} embeddings to {args.out}")
    print(f"max |sentence-transformers - numpy float64| = {worst:.2e}")
    print(f"max_seq_length={max_len} torch={torch.__version__} "
          f"sentence-transformers={sentence_transformers.__version__} "
          f"transformers={transformers.__version__} tokenizers={tokenizers.__version__} "
          f"numpy={np.__version__}")


if __name__ == "__main__":
    main()
