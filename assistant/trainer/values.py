"""Quizzable values in clause text: numbers, periods, years, list items and key terms (English and Chinese).

Every value is an exact substring of the sentence it came from, so a question's answer can always be
found in the clause it cites. Distractors are values of the same kind found elsewhere in the corpus
(``ValuePool``), never made up.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from assistant.core.text import CJK, has_cjk, stopwords

_W = (
    "one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    "seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|hundred|thousand|million"
)
_UNIT_FAMILIES = {
    "time": r"calendar days|working days|business days|days?|weeks?|months?|years?|hours?",
    "percent": r"%|percent|per cent",
    "area": r"acres?|hectares?|square (?:miles?|feet|metres|meters)|km²|m²",
    "length": r"feet|foot|inches|inch|metres?|meters?|miles?|km|cm|mm",
    "mass": r"tons?|tonnes?|kilograms?|kg|pounds",
    "money": r"dollars|cents",
}
_EN_NUM = rf"\$?\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\$?\d+(?:\.\d+)?|\b(?:{_W})(?:(?:[\s-]+|\s+and\s+)(?:{_W}))*"
_EN_UNIT = "|".join(f"(?P<{k}>{v})" for k, v in _UNIT_FAMILIES.items())
_EN_VALUE = re.compile(rf"(?<![\w§.(])(?:{_EN_NUM})(?:\s?-?\s?(?:{_EN_UNIT}))\b|(?<![\w§.(])\$\d[\d,]*(?:\.\d+)?", re.I)
_YEAR = re.compile(r"(?<![\w§.(/-])(?:19|20)\d{2}(?![\w/-])")
_ZH_NUM = r"[0-9０-９]+(?:\.[0-9]+)?|[一二三四五六七八九十百千万两零〇]+"
_ZH_UNITS = {
    "time": "个工作日|个月|年|日|天|周",
    "percent": "%|％",
    "money": "万元|元",
    "area": "公顷|亩",
    "count": "倍",
}
_ZH_VALUE = re.compile(
    rf"(?<![第\d])(?:{_ZH_NUM})(?:" + "|".join(f"(?P<{k}>{v})" for k, v in _ZH_UNITS.items()) + ")(?![条章款项节])"
)
_EN_TERM = re.compile(r"\b[A-Za-z][a-z]+(?:-[a-z]+)?\b")
_GENERIC = frozenset(
    [
        "shall",
        "section",
        "chapter",
        "article",
        "principle",
        "paragraph",
        "subsection",
        "provided",
        "pursuant",
        "including",
        "accordance",
        "regulatory",
        "authority",
        "operator",
        "operations",
        "whether",
        "between",
        "through",
        "however",
        "because",
        "another",
        "within",
        "without",
        "under",
        "other",
        "such",
        "which",
        "where",
        "there",
        "their",
        "these",
        "those",
        "should",
        "would",
        "could",
        "any",
        "each",
        "every",
    ]
) | frozenset(_W.split("|"))
_VERBISH = re.compile(r"(?:ed|ing|ly|ize|ise|ate|ates|es)$")
_NOUNISH = re.compile(r"(?:tion|sion|ment|ity|ance|ence|ness|ure|age|ism|ship|ogy|land|soil|water|plan|bond|fund)s?$")
_ZH_ITEM = re.compile(f"[{CJK}]{{2,10}}(?:、[{CJK}]{{2,10}}){{2,}}")
_ZH_POS = ("n", "nz", "vn", "nt", "nl", "ng", "l", "i")


@dataclass(frozen=True, slots=True)
class Value:
    text: str
    kind: str  # "number" | "period" | "year" | "list_item" | "term"
    family: str  # unit family for numbers ("time", "percent", …), "item"/"term" otherwise


def _family(match: re.Match[str]) -> str:
    return next((k for k, v in match.groupdict().items() if v), "money")


def number_values(sentence: str) -> list[Value]:
    out: list[Value] = []
    pattern = _ZH_VALUE if has_cjk(sentence) else _EN_VALUE
    for m in pattern.finditer(sentence):
        fam = _family(m)
        if re.fullmatch(r"(?:19|20)\d{2}年", m.group(0)):
            out.append(Value(m.group(0), "year", "year"))
            continue
        out.append(Value(m.group(0).strip(), "period" if fam == "time" else "number", fam))
    taken = " ".join(v.text for v in out)
    for m in _YEAR.finditer(sentence):
        if m.group(0) not in taken:
            out.append(Value(m.group(0), "year", "year"))
    return out


def _en_list_items(sentence: str) -> list[str]:
    """Middle and last items of 'a, b, c and d' runs (the first may carry lead-in words)."""
    if not re.search(r",[^,]+,[^,]*\b(?:and|or)\s", sentence):
        return []
    parts = [p.strip() for p in re.split(r",\s+|;\s+", sentence)]
    items: list[str] = []
    for i, part in enumerate(parts):
        if i == 0 or re.match(r"(?:the|a|an|including|on|in|of|to|for|by|with|as)\s", part, re.I):
            continue
        m = re.match(r"^(?:and|or)\s+(.+)$", part)
        core = m.group(1) if m else part
        tail = re.split(r"\s+(?:and|or)\s+", core)
        for piece in tail:
            piece = piece.rstrip(".;:")
            if 1 <= len(piece.split()) <= 3 and re.fullmatch(r"[A-Za-z][A-Za-z -]+", piece):
                items.append(piece)
    return items if len(items) >= 2 else []


def list_values(sentence: str) -> list[Value]:
    if has_cjk(sentence):
        items = [i for m in _ZH_ITEM.finditer(sentence) for i in m.group(0).split("、")[1:-1]]
        items = [i for i in items if not re.search("[或和及与的等]", i)]
    else:
        items = _en_list_items(sentence)
    return [Value(i, "list_item", "item") for i in items if sentence.count(i) == 1]


@lru_cache(maxsize=1)
def _jieba_analyse():  # type: ignore[no-untyped-def]
    import jieba
    import jieba.analyse

    jieba.setLogLevel(logging.WARNING)
    return jieba.analyse


def term_candidates(text: str) -> list[str]:
    """Key-term candidates of a clause: jieba TF-IDF nouns for Chinese, long content words for English."""
    if has_cjk(text):
        analyse = _jieba_analyse()
        tags = analyse.extract_tags(text, topK=12, allowPOS=_ZH_POS)
        known = analyse.default_tfidf.tokenizer.FREQ  # words jieba knows, not ones its HMM guessed (e.g. '报原')
        return [t for t in tags if len(t) >= 2 and known.get(t, 0) > 0 and not re.search(r"[第条章]", t)]
    words = [w for w in _EN_TERM.findall(text) if len(w) >= 6 and not _VERBISH.search(w)]
    counts = Counter(w.lower() for w in words)
    seen: dict[str, str] = {}
    for w in words:
        lw = w.lower()
        if lw not in stopwords() and lw not in _GENERIC and lw not in seen:
            seen[lw] = w
    return sorted(seen.values(), key=lambda w: (not _NOUNISH.search(w), -counts[w.lower()]))


def normalise(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip().lower()


class ValuePool:
    """Values of every kind seen in a set of chunks, for distractors; remembers where each came from."""

    def __init__(self) -> None:
        self.entries: dict[tuple[str, str, str], list[tuple[str, str, str]]] = {}
        self.df: Counter[str] = Counter()
        self.docs = 0
        self._seen: set[str] = set()

    def add_text(self, text: str, chunk_id: str, scope: str, language: str) -> None:
        """Index ``text`` of one chunk; ``scope`` groups siblings (e.g. doc id + parent clause)."""
        if chunk_id in self._seen:
            return
        self._seen.add(chunk_id)
        self.docs += 1
        lang = "zh" if language == "zh" or has_cjk(text) else "en"
        terms = term_candidates(text)
        self.df.update({normalise(t) for t in terms})
        found: list[Value] = [Value(t, "term", "term") for t in terms[:8]]
        from assistant.core.sentences import split_sentences

        for span in split_sentences(text, lang):
            found += number_values(span.text) + list_values(span.text)
        for v in found:
            key = (lang, v.kind, v.family)
            self.entries.setdefault(key, []).append((v.text, chunk_id, scope))

    def rarity(self, term: str) -> float:
        return 1.0 - self.df.get(normalise(term), 0) / max(self.docs, 1)

    def candidates(self, value: Value, language: str) -> Iterable[tuple[str, str, str]]:
        return self.entries.get(("zh" if language == "zh" else "en", value.kind, value.family), [])
