"""Turn answer text with ``[n]`` markers into a validated :class:`Answer` — shared by both engines.

- ``[n]`` names ``passages[n-1]``; "[1, 2]" and "[1][2]" are read too. Markers naming no passage are
  removed from the text and listed in ``Answer.dropped_markers``.
- Markers are renumbered 1..m in order of first appearance; ``citations[i]`` is marker ``[i+1]``.
- Each citation quotes the span of its passage that best supports the sentences citing it: an exact
  substring of the chunk text, with the page of that span when the chunk spans pages ("\\f" breaks).
- A sentence without a marker, or whose cited passages do not support it (too few of its words in the
  passage, or a number the passage does not contain), is listed in ``Answer.unsupported_sentences``.
- Text that is (or starts with) the fixed refusal becomes ``refused=True`` with no citations.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from assistant.core.sentences import Span, split_sentences
from assistant.core.tokens import has_cjk, numbers, tokenize
from assistant.core.types import REFUSAL, Answer, Citation, Passage

MARKER = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")
_ONLY_MARKERS = re.compile(r"^(?:\s*\[\d+\])+")
# The refusal as models actually write it: "1. The indexed documents do not answer this question." counts too.
_REFUSAL_START = re.compile(
    r"^[\s*>#-]*(?:\d+[.)]\s*)?\**" + re.escape(REFUSAL.rstrip(".")) + r"(?:\s+question)?\s*(?:[.。!]|$)",
    re.IGNORECASE,
)
MIN_SUPPORT = 0.5  # share of a sentence's content words the cited passage must contain
MAX_QUOTE_CHARS = 900


@dataclass
class _Use:
    """What the answer asks of one cited passage: the spans quoted for it."""

    passage: Passage
    spans: list[tuple[float, int, int]] = field(default_factory=list)  # (score, start, end)


def _lang(text: str) -> str:
    return "zh" if has_cjk(text) else "en"


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def best_span(sentence: str, chunk_text: str, language: str) -> tuple[float, int, int]:
    """(score, start, end) of the chunk span supporting ``sentence`` best; exact containment scores 1."""
    plain = sentence.strip()
    pos = chunk_text.find(plain) if plain else -1
    if pos >= 0:
        return 1.0, pos, pos + len(plain)
    q = set(tokenize(plain))
    best = (0.0, 0, 0)
    for sp in split_sentences(chunk_text, language):
        s = set(tokenize(sp.text))
        if q and s:
            score = len(q & s) / math.sqrt(len(q) * len(s))
            if score > best[0]:
                best = (score, sp.start, sp.end)
    return best


def supports(sentence: str, text: str) -> bool:
    """Whether ``text`` backs ``sentence``: its numbers all appear and most of its content words do."""
    plain = _collapse(sentence)
    if not plain:
        return True
    if plain in _collapse(text):
        return True
    if not numbers(plain) <= numbers(text):
        return False
    q = set(tokenize(plain))
    if not q:
        return True
    return len(q & set(tokenize(text))) / len(q) >= MIN_SUPPORT


def _sentences_with_markers(text: str) -> list[tuple[str, list[int]]]:
    """Answer sentences with the marker numbers each carries (markers opening a sentence go to the previous)."""
    units: list[tuple[str, list[int]]] = []
    spans: list[Span] = split_sentences(text, _lang(text))
    for sp in spans:
        body = sp.text
        lead = _ONLY_MARKERS.match(body)
        if lead and units:
            prev_markers = units[-1][1]
            prev_markers.extend(int(n) for n in re.findall(r"\d+", lead.group(0)))
            body = body[lead.end() :]
        markers = [int(n) for m in MARKER.finditer(body) for n in re.findall(r"\d+", m.group(1))]
        plain = _collapse(MARKER.sub(" ", body))
        if plain or markers:
            units.append((plain, markers))
    return [(s, m) for s, m in units if s]


def finalize_answer(question: str, text: str, passages: list[Passage], *, engine: str) -> Answer:
    """Validate ``text`` against ``passages`` (see the module docstring) and build the :class:`Answer`."""
    stripped = text.strip()
    if not stripped or _REFUSAL_START.match(stripped):
        # Whatever follows a refusal is not an answer (a small model was seen adding a planted <script> there).
        return Answer(question=question, answer=REFUSAL, refused=True, outcome="refused", engine=engine)
    dropped: list[str] = []
    renumber: dict[int, int] = {}  # old marker → new marker
    by_chunk: dict[str, int] = {}

    def rewrite(m: re.Match[str]) -> str:
        out = []
        for raw in re.findall(r"\d+", m.group(1)):
            n = int(raw)
            if not 1 <= n <= len(passages):
                if f"[{n}]" not in dropped:
                    dropped.append(f"[{n}]")
                continue
            if n not in renumber:
                cid = passages[n - 1].chunk.chunk_id
                renumber[n] = by_chunk.setdefault(cid, len(by_chunk) + 1)
            new = f"[{renumber[n]}]"
            if new not in out:
                out.append(new)
        return "".join(out)

    body = MARKER.sub(rewrite, stripped)
    body = re.sub(r"[ \t]+([.,;:。；，])", r"\1", re.sub(r"[ \t]{2,}", " ", body)).strip()
    new_to_passage = {new: passages[old - 1] for old, new in renumber.items()}
    uses = {new: _Use(p) for new, p in new_to_passage.items()}
    unsupported: list[str] = []
    for sentence, markers in _sentences_with_markers(body):
        cited = [uses[n] for n in dict.fromkeys(markers) if n in uses]
        if not cited:
            unsupported.append(sentence)
            continue
        ok = False
        for use in cited:
            chunk = use.passage.chunk
            pieces = [p for p in re.split(r"\s*(?:…|\.\.\.)\s*", sentence) if p.strip()] or [sentence]
            for piece in pieces:
                use.spans.append(best_span(piece, chunk.text, chunk.language))
            ok = ok or supports(sentence, chunk.text)
        if not ok:
            unsupported.append(sentence)
    citations = [_citation(n, uses[n]) for n in sorted(uses)]
    warnings = [] if citations else ["the answer cites no retrieved passage"]
    return Answer(
        question=question,
        answer=body,
        refused=False,
        citations=citations,
        engine=engine,
        unsupported_sentences=unsupported,
        dropped_markers=dropped,
        warnings=warnings,
    )


def _citation(n: int, use: _Use) -> Citation:
    chunk = use.passage.chunk
    spans = sorted((s for s in use.spans if s[2] > s[1]), key=lambda s: -s[0])
    if spans:
        exact = [s for s in spans if s[0] >= 1.0] or spans[:1]
        start, end = min(s[1] for s in exact), max(s[2] for s in exact)
        if end - start > MAX_QUOTE_CHARS:
            start, end = exact[0][1], exact[0][2]
    else:
        first = split_sentences(chunk.text, chunk.language)
        start, end = (first[0].start, first[0].end) if first else (0, min(len(chunk.text), 300))
    page = chunk.page_start + chunk.text.count("\f", 0, start)
    return Citation(
        marker=f"[{n}]",
        doc_id=chunk.doc_id,
        title=chunk.title,
        source=chunk.source,
        page=min(page, chunk.page_end) if chunk.page_end >= chunk.page_start else page,
        page_end=chunk.page_end,
        clause=chunk.clause,
        chunk_id=chunk.chunk_id,
        quote=chunk.text[start:end],
        kind=chunk.kind,
        jurisdiction=chunk.jurisdiction,
    )
