"""Clause references: find them in questions and in chunk aliases, and compare them by canonical key.

"Article 46", "Art. 46" and "第四十六条" all become ``art:46``; "§ 1265", "section 1265", "30 U.S.C. 1265"
become ``sec:1265`` and "§ 1265(b)(20)" / "1265(b)(20)" ``sec:1265(b)(20)``; "30 CFR 816.116" ``sec:816.116``;
"Chapter IV" / "第四章" ``chapter:4``; "Principle 3" ``principle:3``; "Standard 2.1" ``standard:2.1``;
"Part III" ``part:3``; "Schedule 2" / "Annex IV" / "Appendix B" ``schedule:2`` / ``annex:4`` / ``appendix:b``.
Rulebook and guidance numbering is cited like sections: "Rule 11.2.2" and "section 11.2.2" ``sec:11.2.2``,
"Part 3.7.(1)" ``sec:3.7(1)``, "paragraph 10" ``sec:10``, "3.2.3.Guidance.4." ``sec:3.2.3(guidance)(4)``;
"第四十六条第二款第三项" ``art:46(2)(3)``, like "Article 46(2)(3)" (both also give the article, ``art:46``).
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


# enumerators after a designation: "(b)(20)", "(2)", ".(1)" (as in "Part 3.7.(1)"), "(guidance)"
_SUB = r"((?:\.?\s?\((?:[A-Za-z0-9]{1,5}|guidance)\))*)"
_DOTTED = r"(\d+(?:\.\d+)+)"  # "11.2.2"
_LETTERED = r"(\d+|[IVXLC]{2,}|[A-Z])\b"  # "Schedule 2", "Annex IV", "Appendix B"
_CN = f"[{_ZH_NUM}\\d]+"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("art", re.compile(r"\b(?:Article|Art\.?)\s*(\d+)" + _SUB, re.I)),
    # 第四十六条第二款第三项: paragraph (款) and item (项) are the enumerators of an article
    ("art", re.compile(f"第({_CN})条(?:第({_CN})款)?(?:第({_CN})项)?")),
    ("chapter", re.compile(f"第({_CN})章")),
    ("chapter", re.compile(r"\bChapter\s+([IVXLC]+|\d+)\b", re.I)),
    ("part", re.compile(r"\bPart\s+([IVXLC]+|\d+)\b(?![.(]?\d|\.\()", re.I)),
    ("principle", re.compile(r"\bPrinciple\s+(\d+)\b", re.I)),
    ("standard", re.compile(r"\bStandard\s+(\d+(?:\.\d+)*)\b", re.I)),
    ("schedule", re.compile(r"\bSchedule\s+" + _LETTERED, re.I)),
    ("annex", re.compile(r"\bAnnex\s+" + _LETTERED, re.I)),
    ("appendix", re.compile(r"\bAppendix\s+" + _LETTERED, re.I)),
    ("cfr", re.compile(r"\b\d+\s*C\.?F\.?R\.?\s*(?:Part\s*|§+\s*)?(\d+(?:\.\d+)?)" + _SUB, re.I)),
    # rulebooks and guidance: "3.2.3.Guidance.4." is guidance paragraph 4 under rule 3.2.3
    ("guidance", re.compile(_DOTTED + r"\.?\s*Guidance\s*\.?\s*(\d+)", re.I)),
    # "Rule 11.2.2", "Part 3.7.(1)", "paragraph 10", "clause 4.1": numbered like sections, cited as sections
    (
        "sec",
        re.compile(r"\b(?:Rules?|Paragraphs?|Paras?\.?|Clauses?|Regulations?|Reg\.)\s*(\d+(?:\.\d+)*)" + _SUB, re.I),
    ),
    ("sec", re.compile(r"\bPart\s+" + _DOTTED + _SUB, re.I)),
    (
        "sec",
        re.compile(r"(?:§+|\bsections?\b|\bsec\.|\bU\.\s?S\.\s?C\.?(?:\s?§+)?)\s*(\d+[a-z]?(?:\.\d+)*)" + _SUB, re.I),
    ),
    ("sec", re.compile(r"\b(\d{3,4}(?:\.\d+)?)" + r"((?:\([A-Za-z0-9]{1,5}\))+)")),
]


def _num_key(kind: str, raw: str) -> str | None:
    if kind in ("art", "chapter", "part"):
        n = zh_number(raw) if not raw.isascii() or raw.isdigit() else roman_number(raw)
        return None if n is None else f"{kind}:{n}"
    if kind in ("schedule", "annex", "appendix"):
        n = int(raw) if raw.isdigit() else roman_number(raw) if len(raw) > 1 else None
        return f"{kind}:{raw.lower() if n is None else n}"
    return f"{kind}:{raw.lower()}"


def _sub_key(kind: str, m: re.Match[str]) -> str:
    """The enumerators after the designation, as "(b)(20)"."""
    if kind == "guidance":
        return f"(guidance)({m.group(2)})"
    if m.re.groups >= 3 and kind == "art" and not m.group(0).isascii():  # 第X条第Y款第Z项
        parts = [zh_number(g) for g in m.groups()[1:] if g]
        return "".join(f"({n})" for n in parts if n is not None)
    if m.re.groups >= 2 and m.group(2):
        return re.sub(r"[\s.]", "", m.group(2)).lower()
    return ""


def parse_refs(text: str) -> list[str]:
    """Canonical keys of the clause references in ``text``, most specific first, without repeats."""
    keys: dict[str, None] = {}
    for kind, pat in _PATTERNS:
        for m in pat.finditer(text):
            base = _num_key("sec" if kind in ("cfr", "guidance") else kind, m.group(1))
            if base is None:
                continue
            keys.setdefault(base + _sub_key(kind, m), None)
            if kind == "art":
                keys.setdefault(base, None)  # the whole article too, as before paragraphs were told apart
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
