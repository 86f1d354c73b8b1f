"""Clause references: find them in questions and in chunk aliases, and compare them by canonical key.

"Article 46", "Art. 46" and "第四十六条" all become ``art:46``; "§ 1265", "section 1265", "30 U.S.C. 1265"
become ``sec:1265`` and "§ 1265(b)(20)" / "1265(b)(20)" ``sec:1265(b)(20)``; "30 CFR 816.116" ``sec:816.116``;
"Chapter IV" / "第四章" ``chapter:4``; "Principle 3" ``principle:3``; "Standard 2.1" ``standard:2.1``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from assistant.core.numerals import cn_to_int, roman_to_int
from assistant.core.types import CLAUSE_SEP

_ZH_NUM = "零〇一二三四五六七八九十百千两"


def zh_number(text: str) -> int | None:
    """'四十六' → 46, '一百零二' → 102, '十' → 10, '46' → 46; None when it is not a number."""
    try:
        return cn_to_int(text)
    except ValueError:
        return None


def roman_number(text: str) -> int | None:
    try:
        return roman_to_int(text)
    except ValueError:
        return None


_SUB = r"((?:\s?\([A-Za-z0-9]{1,5}\))*)"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("art", re.compile(r"\b(?:Article|Art\.?)\s*(\d+)", re.I)),
    ("art", re.compile(f"第([{_ZH_NUM}\\d]+)条")),
    ("chapter", re.compile(f"第([{_ZH_NUM}\\d]+)章")),
    ("chapter", re.compile(r"\bChapter\s+([IVXLC]+|\d+)\b", re.I)),
    ("principle", re.compile(r"\bPrinciple\s+(\d+)\b", re.I)),
    ("standard", re.compile(r"\bStandard\s+(\d+(?:\.\d+)*)\b", re.I)),
    ("cfr", re.compile(r"\b\d+\s*C\.?F\.?R\.?\s*(?:Part\s*|§+\s*)?(\d+(?:\.\d+)?)" + _SUB, re.I)),
    (
        "sec",
        re.compile(r"(?:§+|\bsections?\b|\bsec\.|\bU\.\s?S\.\s?C\.?(?:\s?§+)?)\s*(\d+[a-z]?(?:\.\d+)?)" + _SUB, re.I),
    ),
    ("sec", re.compile(r"\b(\d{3,4}(?:\.\d+)?)" + r"((?:\([A-Za-z0-9]{1,5}\))+)")),
]


def _num_key(kind: str, raw: str) -> str | None:
    if kind in ("art", "chapter"):
        n = zh_number(raw) if not raw.isascii() or raw.isdigit() else roman_number(raw)
        return None if n is None else f"{kind}:{n}"
    return f"{kind}:{raw.lower()}"


def parse_refs(text: str) -> list[str]:
    """Canonical keys of the clause references in ``text``, most specific first, without repeats."""
    keys: dict[str, None] = {}
    for kind, pat in _PATTERNS:
        for m in pat.finditer(text):
            base = _num_key("sec" if kind == "cfr" else kind, m.group(1))
            if base is None:
                continue
            sub = re.sub(r"\s", "", m.group(2)).lower() if m.lastindex and m.lastindex >= 2 and m.group(2) else ""
            keys.setdefault(base + sub, None)
    return sorted(keys, key=lambda k: -len(k))


def chunk_keys(aliases: Iterable[str], clause: str) -> set[str]:
    """Keys a chunk answers to: its aliases, plus what its clause path spells ('§ 1265.' › '(b) …' › '(20)')."""
    keys: set[str] = set()
    for alias in aliases:
        keys.update(parse_refs(alias))
    base = ""
    for label in clause.split(CLAUSE_SEP) if clause else []:
        found = parse_refs(label.split(".")[0] if label.startswith("§") else label)
        head = [k for k in found if not k.startswith("chapter:")]
        keys.update(k for k in found if k.startswith("chapter:"))
        if head:
            base = head[-1]
            continue
        sub = re.match(r"\(([A-Za-z0-9]{1,5})\)", label.strip())
        if base.startswith("sec:") and sub:
            base = f"{base}({sub.group(1).lower()})"
    if base:
        keys.add(base)  # only the deepest clause: ancestors match through the "inside" rule
    return keys


def match_strength(query_keys: Iterable[str], keys: set[str]) -> float:
    """1.0 exact clause, 0.8 the chunk is inside the named clause, 0.5 the chunk contains it; 0 no match."""
    best = 0.0
    for q in query_keys:
        for k in keys:
            if k == q:
                return 1.0
            if k.startswith(q + "("):
                best = max(best, 0.8)
            elif q.startswith(k + "(") and not k.startswith("chapter:"):
                best = max(best, 0.5)
    return best


def strip_refs(text: str) -> str:
    """``text`` without its clause references (so "Article 46" does not count as words to find)."""
    for _kind, pat in _PATTERNS:
        text = pat.sub(" ", text)
    return text
