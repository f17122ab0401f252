#!/usr/bin/env python3
"""Writes the BPE parity fixtures for EmbeddingGemma's tokenizer.json.

  tests/data/encoder/gemma_tokenizer_fixture.jsonl  hand-written cases (>= 300)
  tests/data/encoder/gemma_tokenizer_sweep.jsonl    every BMP code point (surrogates
      excluded) and every 7th code point of planes 1, 2 and 14, in strings of 64

Each line is {"text", "ids"}: Tokenizer.from_file(tokenizer.json).encode(text).ids
from the PyPI `tokenizers` package (add_special_tokens=True, so <bos> ... <eos>).
The C++ BpeTokenizer must match every line.

Run once (the output is committed):
    python3 -m venv /tmp/ref && /tmp/ref/bin/pip install tokenizers
    /tmp/ref/bin/python tests/encoder/gen_bpe_fixture.py [--tokenizer models/embeddinggemma-300m/tokenizer.json]
Written with tokenizers 0.23.3.
"""
import argparse
import json
import os
import random

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DATA = os.path.join(REPO, "tests", "data", "encoder")

BASE = [
    "", " ", "  ", "\t", "\n", "\n\n", "\n\n\n\n\n", " \n ", "a", "A", "ab", "the", " the", "the ",
    "Hello, world!", "Hello,  world!", "hello\tworld", "hello\nworld", "HELLO WORLD", "CamelCaseIdentifier",
    "snake_case_identifier", "kebab-case-identifier", "e-mail: someone@example.com", "https://example.com/a/b?c=d&e=f#g",
    "C:\\Users\\name\\file.txt", "/usr/local/bin/kbseek --index idx", "1234567890", "3.14159", "-42", "1,000,000",
    "2025-09-17T14:30:00Z", "$12.50", "¥120,000", "€9,99", "95%", "1e-6", "0x1F600", "v1.2.3-rc1", "CUDA 11.6", "A100",
    "RFC 9110", "nroff", "GPT-4o", "ISO 8601", "数据库", "数据库怎么恢复", "如何申请年假？", "差旅费用报销需要哪些材料",
    "北京是中华人民共和国的首都。", "检索增强生成把检索器和语言模型结合在一起。", "我爱自然语言处理", "今天天气很好，我们去公园散步吧！",
    "员工应在费用发生后30天内提交报销单，逾期不予受理。", "《红楼梦》是中国古典四大名著之一。", "他说：“你好！”", "第一、第二、第三",
    "資料庫", "資料庫備份與還原的步驟", "員工請假需要提前幾天申請？", "臺灣的繁體中文與簡體中文", "軟體開發與硬體設計", "這個問題很複雜。",
    "中文English混合text", "用 Python 读取 JSON 文件：json.load(f)", "CUDA 11.6 与 A100 显卡的兼容性", "请把 README.md 翻译成英文",
    "GPU显存不足(out of memory)怎么办", "版本v2.0发布于2025年1月15日", "价格：¥12万，折扣95%", "联系 support@kbseek.io 获取帮助",
    "ＦＵＬＬ－ＷＩＤＴＨ", "ｌｅｔｔｅｒｓ　１２３", "全角：ＡＢＣ１２３！？", "（括号）【方括号】「引号」", "，。；：！？", "　全角空格　",
    "😀", "🎉👍🏽", "👨‍👩‍👧‍👦", "🇨🇳🇺🇸🇯🇵", "❤️", "✅ done", "emoji 🎉👍🏽 and flags 🇨🇳🇺🇸 in text 😀", "🙂🙃🙂🙃",
    "Ünïcödé àccents", "naïve café", "Straße", "Ελληνικά", "Русский язык", "日本語のテキスト", "한국어 텍스트", "ภาษาไทย", "العربية",
    "עברית", "हिन्दी", "Tiếng Việt", "ǅ ǈ ǋ", "ﬁ ﬂ", "Å Å", "é é", "\u00a0nbsp\u00a0", "zero\u200bwidth", "soft\u00adhyphen",
    "bidi\u202eoverride", "\x00null", "\x07bell\x1b[0m", "\ufeffbom", "\U0001F9EC dna", "\U00020000 ext-b", "\U0002A6D6", "\U000E0041 tag",
    "\uE000 private use", "\uFFFD replacement", "<bos>", "<eos>", "<pad>", "<unk>", "<mask>", "<start_of_turn>user\nhi<end_of_turn>",
    "<unused5>", "<unused99>x", "text<bos>text", "<table><tr><td>cell</td></tr></table>", "<div class=\"a\">x</div>", "<b>bold</b>",
    "<br/>", "[multimodal]", "< bos >", "<bos", "bos>", "▁", "▁▁", "▁▁▁hello", "a▁b", "\u2581\u2581 mixed", "    four spaces",
    "trailing   ", "   leading", "a  b   c    d", "tab\t\tsep", "line\r\nbreak", "\r", "a\n\n\nb", "x\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\n\ny",
    "def main():\n    print('hello, world')\n", "int main() { return 0; }", "#include <vector>\nstd::vector<int> v{1, 2, 3};",
    "for (size_t i = 0; i < n; ++i) { sum += x[i]; }", "{\"id\": \"kb-004\", \"title\": \"差旅\", \"n\": [1, 2.5, null]}",
    "SELECT id, title FROM docs WHERE lang = 'zh' ORDER BY ts DESC LIMIT 10;", "x = a if b else c  # comment", "λx. x + 1",
    "a+b=c", "a*b/c-d", "if (a && b || !c) {}", "<?php echo $x; ?>", "```python\nprint(1)\n```", "| a | b |\n|---|---|", "- item\n- item",
    "# Heading\n\nParagraph.", "**bold** _italic_ `code`", "\\frac{a}{b}", "∑ᵢ xᵢ² ≤ ∞", "→ ← ↑ ↓", "©®™", "½ ¼ ¾", "Ⅻ", "①②③",
    "task: search result | query: 数据库", "title: none | text: Berlin", "Semantic search maps queries and documents into a shared space.",
    "The quick brown fox jumps over the lazy dog.", "Retrieval-augmented generation combines a retriever with a language model.",
    "pneumonoultramicroscopicsilicovolcanoconiosis", "antidisestablishmentarianism", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    "哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈哈", "!!!!!!!!!!!!!!!!", "................", "----------------", "================",
    "the the the the the", "I'm", "don't", "it's", "we'll", "they've", "O'Reilly", "rock 'n' roll", "\"quoted\"", "'single'",
]


def long_cases():
    rnd = random.Random(7)
    zh = "语义检索把查询和文档映射到同一个向量空间，使意思相近的文本即使没有共同的词语也能彼此靠近。"
    en = "Semantic search maps queries and documents into a shared vector space so that similar texts end up close. "
    cases = [zh * 200, en * 100, (zh + en) * 40, "數據庫與資料庫" * 500, " ".join(["word"] * 3000),
             "".join(chr(rnd.randint(0x4E00, 0x9FFF)) for _ in range(4000)),
             "".join(rnd.choice("abc def\n\t,.!") for _ in range(5000)), "\n".join([en] * 50), "🎉" * 1000]
    for _ in range(110):  # random mixtures of scripts, punctuation, whitespace and specials
        pool = [zh[rnd.randint(0, len(zh) - 4):][:4], en.split()[rnd.randint(0, 15)], " ", "  ", "\n", "\t", "，", "。",
                "123", "ＡＢ", "🎉", "<bos>", "<b>", "▁", "é", "\u0301", "🇨🇳", "_", "-", "'s"]
        cases.append("".join(rnd.choice(pool) for _ in range(rnd.randint(5, 80))))
    return cases


def sweep():
    cps = [c for c in range(0x20, 0x10000) if not 0xD800 <= c <= 0xDFFF]
    cps += list(range(0x10000, 0x30000, 7)) + list(range(0xE0000, 0xE0080))
    return ["".join(chr(c) for c in cps[i:i + 64]) for i in range(0, len(cps), 64)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenizer", default=os.path.join(REPO, "models", "embeddinggemma-300m", "tokenizer.json"))
    args = ap.parse_args()
    from tokenizers import Tokenizer
    tok = Tokenizer.from_file(args.tokenizer)
    for name, texts in (("gemma_tokenizer_fixture.jsonl", BASE + long_cases()), ("gemma_tokenizer_sweep.jsonl", sweep())):
        with open(os.path.join(DATA, name), "w", encoding="utf-8") as f:
            for t in texts:
                f.write(json.dumps({"text": t, "ids": tok.encode(t).ids}, ensure_ascii=False) + "\n")
        print(name, len(texts))


if __name__ == "__main__":
    main()
