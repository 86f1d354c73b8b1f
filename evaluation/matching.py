"""Text matching used by the metrics: expected facts, clause labels, numbers, cited sentences.

Everything here is deterministic and pure so the metrics can be checked by hand.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from assistant.core.numerals import cn_to_int, roman_to_int
from assistant.core.text import CJK_RE as _CJK

_WS = re.compile(r"\s+")
_MARKER = re.compile(r"\[(\d+(?:\s*[,，]\s*\d+)*)\]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_SENT_END = re.compile(r"(?<=[.!?;。！？；])\s*")
_WORD = re.compile(r"[a-z0-9]+(?:[.,'][a-z0-9]+)*")
_STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "of",
        "to",
        "in",
        "on",
        "for",
        "by",
        "with",
        "and",
        "or",
        "is",
        "are",
        "be",
        "was",
        "were",
        "that",
        "this",
        "it",
        "its",
        "as",
        "at",
        "from",
        "any",
        "such",
        "shall",
        "may",
        "which",
        "not",
        "no",
        "under",
        "each",
        "than",
        "other",
        "all",
        "has",
        "have",
        "if",
    ]
)


def normalise(text: str) -> str:
    """NFKC, lower case, runs of whitespace to one space (full-width digits become ASCII)."""
    return _WS.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()


def _is_digit(ch: str) -> bool:
    return ch.isdigit()


def contains_phrase(haystack: str, needle: str) -> bool:
    """Case- and whitespace-insensitive containment where numbers match as whole tokens.

    "5 years" is not found in "15 years" and "26" is not found in "2.6" or "260"; a thousands
    separator or decimal point followed by a digit counts as part of the number.
    """
    return contains_normalised(normalise(haystack), needle)


def contains_normalised(h: str, needle: str) -> bool:
    """:func:`contains_phrase` on a haystack already passed through :func:`normalise` (for big texts)."""
    n = normalise(needle)
    if not n:
        return False
    start = 0
    while True:
        i = h.find(n, start)
        if i < 0:
            return False
        j = i + len(n)
        before_ok = not (_is_digit(n[0]) and i > 0 and (_is_digit(h[i - 1]) or _num_sep_before(h, i)))
        after_ok = not (_is_digit(n[-1]) and j < len(h) and (_is_digit(h[j]) or _num_sep_after(h, j)))
        if before_ok and after_ok:
            return True
        start = i + 1


def _num_sep_before(h: str, i: int) -> bool:
    return i >= 2 and h[i - 1] in ".," and _is_digit(h[i - 2])


def _num_sep_after(h: str, j: int) -> bool:
    return j + 1 < len(h) and h[j] in ".," and _is_digit(h[j + 1])


def facts_hit(answer: str, groups: Sequence[Sequence[str]]) -> list[bool]:
    """For each group of alternatives, whether any alternative occurs in ``answer``."""
    return [any(contains_phrase(answer, alt) for alt in group) for group in groups]


# ---- clause labels -----------------------------------------------------------------------------


def _cn(text: str) -> int | None:
    try:
        return cn_to_int(text)
    except ValueError:
        return None


_CN_ARTICLE = re.compile(r"第([零〇一二两三四五六七八九十百千\d]+)条")
_CN_CHAPTER = re.compile(r"第([零〇一二两三四五六七八九十百千\d]+)章")
_EN_ARTICLE = re.compile(r"\b(?:article|art\.?)\s*(\d+)\b")
_EN_CHAPTER = re.compile(r"\bchapter\s+(\d+|[ivxlc]+)\b")
_SECTION = re.compile(r"(?:§+|\bsec(?:tion|\.)?|\b30 u\.?s\.?c\.?)\s*(\d+[a-z]?)((?:\([0-9a-z]+\))*)")


def _roman(s: str) -> int:
    try:
        return roman_to_int(s)
    except ValueError:
        return 0


def canonical_labels(text: str) -> set[str]:
    """Canonical keys for the clause references in ``text``: 'art:46', 'ch:4', 'sec:1265', 'sec:1265(b)'…

    "第四十六条", "Article 46" and "Art. 46" all give 'art:46'; "§ 1265(b)(20)" and "30 U.S.C. 1265(b)(20)"
    give 'sec:1265', 'sec:1265(b)' and 'sec:1265(b)(20)'.
    """
    t = normalise(text)
    keys: set[str] = set()
    for m in _CN_ARTICLE.finditer(t):
        n = _cn(m.group(1))
        if n is not None:
            keys.add(f"art:{n}")
    for m in _CN_CHAPTER.finditer(t):
        n = _cn(m.group(1))
        if n is not None:
            keys.add(f"ch:{n}")
    keys.update(f"art:{int(m.group(1))}" for m in _EN_ARTICLE.finditer(t))
    for m in _EN_CHAPTER.finditer(t):
        g = m.group(1)
        keys.add(f"ch:{int(g) if g.isdigit() else _roman(g)}")
    for m in _SECTION.finditer(t):
        base, subs = m.group(1), re.findall(r"\([0-9a-z]+\)", m.group(2) or "")
        keys.add(f"sec:{base}")
        for i in range(1, len(subs) + 1):
            keys.add(f"sec:{base}{''.join(subs[:i])}")
    return keys


def clause_matches(expected: str, clause: str, aliases: Iterable[str] = ()) -> bool:
    """Whether a cited clause (path and aliases) is the expected clause or inside it.

    Plain substring match first (whitespace/case-insensitive); then canonical labels, so expected
    "Article 46" accepts "第四章 矿区生态修复 › 第四十六条" and expected "§ 1265(b)" accepts "§ 1265 › (b) …".
    """
    exp = normalise(expected)
    if not exp:
        return True
    texts = [clause, *aliases]
    # "§ 1265" must not match "§ 12650" or "§ 1265a": an alphanumeric end needs a boundary after it.
    pattern = re.compile(
        ("(?<![0-9])" if exp[0].isdigit() else "") + re.escape(exp) + ("(?![0-9a-z])" if exp[-1].isalnum() else "")
    )
    if any(pattern.search(normalise(t)) for t in texts):
        return True
    want = canonical_labels(expected)
    if not want:
        return False
    have: set[str] = set()
    for t in texts:
        have |= canonical_labels(t)
    have |= _path_section_keys(clause)
    # Articles and sections must all be there; a chapter alone is enough only when nothing finer is asked.
    finer = {w for w in want if not w.startswith("ch:")}
    return finer <= have if finer else bool(want & have)


def _path_section_keys(clause: str) -> set[str]:
    """'§ 1265. … › (b) General standards › (20)' -> sec:1265, sec:1265(b), sec:1265(b)(20)."""
    parts = [normalise(p) for p in clause.split("›")]
    keys: set[str] = set()
    base: str | None = None
    subs: list[str] = []
    for p in parts:
        m = _SECTION.match(p)
        if m:
            base, subs = m.group(1), []
            keys.add(f"sec:{base}")
            continue
        m2 = re.match(r"\(([0-9a-z]+)\)", p)
        if base and m2:
            subs.append(f"({m2.group(1)})")
            keys.add(f"sec:{base}{''.join(subs)}")
    return keys


# ---- answers, sentences, numbers -----------------------------------------------------------------


def markers_in(text: str) -> list[str]:
    """Citation markers in order of appearance, '[1, 2]' expanded to '[1]', '[2]'."""
    out: list[str] = []
    for m in _MARKER.finditer(text):
        out.extend(f"[{n.strip()}]" for n in re.split(r"[,，]", m.group(1)))
    return out


def strip_markers(text: str) -> str:
    return _WS.sub(" ", _MARKER.sub(" ", text)).strip()


def cited_sentences(answer: str) -> list[tuple[str, list[str]]]:
    """(sentence, markers) for each sentence that carries markers.

    A marker group belongs to the sentence just before it ("… 5 years [1]." and "… 5 years. [1]" both work).
    """
    out: list[tuple[str, list[str]]] = []
    pos = 0
    for m in re.finditer(r"(?:\s*\[\d+(?:\s*[,，]\s*\d+)*\])+", answer):
        segment = answer[pos : m.start()]
        pos = m.end()
        pieces = [p for p in _SENT_END.split(segment) if p.strip(" .;。；")]
        sentence = pieces[-1].strip() if pieces else ""
        if sentence:
            out.append((sentence, markers_in(m.group(0))))
    return out


def numbers_in(text: str) -> set[str]:
    """Numbers written with digits (NFKC, separators removed): '1,000' -> '1000'."""
    return {re.sub(r"[,]", "", n).rstrip(".") for n in _NUMBER.findall(normalise(strip_markers(text)))}


def content_tokens(text: str) -> set[str]:
    """Lower-case content words (stop words dropped) plus CJK character bigrams."""
    t = normalise(strip_markers(text))
    words = {w for w in _WORD.findall(t) if w not in _STOP and len(w) > 1}
    cjk = "".join(_CJK.findall(t))
    bigrams = {cjk[i : i + 2] for i in range(len(cjk) - 1)}
    return words | bigrams


def quote_supports(sentence: str, quote: str, min_overlap: float = 0.5) -> bool:
    """Lexical support: the quote holds every number of the sentence and ≥ ``min_overlap`` of its words."""
    if not quote.strip():
        return False
    if not numbers_in(sentence) <= numbers_in(quote):
        return False
    sent = content_tokens(sentence)
    if not sent:
        return True
    return len(sent & content_tokens(quote)) / len(sent) >= min_overlap


def in_text(quote: str, text: str) -> bool:
    """Quote is an exact substring of the chunk text, up to whitespace and ellipses at its ends."""
    q = _WS.sub(" ", quote).strip().strip("…").strip()
    return bool(q) and q in _WS.sub(" ", text)
