#!/usr/bin/env python3
"""Builds the re-ranking prompts for the Qwen2 golden file, and merges llama.cpp's answers into it.

Two steps, both run by gen_llama_golden.sh:

  prompts  pairs the hand-written queries below (18 Chinese, 18 English) with
           passages from the project's own sample knowledge base,
           app/sample/bilingual_sample.jsonl (30 short documents, Chinese and
           English, written for kbseek), and writes one JSON line per pair with
           the ChatML prompt below:
             - each of the first 32 queries with the document it is aimed at
               (relevant) and with one other document (non-relevant): for
               every other query a near miss from the same topic group, for
               the rest a random document from another group; the negative is
               in the same language as the relevant document and is never the
               relevant document's translation;
             - 8 of the queries cross languages (a Chinese question answered by
               an English document, or the reverse);
             - 4 long-passage pairs: 7 to 9 sample texts of one language joined
               into one passage (prompts of about 450-600 tokens), two that
               contain the answering text and two that do not.
  merge    joins those lines with llama_golden's output into
           tests/data/encoder/llm/qwen2.5-0.5b-rerank-golden.jsonl and writes
           its .meta.json (template text, llama.cpp version, settings, sources,
           and the sanity numbers it prints: mean yes−no margin of relevant and
           non-relevant pairs, pairwise AUC, top-1 tokens seen).

The prompt is exactly
    <|im_start|>system\\n{SYSTEM}<|im_end|>\\n<|im_start|>user\\n{USER}<|im_end|>\\n<|im_start|>assistant\\n
with USER = "Query: {query}\\nPassage: {passage}\\nDoes the passage answer the query?"
(the constants below; the .meta.json repeats them so the C++ side can check
that it builds the same text). A passage is a sample document's "text" field,
unchanged (no title); a long passage is several of them joined by a blank
line. The choice is deterministic (hand-written lists, a seeded generator over
sorted ids), so rerunning gives the same pairs.

Every text in the fixture is the project's own: the sample documents and the
queries written here. No third-party data set is read.
"""
import argparse
import collections
import json
import os
import random
import re
import statistics
import sys

REPO = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
SAMPLE = "app/sample/bilingual_sample.jsonl"  # relative to the repository root
SEED = 20250806

# The template: one place, copied verbatim into the fixture's .meta.json.
SYSTEM = 'Judge whether the passage answers the query. Answer only "yes" or "no".'
USER = "Query: {query}\nPassage: {passage}\nDoes the passage answer the query?"
PROMPT = ("<|im_start|>system\n{system}<|im_end|>\n"
          "<|im_start|>user\n{user}<|im_end|>\n"
          "<|im_start|>assistant\n")

# Topic groups of the sample documents: a near miss comes from the relevant
# document's group, a random negative from any other group. The sample holds
# each topic twice, kb-(2k-1) and kb-(2k) being translations of each other
# (kb-025 is in traditional Chinese, its twin kb-026 in English).
GROUPS = {
    "it": ["kb-001", "kb-002", "kb-007", "kb-008", "kb-009", "kb-010", "kb-011", "kb-012",
           "kb-019", "kb-020", "kb-025", "kb-026"],      # VPN, CUDA, backups, security, search, DB timeouts
    "money": ["kb-003", "kb-004", "kb-017", "kb-018", "kb-027", "kb-028"],  # expenses, earnings, allowance
    "people": ["kb-005", "kb-006", "kb-021", "kb-022", "kb-023", "kb-024"],  # leave, onboarding, rooms
    "health": ["kb-013", "kb-014", "kb-015", "kb-016", "kb-029", "kb-030"],  # hypertension, diabetes, vaccines
}

# (query id, query, the sample document that answers it). Written for this
# fixture: questions a user of the sample knowledge base would type, each
# answered by one document (and its translation, which is never used as a
# negative). A "cross" comment marks a query whose document is in the other
# language.
QUERIES_ZH = [
    ("q-zh-01", "VPN 密码忘了怎么重置？", "kb-002"),
    ("q-zh-02", "差旅报销需要在多长时间内提交？", "kb-004"),
    ("q-zh-03", "病假连续超过几天需要医生证明？", "kb-005"),  # cross
    ("q-zh-04", "怎么在调度系统里申请 H100 GPU 节点？", "kb-008"),
    ("q-zh-05", "恢复一个 500 GB 的数据库大概要多久？", "kb-010"),
    ("q-zh-06", "发现客户数据可能泄露，应该在多长时间内上报？", "kb-012"),
    ("q-zh-07", "高血压患者应该先从哪些生活方式改起？", "kb-014"),
    ("q-zh-08", "吃二甲双胍恶心怎么办？", "kb-016"),
    ("q-zh-09", "2025 年第二季度营收同比增长了多少？", "kb-018"),
    ("q-zh-10", "知识库搜索是怎么找到相关文档的？", "kb-020"),
    ("q-zh-11", "新工程师入职后导师会带多长时间？", "kb-021"),  # cross
    ("q-zh-12", "会议室最多可以提前几天预订？", "kb-024"),
    ("q-zh-13", "应用连不上数据库、一直超时，应该怎么排查？", "kb-025"),  # simplified query, traditional text
    ("q-zh-14", "在家办公可以申请多少钱的显示器补贴？", "kb-028"),
    ("q-zh-15", "65 岁以上的老人建议打什么疫苗？", "kb-029"),  # cross
    ("q-zh-16", "公司这次股份回购的上限是多少？", "kb-017"),  # cross
]
QUERIES_EN = [
    ("q-en-01", "How many characters does a new VPN password need?", "kb-001"),
    ("q-en-02", "What is the hotel limit per night when I travel to a tier-one city?", "kb-003"),
    ("q-en-03", "Can I carry unused annual leave over to next year?", "kb-005"),
    ("q-en-04", "Which CUDA version and driver do our GPU servers use?", "kb-007"),
    ("q-en-05", "How far back can the production database be restored?", "kb-009"),
    ("q-en-06", "Am I allowed to send a customer's bank card number by e-mail?", "kb-011"),
    ("q-en-07", "Which medicines are first-line treatment for high blood pressure?", "kb-014"),  # cross
    ("q-en-08", "What are the common side effects of metformin?", "kb-015"),
    ("q-en-09", "What was the gross margin in the second quarter of 2025?", "kb-017"),
    ("q-en-10", "Can I search the knowledge base in Chinese?", "kb-019"),
    ("q-en-11", "By when should a new engineer finish their first code review?", "kb-022"),  # cross
    ("q-en-12", "What happens to a meeting room booking if nobody checks in?", "kb-023"),
    ("q-en-13", "What should I check first when an application gets database connection timeouts?",
     "kb-025"),  # cross (traditional Chinese)
    ("q-en-14", "How much of my internet bill is covered when I work from home?", "kb-027"),
    ("q-en-15", "How often do adults need a tetanus booster?", "kb-029"),
    ("q-en-16", "How long is my account locked after too many wrong VPN passwords?", "kb-002"),  # cross
]

# Long passages: (query id, query, the document that answers it, the documents
# joined into the passage, in this order). Relevant when the answering document
# (or its translation) is among them. About 450-600 prompt tokens.
LONG = [
    ("q-zh-17", "连续输错几次 VPN 密码账户会被锁定？", "kb-002",
     ["kb-004", "kb-010", "kb-018", "kb-002", "kb-030", "kb-024", "kb-016", "kb-012"]),
    ("q-zh-18", "一线城市出差住宿每晚最多能报销多少钱？", "kb-004",
     ["kb-006", "kb-008", "kb-014", "kb-020", "kb-022", "kb-025", "kb-028", "kb-012"]),
    ("q-en-17", "Which vaccines should travellers check before a trip, and how early?", "kb-029",
     ["kb-001", "kb-007", "kb-013", "kb-017", "kb-029", "kb-023", "kb-009", "kb-027", "kb-021"]),
    ("q-en-18", "How many days of paid annual leave do full-time staff get?", "kb-005",
     ["kb-003", "kb-011", "kb-015", "kb-019", "kb-021", "kb-026", "kb-009"]),
]

SOURCES = {
    "passages": f"{SAMPLE}: the 'text' field of its 30 documents (kb-001 .. kb-030), unchanged; "
                "written for kbseek and part of this repository, no third-party licence",
    "queries": "written by hand for this fixture in tests/encoder/llm/make_rerank_prompts.py "
               "(QUERIES_ZH, QUERIES_EN, LONG); part of this repository, no third-party licence",
}


def build_prompt(query, passage):
    return PROMPT.format(system=SYSTEM, user=USER.format(query=query, passage=passage))


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


CJK = re.compile(r"[\u4e00-\u9fff]")


def lang_of(text):
    return "zh" if CJK.search(text) else "en"


def twin(doc_id):
    """The translation of a sample document: kb-(2k-1) <-> kb-(2k)."""
    n = int(doc_id.split("-")[1])
    return f"kb-{n + 1 if n % 2 else n - 1:03d}"


def load_sample():
    docs = {d["id"]: d["text"] for d in read_jsonl(os.path.join(REPO, SAMPLE))}
    grouped = sorted(d for ids in GROUPS.values() for d in ids)
    if grouped != sorted(docs):
        sys.exit(f"{SAMPLE}: ids differ from GROUPS")
    for text in docs.values():
        if "<|" in text:
            sys.exit(f"{SAMPLE}: a text holds '<|', which would read as a special token")
    return docs


def group_of(doc_id):
    (g,) = [g for g, ids in GROUPS.items() if doc_id in ids]
    return g


def pick_negative(rel, near, docs, rng, uses):
    """A sample document in rel's language that is neither rel nor its translation:
    from rel's topic group when near, else from another group; the least used so far."""
    lang = lang_of(docs[rel])
    same = set(GROUPS[group_of(rel)])
    cands = sorted(d for d in docs if d not in (rel, twin(rel)) and lang_of(docs[d]) == lang
                   and ((d in same) == near))
    fewest = min(uses[d] for d in cands)
    choice = rng.choice([d for d in cands if uses[d] == fewest])
    uses[choice] += 1
    return choice


def cmd_prompts(args):
    docs = load_sample()
    rng = random.Random(SEED)
    uses = collections.Counter()
    records = []

    def add(lang, qid, query, doc_id, passage, rel, negative):
        if "<|" in query:
            sys.exit(f"{qid}: the query holds '<|'")
        records.append({
            "id": f"{lang}{sum(r['lang'] == lang for r in records):02d}",
            "lang": lang,
            "passage_lang": lang_of(passage),
            "source": SAMPLE,
            "query_id": qid,
            "doc_id": doc_id,
            "negative": negative,
            "query": query,
            "passage": passage,
            "relevant": rel,
            "prompt": build_prompt(query, passage),
        })

    for lang, queries in (("zh", QUERIES_ZH), ("en", QUERIES_EN)):
        for i, (qid, query, rel) in enumerate(queries):
            if lang_of(query) != lang:
                sys.exit(f"{qid}: not a {lang} query")
            add(lang, qid, query, rel, docs[rel], True, None)
            near = i % 2 == 0
            neg = pick_negative(rel, near, docs, rng, uses)
            add(lang, qid, query, neg, docs[neg], False, "same topic" if near else "random")
    for qid, query, answer, parts in LONG:
        lang = lang_of(query)
        rel = answer in parts or twin(answer) in parts
        add(lang, qid, query, "+".join(parts), "\n\n".join(docs[d] for d in parts),
            rel, None if rel else "long, without the answer")
    with open(args.out, "w", encoding="utf-8") as f:
        for r in records:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    n_rel = sum(r["relevant"] for r in records)
    cross = sum(r["relevant"] and r["lang"] != r["passage_lang"] for r in records)
    print(f"{len(records)} prompts ({n_rel} relevant, {cross} of them across languages, "
          f"{len(LONG)} long) -> {args.out}", file=sys.stderr)


def cmd_merge(args):
    prompts = read_jsonl(args.prompts)
    results = read_jsonl(args.results)
    header = results[0]["header"]
    by_id = {r["id"]: r for r in results[1:]}
    if set(by_id) != {p["id"] for p in prompts}:
        sys.exit(f"{args.results}: ids differ from {args.prompts}")
    rows = []
    for p in prompts:
        r = by_id[p["id"]]
        row = {k: p[k] for k in ("id", "lang", "passage_lang", "source", "query_id", "doc_id",
                                 "query", "passage", "relevant", "prompt")}
        for k in ("tokens", "yes_id", "no_id", "logit_yes", "logit_no", "margin", "top5", "logits_head"):
            row[k] = r[k]
        row["top1_piece"] = r["top1_piece"]
        rows.append(row)

    stats = {}
    for group, sel in (("relevant", True), ("non_relevant", False)):
        m = [r["margin"] for r in rows if r["relevant"] == sel]
        stats[group] = {"n": len(m), "mean_margin": round(statistics.mean(m), 4),
                        "min_margin": min(m), "max_margin": max(m)}
    for lang in ("zh", "en"):
        for group, sel in (("relevant", True), ("non_relevant", False)):
            m = [r["margin"] for r in rows if r["relevant"] == sel and r["lang"] == lang]
            stats[f"{lang}_{group}_mean_margin"] = round(statistics.mean(m), 4)
    rel = [r["margin"] for r in rows if r["relevant"]]
    non = [r["margin"] for r in rows if not r["relevant"]]
    stats["pairwise_auc"] = round(sum((a > b) + 0.5 * (a == b) for a in rel for b in non) / (len(rel) * len(non)), 4)
    stats["top1_tokens"] = dict(collections.Counter(f"{r['top5'][0][0]} {r['top1_piece']!r}" for r in rows))
    stats["n_tokens"] = {"min": min(len(r["tokens"]) for r in rows), "max": max(len(r["tokens"]) for r in rows)}

    info = dict(kv.split("=", 1) for kv in args.info)
    meta = {
        "what": "next-token logits at the last prompt position of models/qwen2.5-0.5b-instruct/model.gguf "
                "(Q4_K_M; llama_cpp.gguf_name is the name its metadata gives), computed by llama.cpp "
                "on the CPU; see tests/encoder/llm/gen_llama_golden.sh",
        "template": {"system": SYSTEM, "user": USER, "prompt": PROMPT,
                     "note": "prompt.format(system=SYSTEM, user=USER.format(query=..., passage=...)); "
                             "tokenized with special tokens parsed, no BOS unless add_bos"},
        "pairs": "hand-written queries x sample documents; see the docstring of "
                 "tests/encoder/llm/make_rerank_prompts.py",
        "seed": SEED,
        "llama_cpp": header,
        "generation": info,
        "sources": SOURCES,
        "sanity": stats,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    meta_path = re.sub(r"\.jsonl$", ".meta.json", args.out)
    with open(meta_path, "w", encoding="utf-8") as f:
        json.dump(meta, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(json.dumps(stats, ensure_ascii=False, indent=1))
    print(f"{len(rows)} rows -> {args.out} ({os.path.getsize(args.out)} bytes), {meta_path}", file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("prompts", help="write the prompt lines")
    p.add_argument("--out", required=True)
    m = sub.add_parser("merge", help="join prompts and llama_golden output into the fixture")
    m.add_argument("--prompts", required=True)
    m.add_argument("--results", required=True)
    m.add_argument("--out", required=True)
    m.add_argument("--info", action="append", default=[], help="KEY=VALUE recorded under generation")
    args = ap.parse_args()
    {"prompts": cmd_prompts, "merge": cmd_merge}[args.cmd](args)


if __name__ == "__main__":
    main()
