"""The quotable units of retrieved passages: sentences, table rows, enumerated items with their lead-in.

The extractive engine scores these candidates (:mod:`assistant.answer.extractive`) and renders the chosen
ones here: each quoted unit is followed by its ``[n]`` marker (n = passage position + 1), grouped by
passage in source order. An enumerated item ("(5) remove the topsoil …") gets its lead-in sentence
("… shall require the operation to— … (5) …"); a lead-in ending in ":" or "—" brings its items, while
they stay short in total.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.core.instructions import is_instruction_like
from assistant.core.sentences import Span, split_sentences
from assistant.core.tokens import has_cjk, tokenize
from assistant.core.types import Passage

_HEADING = re.compile(r"^#{1,6}\s+")
ENUM = re.compile(r"^(?:and\s+|or\s+)?\((?:[0-9]{1,3}|[A-Za-z]|[ivxlIVXL]{1,5})\)\s")
_LEAD_END = re.compile(r"(?:[:—–-]|\bto|\bthat|\bshall|\bmust|\bwhich|\bincluding)\s*$")
_INTRO_END = re.compile(r"[:：—–]\s*$")
_ZH_ENUM = re.compile(r"^[（(][一二三四五六七八九十]+[）)]")
ITEMS_BUDGET = 700  # characters of enumerated items quoted after their lead-in
MAX_ITEMS = 8
MIN_SENTENCE_CHARS = {"en": 25, "zh": 8}
HAS_NUMBER = re.compile(
    r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty|forty|fifty|hundred)\b"
    r"|[一二两三四五六七八九十百千万]+(?:年|日|个|倍|厘米|米|公顷|亩|%)",
    re.I,
)


@dataclass
class Candidate:
    passage_index: int  # 0-based index into the passages: marker = index + 1
    order: int  # sentence index inside the passage
    span: Span
    score: float = 0.0
    cos: float = 0.0
    lex: float = 0.0
    header: str = ""  # a table row's header row: its column names place the row's values


def candidates(passages: list[Passage], focus: list[int]) -> list[Candidate]:
    """The quotable sentences of the passages in ``focus`` (headings, instructions and scraps left out)."""
    out: list[Candidate] = []
    for i in focus:
        p = passages[i]
        lang = "zh" if p.chunk.language.startswith("zh") or has_cjk(p.chunk.text[:200]) else "en"
        order, header = 0, ""
        for sp in split_sentences(p.chunk.text, lang):
            in_table = " | " in sp.text
            header = (header or sp.text) if in_table else ""  # the first row of a table names its columns
            head = _HEADING.match(sp.text)
            if head:  # headings are titles, except the long ones that carry a provision (US Code)
                sp = Span(sp.start + head.end(), sp.end, sp.text[head.end() :])
                if len(sp.text.split()) < 8 and not has_cjk(sp.text):
                    continue
            if is_instruction_like(sp.text):
                continue  # planted instructions are never quoted as the answer (SECURITY.md)
            if in_table and header == sp.text and not HAS_NUMBER.search(sp.text):
                continue  # a header row names columns and states nothing: it places the rows below
            table_row = " | " in sp.text and bool(HAS_NUMBER.search(sp.text))  # "Decommissioned | $38,500"
            if (len(sp.text) < MIN_SENTENCE_CHARS[lang] and not table_row) or not re.search(r"\w", sp.text):
                continue
            out.append(Candidate(i, order, sp, header=header if in_table and header != sp.text else ""))
            order += 1
    return out


def items(c: Candidate, pool: list[Candidate]) -> list[Candidate]:
    """The enumerated items a lead-in ("… shall:", "…包括：") introduces, while they stay short in total."""
    if not _INTRO_END.search(c.span.text):
        return []
    after = sorted((o for o in pool if o.passage_index == c.passage_index and o.order > c.order), key=lambda o: o.order)
    out: list[Candidate] = []
    size = 0
    for o in after:
        if o.order != c.order + len(out) + 1 or not (ENUM.match(o.span.text) or _ZH_ENUM.match(o.span.text)):
            break
        size += len(o.span.text)
        if size > ITEMS_BUDGET or len(out) >= MAX_ITEMS:
            break
        out.append(o)
    return out


def lead_in(c: Candidate, pool: list[Candidate]) -> Candidate | None:
    """The sentence introducing an enumerated item, when the item is one."""
    if not ENUM.match(c.span.text):
        return None
    same = [o for o in pool if o.passage_index == c.passage_index and o.order < c.order]
    for o in reversed(same):
        if not ENUM.match(o.span.text):
            return o if _LEAD_END.search(o.span.text) or o.order == 0 else None
    return None


RESTATES_NEW_WORDS = 1  # a sentence adding at most this many words to the question's only restates it


def continuation(c: Candidate, pool: list[Candidate], question_terms: set[str]) -> Candidate | None:
    """The next sentence of ``c``'s passage when ``c`` only restates the question: "The upper Rhine and upper
    Danube are easily crossed." cannot answer "Where are they crossed?"; what follows it may."""
    if len(set(tokenize(c.span.text)) - question_terms) > RESTATES_NEW_WORDS:
        return None
    return next((o for o in pool if o.passage_index == c.passage_index and o.order == c.order + 1), None)


def unit_text(c: Candidate, pool: list[Candidate]) -> str:
    """A chosen sentence with its items and lead-in: the unit that must hold what is asked."""
    lead = lead_in(c, pool)
    return " ".join([c.span.text, *(o.span.text for o in items(c, pool))] + ([lead.span.text] if lead else []))


def render(chosen: list[Candidate], pool: list[Candidate]) -> str:
    """The chosen units with their markers: the best passage's units first, each passage's in source order."""
    group_best: dict[int, float] = {}
    for c in chosen:
        group_best[c.passage_index] = max(group_best.get(c.passage_index, -9.0), c.score)
    ordered = sorted(chosen, key=lambda c: (-group_best[c.passage_index], c.passage_index, c.order))
    parts: list[str] = []
    used: set[tuple[int, int]] = {(c.passage_index, c.order) for c in chosen}
    for c in ordered:
        text = c.span.text
        lead = lead_in(c, pool)
        if lead is not None and (lead.passage_index, lead.order) not in used:
            text = f"{lead.span.text} … {text}"
            used.add((lead.passage_index, lead.order))
        marker = f"[{c.passage_index + 1}]"
        for item in items(c, pool):
            if (item.passage_index, item.order) not in used:
                text = f"{text} {marker} {item.span.text}"  # every quoted unit carries its marker
                used.add((item.passage_index, item.order))
        parts.append(f"{text} {marker}")
    zh = all(has_cjk(p) for p in parts)
    return ("" if zh else " ").join(parts)
