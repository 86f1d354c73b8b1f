"""Tokens for lexical matching, shared by the BM25 index, retrieval, citation checks and the extractive engine.

English: lowercase words with a light suffix stemmer, stopwords removed, numbers kept whole ("816.116",
"1265") and legal references kept as one token as well as their parts ("1265(b)(20)" → "1265(b)(20)",
"1265", "b", "20"); number words become digits too ("twenty-six" → "26") so "26 inches" finds
"twenty-six inches". Chinese: character bigrams of each run of CJK characters (the default; measured
against jieba words in the report of ``assistant/lexical.py``) — or jieba words with ``cjk="jieba"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RUN = re.compile(f"[{CJK}]+")
_HAS_CJK = re.compile(f"[{CJK}]")
# a legal reference ("1265(b)(20)", "816.116(a)(2)"), a number ("816.116", "2,000", "3.5"), or a word
_TOKEN = re.compile(
    r"\d+(?:\.\d+)*(?:\([A-Za-z0-9]{1,5}\))+"
    r"|\d+(?:[.,]\d+)*"
    r"|[A-Za-z][A-Za-z'’\-]*[A-Za-z]|[A-Za-z]"
)
_PARTS = re.compile(r"[A-Za-z0-9]+(?:\.\d+)*")

STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "for",
        "from",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "me",
        "more",
        "most",
        "my",
        "no",
        "nor",
        "not",
        "of",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "shall",
        "may",
        "any",
        "all",
        "each",
        "also",
        "about",
        "above",
        "after",
        "again",
        "against",
        "below",
        "between",
        "both",
        "during",
        "few",
        "further",
        "here",
        "just",
        "now",
        "off",
        "per",
        "via",
        "upon",
        "whether",
        "within",
        "without",
    ]
)
# words that shape a question but carry no content
QUESTION_WORDS = frozenset(
    [
        "what",
        "which",
        "who",
        "whom",
        "whose",
        "when",
        "where",
        "why",
        "how",
        "does",
        "do",
        "did",
        "say",
        "says",
        "said",
        "tell",
        "describe",
        "explain",
        "list",
        "according",
        "require",
        "requires",
        "required",
        "requirement",
        "requirements",
        "must",
        "mean",
        "means",
        "many",
        "much",
        "provide",
        "provides",
        "provided",
        "state",
        "states",
        "stipulate",
        "stipulates",
        "specify",
        "specifies",
        "set",
        "out",
        "regarding",
        "concerning",
        "contain",
        "contains",
        "give",
        "gives",
    ]
)
ZH_QUESTION_STOP = frozenset(
    [
        "什么",
        "哪些",
        "如何",
        "怎样",
        "怎么",
        "是否",
        "多少",
        "规定",
        "应当",
        "哪个",
        "为何",
        "有关",
        "多长",
        "时间",
        "内容",
    ]
)
_ZH_QUESTION_RE = re.compile("|".join(sorted(ZH_QUESTION_STOP, key=len, reverse=True)) + "|[了吗呢么？?]")
ZH_STOP_CHARS = frozenset("的了是在和与及或等对由其之为于把被而")

_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90}


def has_cjk(text: str) -> bool:
    return bool(_HAS_CJK.search(text))


def number_word(word: str) -> str | None:
    """'twenty-six' → '26', 'five' → '5', 'hundred' → None."""
    w = word.lower()
    if w in _UNITS:
        return str(_UNITS[w])
    if w in _TENS:
        return str(_TENS[w])
    if "-" in w:
        a, _, b = w.partition("-")
        if a in _TENS and b in _UNITS and _UNITS[b] < 10:
            return str(_TENS[a] + _UNITS[b])
    return None


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light English suffix stemmer: enough to match plurals and common verb forms."""
    w = word
    if len(w) <= 3:
        return w
    for suf, rep in (("ies", "y"), ("sses", "ss"), ("ness", ""), ("ments", "ment"), ("ings", ""), ("ing", ""),
                     ("edly", ""), ("ed", ""), ("es", ""), ("s", "")):  # fmt: skip
        if w.endswith(suf) and len(w) - len(suf) >= 3:
            if suf == "s" and w.endswith(("ss", "us", "is")):
                return w
            if suf == "es" and not w.endswith(("ches", "shes", "xes", "sses", "zes")):
                continue
            w = w[: len(w) - len(suf)] + rep
            break
    # "grade"/"graded", "mine"/"mining" meet at "grad", "min"
    return w[:-1] if w.endswith("e") and len(w) >= 4 else w


def _english(text: str, keep_stop: bool = False) -> list[str]:
    out: list[str] = []
    for m in _TOKEN.finditer(text):
        tok = m.group(0).lower().replace("’", "'").strip("'-")
        if not tok:
            continue
        if tok[0].isdigit():
            tok = tok.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", tok) else tok
            out.append(tok)
            if "(" in tok:  # also the parts, so "1265" alone finds "1265(b)(20)"
                out.extend(p for p in _PARTS.findall(tok) if p != tok)
            continue
        num = number_word(tok)
        if num is not None:
            out.append(num)
            continue
        if tok.endswith("'s"):
            tok = tok[:-2]
        if not keep_stop and tok in STOPWORDS:
            continue
        if "-" in tok:
            out.extend(stem(p) for p in tok.split("-") if p and (keep_stop or p not in STOPWORDS))
            continue
        out.append(stem(tok))
    return out


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [] if run in ZH_STOP_CHARS else [run]
    return [run[i : i + 2] for i in range(len(run) - 1) if not (set(run[i : i + 2]) <= ZH_STOP_CHARS)]


def _jieba(run: str) -> list[str]:
    import jieba

    jieba.setLogLevel(60)
    return [w for w in jieba.lcut(run) if w.strip() and not (set(w) <= ZH_STOP_CHARS)]


def tokenize(text: str, *, cjk: str = "bigram", keep_stop: bool = False) -> list[str]:
    """Index/query tokens of mixed English/Chinese text (see the module docstring)."""
    if not has_cjk(text):
        return _english(text, keep_stop)
    out: list[str] = []
    pos = 0
    for m in _CJK_RUN.finditer(text):
        out.extend(_english(text[pos : m.start()], keep_stop))
        out.extend(_jieba(m.group(0)) if cjk == "jieba" else _bigrams(m.group(0)))
        pos = m.end()
    out.extend(_english(text[pos:], keep_stop))
    return out


def content_terms(question: str) -> list[str]:
    """The question's content tokens (no stopwords, no question words), in order, without repeats."""
    seen: dict[str, None] = {}
    if has_cjk(question):
        question = _ZH_QUESTION_RE.sub(" ", question)
    for tok in tokenize(question):
        if tok in QUESTION_WORDS or tok in {stem(w) for w in QUESTION_WORDS}:
            continue
        if any(q in tok for q in ZH_QUESTION_STOP) and has_cjk(tok):
            continue
        seen.setdefault(tok, None)
    return list(seen)


_NUM = re.compile(r"\d+(?:\.\d+)*")


def numbers(text: str) -> set[str]:
    """Numbers in a text, number words included ('twenty-six' → '26'); '2,000' → '2000'."""
    found = {n for n in _NUM.findall(re.sub(r"(?<=\d),(?=\d{3}\b)", "", text))}
    for m in re.finditer(r"[A-Za-z]+(?:-[A-Za-z]+)?", text):
        num = number_word(m.group(0))
        if num is not None:
            found.add(num)
    return found


def named_terms(question: str) -> list[str]:
    """Capitalised words inside a question (not its first word) and acronyms: names the answer should carry."""
    words = re.findall(r"[A-Za-z][A-Za-z\-]+", question)
    out = [w for i, w in enumerate(words) if (w.isupper() and len(w) > 1) or (i > 0 and w[0].isupper())]
    return [stem(w.lower()) for w in out if w.lower() not in STOPWORDS and w.lower() not in QUESTION_WORDS]


def overlap(terms: Iterable[str], text_tokens: set[str]) -> float:
    """Share of ``terms`` present in ``text_tokens`` (1.0 when there are no terms)."""
    terms = list(terms)
    if not terms:
        return 1.0
    return sum(1 for t in terms if t in text_tokens) / len(terms)
