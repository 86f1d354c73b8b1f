"""Tokens for lexical matching, shared by the BM25 index, retrieval, citation checks and the extractive engine.

Text is first normalised by :mod:`assistant.core.text` (NFKC, quotes, dashes, abbreviations, spelled numbers
in English and Chinese), so "twenty-six inches" finds "26 inches" and "Art. 46" finds "Article 46".
English: lowercase Snowball stems (PyStemmer), stopwords removed, numbers kept whole ("816.116",
"1265") and legal references kept as one token as well as their parts ("1265(b)(20)" → "1265(b)(20)",
"1265", "b", "20"). Chinese: jieba words, as the keyword index splits them (``INDEX_CJK``; measured against
character bigrams in the docstring of ``indexing/lexical.py``), or character bigrams with ``cjk="bigram"``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from assistant.core.text import (
    CJK_RUN,
    expand_abbreviations,
    fold,
    fold_accents,
    has_cjk,
    normalize,
    stem,
    stopwords,
)

__all__ = [
    "INDEX_CJK",
    "TOKENIZER_VERSION",
    "content_terms",
    "has_cjk",
    "named_terms",
    "numbers",
    "overlap",
    "stem",
    "tokenize",
]

# a legal reference ("1265(b)(20)", "816.116(a)(2)"), a number ("816.116", "2,000", "3.5"), or a word
_TOKEN = re.compile(
    r"\d+(?:\.\d+)*(?:\([A-Za-z0-9]{1,5}\))+"
    r"|\d+(?:[.,]\d+)*"
    r"|[A-Za-z][A-Za-z'\-]*[A-Za-z]|[A-Za-z]"
)
_PARTS = re.compile(r"[A-Za-z0-9]+(?:\.\d+)*")
_THOUSANDS = re.compile(r"\d{1,3}(,\d{3})+")
_THOUSANDS_SEP = re.compile(r"(?<=\d),(?=\d{3}\b)")
#: how the keyword index splits Chinese by default, and so what ``tokenize`` does unless told otherwise
INDEX_CJK = "jieba"
#: saved with the keyword index; a change of normalisation or stemming bumps it, so indexes are rebuilt
TOKENIZER_VERSION = "3"  # 3: Latin accents folded ("Céloron" ~ "Celoron")

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
        # interrogatives: what the answer supplies, never words of the text ("存到了何处" → "存到")
        "何处",
        "何时",
        "何地",
        "何种",
        "何人",
        "哪里",
        "哪儿",
        "哪",
        "谁",
        "什么时候",
        "什么地方",
        "为什么",
        "多久",
    ]
)
_ZH_QUESTION_RE = re.compile("|".join(sorted(ZH_QUESTION_STOP, key=len, reverse=True)) + "|[了吗呢么？?]")
ZH_STOP_CHARS = frozenset("的了是在和与及或等对由其之为于把被而")


def _english(text: str, keep_stop: bool = False) -> list[str]:
    stop = frozenset() if keep_stop else stopwords()
    out: list[str] = []
    for m in _TOKEN.finditer(fold_accents(text)):
        tok = m.group(0).lower().strip("'-")
        if not tok:
            continue
        if tok[0].isdigit():
            tok = tok.replace(",", "") if _THOUSANDS.fullmatch(tok) else tok
            out.append(tok)
            if "(" in tok:  # also the parts, so "1265" alone finds "1265(b)(20)"
                out.extend(p for p in _PARTS.findall(tok) if p != tok)
            continue
        if tok.endswith("'s"):
            tok = tok[:-2]
        if tok in stop:
            continue
        if "-" in tok:
            out.extend(stem(p) for p in tok.split("-") if p and p not in stop)
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


def tokenize(text: str, *, cjk: str = INDEX_CJK, keep_stop: bool = False) -> list[str]:
    """Index/query tokens of mixed English/Chinese text, after :func:`assistant.core.text.normalize`.

    Chinese runs become jieba words (``cjk="jieba"``, the keyword index's default) or character bigrams
    (``cjk="bigram"``). Results for short texts (sentences, chunks) are cached: answering tokenises the same
    passages several times per question and again for the next question.
    """
    if len(text) <= _CACHE_CHARS:
        return list(_cached_tokens(text, cjk, keep_stop))
    return _tokens(text, cjk, keep_stop)


_CACHE_CHARS = 4000


@lru_cache(maxsize=8192)
def _cached_tokens(text: str, cjk: str, keep_stop: bool) -> tuple[str, ...]:
    return tuple(_tokens(text, cjk, keep_stop))


def _tokens(text: str, cjk: str, keep_stop: bool) -> list[str]:
    text = normalize(text)
    if not has_cjk(text):
        return _english(text, keep_stop)
    out: list[str] = []
    pos = 0
    for m in CJK_RUN.finditer(text):
        out.extend(_english(text[pos : m.start()], keep_stop))
        out.extend(_jieba(m.group(0)) if cjk == "jieba" else _bigrams(m.group(0)))
        pos = m.end()
    out.extend(_english(text[pos:], keep_stop))
    return out


@lru_cache(maxsize=1)
def _question_stems() -> frozenset[str]:
    return frozenset(stem(w) for w in QUESTION_WORDS)


def content_terms(question: str) -> list[str]:
    """The question's content tokens (no stopwords, no question words), in order, without repeats."""
    seen: dict[str, None] = {}
    if has_cjk(question):
        question = _ZH_QUESTION_RE.sub(" ", question)
    for tok in tokenize(question):
        if tok in QUESTION_WORDS or tok in _question_stems():
            continue
        if any(q in tok for q in ZH_QUESTION_STOP) and has_cjk(tok):
            continue
        seen.setdefault(tok, None)
    return list(seen)


_NUM = re.compile(r"\d+(?:\.\d+)*")


def numbers(text: str) -> set[str]:
    """Numbers in a text, spelled ones included ('twenty-six' → '26', '十年' → '10'); '2,000' → '2000'."""
    return set(_NUM.findall(_THOUSANDS_SEP.sub("", normalize(text))))


def named_terms(question: str) -> list[str]:
    """Capitalised words inside a question (not its first word) and acronyms: names the answer should carry."""
    words = re.findall(r"[A-Za-z][A-Za-z\-]+", fold_accents(expand_abbreviations(fold(question))))
    out = [w for i, w in enumerate(words) if (w.isupper() and len(w) > 1) or (i > 0 and w[0].isupper())]
    stop = stopwords()
    return [stem(w.lower()) for w in out if w.lower() not in stop and w.lower() not in QUESTION_WORDS]


def overlap(terms: Iterable[str], text_tokens: set[str]) -> float:
    """Share of ``terms`` present in ``text_tokens`` (1.0 when there are no terms)."""
    terms = list(terms)
    if not terms:
        return 1.0
    return sum(1 for t in terms if t in text_tokens) / len(terms)
