#!/usr/bin/env python3
"""Writes tests/data/encoder/qwen2_tokenizer_cases.jsonl, the parity fixture of
BpeTokenizer::from_vocab on Qwen 2.5's GGUF tokenizer (tests/encoder/qwen_tokenizer_test.cc).

The reference is transformers' own GGUF loader:
    AutoTokenizer.from_pretrained(models/qwen2.5-0.5b-instruct, gguf_file="model.gguf")
Lines:
  {"meta": {...}}                                     first: versions, the GGUF's bos/eos/pad ids
                                                      and add_bos_token, the added tokens
  {"text": s, "ids": [...]}                           tok.encode(s, add_special_tokens=False)
  {"text": s, "ids": [...], "ids_special": [...]}     and with add_special_tokens=True (a few)
  {"messages": [...], "add_generation_prompt": b,     tok.apply_chat_template(messages,
   "text": rendered, "ids": [...]}                      tokenize=False) and its ids

Run once (the output is committed):
    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install transformers tokenizers gguf numpy jinja2 torch
    /tmp/ref/bin/python tests/encoder/gen_qwen_tokenizer_fixture.py [--model-dir models/qwen2.5-0.5b-instruct]
(torch only because transformers' GGUF reader imports it; tokenising needs none of it.)
Written with transformers 5.25.0, tokenizers 0.23.3.
"""
import argparse
import json
import os
import random

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
OUT = os.path.join(REPO, "tests", "data", "encoder", "qwen2_tokenizer_cases.jsonl")

BASE = [
    # empty, whitespace runs, and the \s+(?!\S) backtracking
    "", " ", "  ", "   ", "\t", "\n", "\r", "\r\n", "\n\n", "\n\n\n\n\n", " \n ", "\t\t", " \t \t", "\n \n",
    "a b", "a  b", "a   b", "a    b", "a\tb", "a\t\tb", "a \tb", "a\t b", "a\nb", "a\n b", "a \nb", "a \n b",
    "a\n\n  b", "a  \n\n  b", "a\r\n\r\nb", "a \r\n b", "trailing   ", "trailing\n", "trailing \n ", "   leading",
    "\n\nleading newlines", "  \n  \n  x", "x\u3000y", "x\u3000\u3000y", "\u00a0nbsp\u00a0", "x\u00a0 y", "x \u00a0y",
    "x\u2028y", "x\u2029y", "x\u0085y", "x\x0by\x0cz", "x\x1cy\x1fz", "x \u200by", "tab\tsep\tvalues\n1\t2\t3\n",
    "    four spaces", "line\r\nbreak\r\n", "a\n\n\nb", "x" + "\n" * 40 + "y", " " * 33 + "deep indent",
    # contractions in every case, and near misses
    "I'm", "I'M", "don't", "DON'T", "it's", "IT'S", "we'll", "WE'LL", "We'Ll", "they've", "THEY'VE", "you're",
    "YOU'RE", "you'Re", "he'd", "HE'D", "'s", "'S", "'t", "'re", "'ve", "'m", "'ll", "'LL", "'d", "'D", "'x", "'",
    "''", "'''s", "'ss", "'sa", "'lla", "'l", "'r", "'v", "'ſ", "cat'ſ", "O'Reilly", "rock 'n' roll", "'quoted'",
    "\"double\"", "it’s", "Bob's car's door", "JOHN'S", "l'amour", "aujourd'hui", "'123", "x'1", "'\n", "' s",
    # letters and marks, numbers
    "Hello, world!", "Hello world", " Hello world", "HELLO WORLD", "CamelCaseIdentifier", "snake_case_identifier",
    "kebab-case-identifier", "naïve café", "Ünïcödé àccents", "Straße", "Ελληνικά", "Русский язык", "ภาษาไทย",
    "हिन्दी", "العربية", "עברית", "Tiếng Việt", "ǅ ǈ ǋ", "ﬁ ﬂ", "1234567890", "12345678901234567890123456789012",
    "3.14159265358979323846", "-42", "+1", "1,000,000", "1_000_000", "1e-6", "0x1F600", "v1.2.3-rc1", "2025-09-17T14:30:00Z",
    "$12.50", "¥120,000", "€9,99", "95%", "①②③", "Ⅻ", "½ ¼ ¾", "²³", "٠١٢٣", "१२३", "〇一二", "x²+y²", "A100", "CUDA 11.6",
    # Chinese, Japanese, Korean, mixed
    "数据库", "数据库怎么恢复", "如何申请年假？", "差旅费用报销需要哪些材料", "北京是中华人民共和国的首都。",
    "检索增强生成把检索器和语言模型结合在一起。", "今天天气很好，我们去公园散步吧！", "员工应在费用发生后30天内提交报销单，逾期不予受理。",
    "《红楼梦》是中国古典四大名著之一。", "他说：“你好！”", "資料庫備份與還原的步驟", "員工請假需要提前幾天申請？",
    "日本語のテキスト", "カタカナとひらがな", "한국어 텍스트", "中文English混合text", "用 Python 读取 JSON 文件：json.load(f)",
    "CUDA 11.6 与 A100 显卡的兼容性", "请把 README.md 翻译成英文", "GPU显存不足(out of memory)怎么办", "版本v2.0发布于2025年1月15日",
    "价格：¥12万，折扣95%", "联系 support@kbseek.io 获取帮助", "我爱NLP和LLM", "第3章第12节",
    # full-width forms and punctuation
    "ＦＵＬＬ－ＷＩＤＴＨ", "ｌｅｔｔｅｒｓ　１２３", "全角：ＡＢＣ１２３！？", "（括号）【方括号】「引号」", "，。；：！？", "　全角空格　",
    "……——", "～～～", "、、、", "“”‘’", "『』〈〉", "！！！\n\n", "？\r\n",
    # punctuation runs with line breaks (" ?[^\s\p{L}\p{N}]+[\r\n]*")
    "!!!", " !!!", "!!!\n", "!!!\n\n\nx", " ...\n", "a.\nb", "a. \nb", "end.\r\n\r\n", "(foo)", " (foo)", "[x]", "{a:b}",
    "a+b=c", "a*b/c-d", "if (a && b || !c) {}", "->", "=>", "::", "!=", "<=>", "...", "----------------", "================",
    "@@@", "#!/bin/sh", "~/path", "C:\\Users\\name\\file.txt", "https://example.com/a/b?c=d&e=f#g", "e-mail: someone@example.com",
    # code
    "def main():\n    print('hello, world')\n", "class Foo(Bar):\n\tdef __init__(self, x=1):\n\t\tself.x = x\n",
    "import numpy as np\nx = np.zeros((3, 4), dtype=np.float32)\n", "lambda x: x ** 2  # square",
    "int main() { return 0; }", "#include <vector>\nstd::vector<int> v{1, 2, 3};",
    "for (size_t i = 0; i < n; ++i) {\n    sum += x[i];\n}\n", "template <typename T>\nT max(T a, T b) { return a > b ? a : b; }",
    "std::unique_ptr<Foo> p = std::make_unique<Foo>();", "auto [id, len] = m.added.longest(text, pos);",
    "{\"id\": \"kb-004\", \"title\": \"差旅\", \"n\": [1, 2.5, null], \"ok\": true}", "{\n  \"a\": {\n    \"b\": [1, 2]\n  }\n}",
    "SELECT id, title FROM docs WHERE lang = 'zh' ORDER BY ts DESC LIMIT 10;", "INSERT INTO t (a, b) VALUES (1, 'x''y');",
    "CREATE TABLE IF NOT EXISTS docs (id INTEGER PRIMARY KEY, body TEXT NOT NULL);", "<div class=\"a\">x</div>",
    "```python\nprint(1)\n```", "| a | b |\n|---|---|", "- item\n- item", "# Heading\n\nParagraph.", "**bold** _italic_ `code`",
    "\\frac{a}{b}", "∑ᵢ xᵢ² ≤ ∞", "λx. x + 1", "x := y ?? z", "$ ls -la | grep '.cc'", "0.5f*x+1e-3",
    # emoji and ZWJ sequences
    "😀", "🎉👍🏽", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇨🇳🇺🇸🇯🇵", "❤️", "✅ done", "emoji 🎉👍🏽 and flags 🇨🇳🇺🇸 in text 😀", "🙂🙃🙂🙃", "a😀b",
    " 😀", "😀\n", "👩🏽‍💻 coding", "1️⃣2️⃣", "\U0001F9EC dna", "\U00020000 ext-b", "\U000E0041 tag", "\uE000 private use",
    # special tokens written in the text, and near misses
    "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<|im_start|>user\nhi<|im_end|>", "<|im_start|><|im_end|>",
    "text<|endoftext|>text", " <|im_end|> ", "<|im_start", "im_start|>", "< |im_start|>", "<|IM_START|>", "<<|im_end|>>",
    "<tool_call>", "</tool_call>", "<tool_call>{\"name\": \"f\"}</tool_call>", "<|fim_prefix|>a<|fim_suffix|>b<|fim_middle|>",
    "<|vision_start|><|image_pad|><|vision_end|>", "<|repo_name|>kbseek<|file_sep|>main.cc", "<|object_ref_start|>",
    "[PAD151665]", "<|box_start|>(1,2)<|box_end|>", "<s>", "</s>", "<unk>", "<pad>", "<|im_start|>system\nYou are Qwen.",
    # text that looks like bytes or like the byte-level alphabet
    "Ġthe", "ĠĠ", "Ċ", "ĊĠ", "Ã©", "Ã¤Ã¶Ã¼", "Ã¦Â°Â´", "ä½łå¥½", "\u0080\u0081\u009f", "\u00ff\u00fe", "\u0100\u0120\u0143",
    "\u00ad", "soft\u00adhyphen", "\ufffd", "\ufffd\ufffd", "\ufeffbom", "\x00null", "\x07bell\x1b[0m", "\x7f", "zero\u200bwidth",
    "bidi\u202eoverride", "\u200d", "a\u200db", "\\x80\\xff", "%E4%BD%A0", "&#x4F60;", "\\u4f60",
    # text that NFC would change (the GGUF tokenizer does not normalise)
    "e\u0301", "cafe\u0301", "A\u030a", "\u212b", "\u1100\u1161", "\uf900", "\u2126", "n\u0303o", "\u0958",
    # longer prose
    "Semantic search maps queries and documents into a shared space.", "The quick brown fox jumps over the lazy dog.",
    "Retrieval-augmented generation combines a retriever with a language model.", "pneumonoultramicroscopicsilicovolcanoconiosis",
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈", "!!!!!!!!!!!!!!!!", "................",
    "the the the the the", "Is the query relevant to the document? Answer yes or no.",
    "Query: 如何申请年假？\nDocument: 员工应提前三天在系统中提交年假申请。\nRelevant:",
]


def long_cases():
    rnd = random.Random(11)
    zh = "语义检索把查询和文档映射到同一个向量空间，使意思相近的文本即使没有共同的词语也能彼此靠近。"
    en = "Semantic search maps queries and documents into a shared vector space so that similar texts end up close. "
    code = "def f(x):\n    return x * 2  # doubles\n\n"
    cases = [zh * 12, en * 8, (zh + en) * 4, code * 6, " ".join(["word"] * 200), "\n".join([en] * 5),
             "".join(chr(rnd.randint(0x4E00, 0x9FFF)) for _ in range(300)), "🎉" * 60, "1" * 200, " " * 100 + "x"]
    # Random mixtures aimed at the split pattern's edges: whitespace kinds before letters,
    # punctuation before line breaks, contractions, numbers, specials.
    pool = ["a", "Z", "word", "ſ", "é", "\u0301", "一", "中文", "ア", "1", "42", "٣", "½", " ", "  ", "\t", "\n", "\r",
            "\r\n", "\u3000", "\u00a0", "\u0085", "\u2028", "\x0b", "\x1c", "'", "'s", "'S", "'ll", "'LL", "'re", ".", "!",
            "?!", "，", "。", "(", ")", "-", "_", "🎉", "👍🏽", "‍", "<|im_end|>", "<|im_start|>", "<tool_call>", "Ġ", "Ċ"]
    for _ in range(150):
        cases.append("".join(rnd.choice(pool) for _ in range(rnd.randint(3, 40))))
    return cases


CHATS = [
    ([{"role": "system", "content": "You judge whether a document answers a query. Answer yes or no."},
      {"role": "user", "content": "Query: 如何申请年假？\nDocument: 员工应提前三天在系统中提交年假申请。"}], True),
    ([{"role": "user", "content": "Hello! What's 2+2?"}], True),
    ([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"},
      {"role": "assistant", "content": "Hello."}, {"role": "user", "content": "数据库怎么恢复？"},
      {"role": "assistant", "content": "Restore from the last backup.\n\n  Then replay the log."}], False),
    ([{"role": "user", "content": "weather?"}, {"role": "tool", "content": "{\"t\": 21}"},
      {"role": "tool", "content": "{\"rain\": false}"}, {"role": "system", "content": "late system"}], True),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model-dir", default=os.path.join(REPO, "models", "qwen2.5-0.5b-instruct"))
    args = ap.parse_args()
    import tokenizers
    import transformers
    from transformers import AutoTokenizer
    tok = AutoTokenizer.from_pretrained(args.model_dir, gguf_file="model.gguf")
    backend = json.loads(tok.backend_tokenizer.to_str())
    meta = {
        "transformers": transformers.__version__, "tokenizers": tokenizers.__version__,
        "bos_token": tok.bos_token, "eos_token": tok.eos_token, "pad_token": tok.pad_token,
        "add_bos_token": bool(getattr(tok, "add_bos_token", False)),
        "normalizer": backend.get("normalizer"), "pre_tokenizer": backend.get("pre_tokenizer"),
        "added_tokens": {t["content"]: t["id"] for t in backend["added_tokens"]},
        "vocab_size": len(tok),
    }
    texts = BASE + long_cases()
    assert len(set(texts)) >= 300, len(set(texts))
    with open(OUT, "w", encoding="utf-8") as f:
        f.write(json.dumps({"meta": meta}, ensure_ascii=False) + "\n")
        for i, t in enumerate(texts):
            row = {"text": t, "ids": tok.encode(t, add_special_tokens=False)}
            if i % 25 == 0:
                row["ids_special"] = tok.encode(t, add_special_tokens=True)
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
        for messages, gen in CHATS:
            text = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=gen)
            row = {"messages": messages, "add_generation_prompt": gen, "text": text,
                   "ids": tok.encode(text, add_special_tokens=False)}
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(OUT, len(texts), "texts,", len(CHATS), "chats,", os.path.getsize(OUT), "bytes")


if __name__ == "__main__":
    main()
