#!/usr/bin/env python3
"""A labelled set of long technical documents, made from the manual pages
installed on this machine (/usr/share/man): the known-item task of a user who
remembers what a tool does but not its name.

  - documents: each page's text (roff macros and escapes stripped, the NAME
    section removed), titled by its name and section only, e.g. "ls(1)", and
    kept when it has --min-words to --max-words words: long pages that the
    indexer splits into many chunks;
  - queries: the one-line description of the NAME section ("list directory
    contents"), for --queries pages sampled by a hash of the name; a
    description that more than one page shares is never a query;
  - qrels: the page the description came from, relevance 1.

Every page kept is in the corpus, so the other pages are the distractors
(many on neighbouring subjects: the same package's tools, the same library).
The sample is deterministic: the same machine gives the same set.

  make_set.py --out bench/work/longdoc/man [--docs 2000] [--queries 300]
"""
import argparse, gzip, hashlib, json, os, re, sys

ESCAPES = {
    r"\-": "-", r"\(em": "—", r"\(en": "–", r"\(aq": "'", r"\(dq": '"', r"\(lq": '"', r"\(rq": '"',
    r"\(oq": "'", r"\(cq": "'", r"\(bu": "•", r"\(co": "©", r"\(rg": "®", r"\(tm": "™", r"\(ti": "~",
    r"\(ha": "^", r"\(rs": "\\", r"\e": "\\", r"\~": " ", r"\ ": " ", r"\0": " ", r"\&": "", r"\/": "",
    r"\,": "", r"\|": "", r"\^": "", r"\:": "", r"\%": "",
}
ESCAPE_RE = re.compile("|".join(re.escape(k) for k in sorted(ESCAPES, key=len, reverse=True)))
FONT_RE = re.compile(r"\\f(\[[^\]]*\]|\(..|.)")
OTHER_RE = re.compile(r"\\(\*\(..|\*\[[^\]]*\]|\*.|s[-+]?\d+|\(..|\[[^\]]*\]|[a-zA-Z])")
# Macros whose arguments are text (fonts, headings, list tags); others are dropped.
TEXT_MACROS = {"B", "I", "R", "BR", "BI", "IB", "IR", "RB", "RI", "SM", "SB", "SH", "SS", "IP", "TP", "UR",
               "MT", "Nm", "Nd", "Sh", "Ss", "It", "Fn", "Fa", "Ar", "Fl", "Cm", "Xr", "Pa", "Dv", "Er",
               "Ev", "Li", "Sy", "Em", "Va", "Ql", "Dq", "Sq", "Pq", "Op", "Ic", "Vt", "Ft", "Fd"}


def words_of(line):
    line = FONT_RE.sub("", line)
    line = ESCAPE_RE.sub(lambda m: ESCAPES[m.group(0)], line)
    line = OTHER_RE.sub("", line)
    return line


def page_text(src):
    """(name description, body text without NAME) of a roff page, or None."""
    sections, current = [], None
    for raw in src.splitlines():
        if raw.startswith(".\\\"") or raw.startswith("'\\\"") or raw.startswith('.\\"'):
            continue
        if raw.startswith(".") or raw.startswith("'"):
            parts = raw[1:].strip().split(None, 1)
            if not parts:
                continue
            macro, arg = parts[0], (parts[1] if len(parts) > 1 else "")
            if macro in ("SH", "Sh"):
                current = [words_of(arg).strip('"').upper(), []]
                sections.append(current)
                continue
            if macro == "so":
                return None  # a redirect to another page
            if macro not in TEXT_MACROS or current is None:
                continue
            text = words_of(arg.replace('"', ""))
        else:
            if current is None:
                continue
            text = words_of(raw)
        if text.strip():
            current[1].append(text.strip())
    name = [s for s in sections if s[0] in ("NAME", "NOM", "НАЗВАНИЕ")]
    if not name:
        return None
    name_text = " ".join(name[0][1])
    m = re.search(r"\s[-—–]+\s+(.*)$", name_text)
    if not m:
        return None
    body = "\n\n".join(s[0].title() + "\n" + " ".join(s[1]) for s in sections if s is not name[0] and s[1])
    return m.group(1).strip(), body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--man", default="/usr/share/man")
    ap.add_argument("--out", required=True)
    ap.add_argument("--docs", type=int, default=2000)
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument("--min-words", type=int, default=800)
    ap.add_argument("--max-words", type=int, default=4000)
    a = ap.parse_args()
    pages = {}
    for sec in sorted(os.listdir(a.man)):
        if not re.fullmatch(r"man[1-8]", sec):  # English pages only: no de/, fr/, ...
            continue
        folder = os.path.join(a.man, sec)
        for f in sorted(os.listdir(folder)):
            path = os.path.join(folder, f)
            if os.path.islink(path) or not f.endswith(".gz"):
                continue
            try:
                src = gzip.open(path).read().decode("utf-8", "replace")
            except OSError:
                continue
            got = page_text(src)
            if got is None:
                continue
            desc, body = got
            n = len(body.split())
            if n < a.min_words or n > a.max_words:
                continue
            name = f[:-3]
            stem, _, s = name.rpartition(".")
            pages[name] = (f"{stem}({s})", desc, body)
    # Sample documents by a hash of the name, then queries among them.
    key = lambda n: hashlib.sha256(n.encode()).hexdigest()
    names = sorted(pages, key=key)[: a.docs]
    count = {}
    for n in names:
        d = pages[n][1].lower()
        count[d] = count.get(d, 0) + 1
    askable = [n for n in names if count[pages[n][1].lower()] == 1 and len(pages[n][1].split()) >= 3]
    asked = sorted(askable, key=lambda n: key("q" + n))[: a.queries]
    os.makedirs(a.out, exist_ok=True)
    words = 0
    with open(os.path.join(a.out, "corpus.jsonl"), "w", encoding="utf-8") as f:
        for n in sorted(names):
            title, _, body = pages[n]
            words += len(body.split())
            f.write(json.dumps({"_id": n, "title": title, "text": body}, ensure_ascii=False) + "\n")
    with open(os.path.join(a.out, "queries.jsonl"), "w", encoding="utf-8") as f, \
         open(os.path.join(a.out, "qrels.tsv"), "w", encoding="utf-8") as q:
        q.write("query-id\tcorpus-id\tscore\n")
        for i, n in enumerate(sorted(asked)):
            f.write(json.dumps({"_id": f"q{i}", "text": pages[n][1]}, ensure_ascii=False) + "\n")
            q.write(f"q{i}\t{n}\t1\n")
    print(f"make_set: {len(pages)} pages of {a.min_words}-{a.max_words} words; kept {len(names)} "
          f"({words} words, mean {words // max(1, len(names))}), {len(asked)} queries -> {a.out}", file=sys.stderr)


if __name__ == "__main__":
    main()
