#!/usr/bin/env python3
"""Writes tests/data/encoder/gemma_golden.jsonl: reference EmbeddingGemma-300M embeddings.

Each line is {"text", "kind", "ids", "embedding"}: kind is "query" or
"passage"; ids are the token ids sentence-transformers fed the model (the
prompt of config_sentence_transformers.json — "task: search result | query: "
or "title: none | text: " — then the text, with <bos> and <eos>); embedding is
the 768 floats of
    SentenceTransformer(model_dir, device="cpu").encode(text, prompt_name=P,
                                                       normalize_embeddings=True)
with P = "query" or "document", in fp32, one text at a time (no padding),
written with 9 significant digits. Two long passages (about 900 and 1,800
tokens) make the sliding-window layers (window 512) see keys out of reach,
so the window rule is checked too.

Run once (the output is committed):
    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install torch sentence-transformers
    KBSEEK_WITH_GEMMA=1 bash scripts/setup.sh        # models/embeddinggemma-300m
    /tmp/ref/bin/python tests/encoder/gemma/gen_gemma_golden.py [--model models/embeddinggemma-300m]
Written with torch 2.15.0 (CPU), transformers 5.25.0, sentence-transformers 6.3.0.
"""
import argparse
import json
import os

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
OUT = os.path.join(REPO, "tests", "data", "encoder", "gemma_golden.jsonl")

SHORT = [
    "数据库怎么恢复",
    "如何申请年假？",
    "差旅费用报销需要哪些材料",
    "員工請假需要提前幾天申請？",
    "資料庫備份與還原的步驟",
    "How do I restore the database from a backup?",
    "What is the reimbursement policy for travel expenses?",
    "The quick brown fox jumps over the lazy dog.",
    "Which GPU does the A100 cluster use for training?",
    "CUDA 11.6 与 A100 显卡的兼容性",
    "用 Python 读取 JSON 文件：json.load(f)",
    "ＦＵＬＬ－ＷＩＤＴＨ　ｌｅｔｔｅｒｓ　１２３",
    "emoji 🎉👍🏽 and flags 🇨🇳🇺🇸 in text 😀",
    "北京是中华人民共和国的首都。",
    "Berlin is the capital of Germany.",
    "2025年9月17日 at 14:30, ¥12万 budget, 95% uptime",
    "def main():\n    print('hello, world')\n",
    "   leading and trailing spaces   ",
    "a",
    "一",
    "Retrieval-augmented generation combines a retriever with a language model.",
    "检索增强生成把检索器和语言模型结合在一起。",
    "SELECT id, title FROM docs WHERE lang = 'zh' ORDER BY ts DESC LIMIT 10;",
    "Ünïcödé àccents, naïve café, Straße",
]

LONG_EN = (
    "Semantic search maps queries and documents into a shared vector space so that texts with "
    "similar meaning end up close together even when they share no words. A retriever first "
    "encodes every passage of the knowledge base once, stores the vectors in an index, and at "
    "query time encodes the question and looks up its nearest neighbours. Lexical retrieval such "
    "as BM25 remains a strong baseline for rare identifiers, product codes and names, which is "
    "why hybrid systems fuse both lists. "
)
LONG_ZH = (
    "语义检索把查询和文档映射到同一个向量空间，使意思相近的文本即使没有共同的词语也能彼此靠近。"
    "检索器先把知识库中的每个段落编码一次并存入索引，查询时再把问题编码并查找最近的邻居。"
    "像 BM25 这样的词法检索对罕见的标识符、产品编号和名称依然很强，所以混合系统会融合两种结果。"
)


def texts():
    out = []
    for t in SHORT:
        out.append((t, "query"))
        out.append((t, "passage"))
    out.append(((LONG_EN + LONG_ZH) * 5, "passage"))    # ~900 tokens
    out.append(((LONG_ZH + LONG_EN) * 10, "passage"))   # ~1,800 tokens
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=os.path.join(REPO, "models", "embeddinggemma-300m"))
    ap.add_argument("--out", default=OUT)
    args = ap.parse_args()
    import torch
    from sentence_transformers import SentenceTransformer

    torch.manual_seed(0)
    model = SentenceTransformer(args.model, device="cpu", model_kwargs={"torch_dtype": torch.float32})
    model.eval()
    tok = model.tokenizer
    prompts = model.prompts
    with open(args.out, "w", encoding="utf-8") as f:
        for text, kind in texts():
            prompt_name = "query" if kind == "query" else "document"
            ids = tok(prompts[prompt_name] + text, add_special_tokens=True)["input_ids"]
            with torch.no_grad():
                emb = model.encode(text, prompt_name=prompt_name, normalize_embeddings=True,
                                   convert_to_numpy=True)
            f.write(json.dumps({"text": text, "kind": kind, "ids": ids,
                                "embedding": [float(f"{x:.9g}") for x in emb.tolist()]},
                               ensure_ascii=False) + "\n")
            print(kind, len(ids), text[:40].replace("\n", " "))


if __name__ == "__main__":
    main()
