"""Sentence spans with character offsets into the source text, so quotes are exact substrings.

English goes through pysbd (it knows "Prof.", "U.S.C.", "e.g."), after two legal rules of our own:
lines are units of their own (Markdown paragraphs, headings and list items), and an enumerated item
after ";" or ":" ("… ; (3) restore …") starts a new unit. References such as "§ 1265(b)(20)" or
"816.116(a)(2)" are masked before pysbd sees them so they are never split. Chinese ends at 。！？；
and at line ends; "；" separates the parts of one sentence (a duty; the penalty for breaching it), so it
splits only a sentence longer than ``ZH_LONG`` characters.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from assistant.core.tokens import has_cjk


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int
    text: str


_LINE = re.compile(r"[^\n]+")
_ENUM_BREAK = re.compile(r"(?<=[;:—])\s+(?=(?:and\s+|or\s+)?\((?:[0-9]{1,3}|[A-Za-z]|[ivxlIVXL]{1,5})\)\s)")
_REF_PAREN = re.compile(r"(?<=[0-9A-Za-z)])\([A-Za-z0-9]{1,5}\)")
_ZH_END = re.compile(r"[^。！？!?\n]*(?:[。！？!?]+[”’」』)]*|$)")
_ZH_PART = re.compile(r"[^；;]*(?:[；;]+|$)")
ZH_LONG = 160


_LOCAL = threading.local()


def _segmenter() -> Any:
    """One pysbd segmenter per thread: a segmenter keeps the text it works on, so threads must not share it."""
    seg = getattr(_LOCAL, "segmenter", None)
    if seg is None:
        import pysbd

        seg = _LOCAL.segmenter = pysbd.Segmenter(language="en", clean=False, char_span=True)
    return seg


def _mask(text: str) -> str:
    # same length, so pysbd's offsets stay valid in the original text
    return _REF_PAREN.sub(lambda m: "_" * len(m.group(0)), text)


def _english_piece(text: str, offset: int, out: list[Span]) -> None:
    masked = _mask(text)
    try:
        spans = _segmenter().segment(masked)
    except Exception:  # pysbd has crashed on odd inputs; a whole piece is still a valid unit
        spans = []
    pos = 0
    cuts = []
    for sp in spans:
        # pysbd's spans cover the text; trust only their end offsets, and recover from drift
        end = sp.end if masked[sp.start : sp.end] == sp.sent else masked.find(sp.sent, pos) + len(sp.sent)
        if end > pos:
            cuts.append(end)
            pos = end
    if not cuts or cuts[-1] < len(text):
        cuts.append(len(text))
    start = 0
    for end in cuts:
        _add(text, start, end, offset, out)
        start = end


def _add(text: str, start: int, end: int, offset: int, out: list[Span]) -> None:
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return
    lead = len(piece) - len(piece.lstrip())
    s = offset + start + lead
    out.append(Span(s, s + len(stripped), stripped))


def split_sentences(text: str, language: str | None = None) -> list[Span]:
    """Sentence-like units of ``text`` with offsets; ``text[s.start:s.end] == s.text`` always holds."""
    out: list[Span] = []
    for line in _LINE.finditer(text):
        body = line.group(0)
        base = line.start()
        if language == "zh" or (language is None and has_cjk(body)) or (language != "en" and has_cjk(body)):
            for m in _ZH_END.finditer(body):
                if not m.group(0):
                    continue
                if len(m.group(0).strip()) <= ZH_LONG:
                    _add(body, m.start(), m.end(), base, out)
                    continue
                for part in _ZH_PART.finditer(m.group(0)):
                    if part.group(0):
                        _add(body, m.start() + part.start(), m.start() + part.end(), base, out)
            continue
        start = 0
        for m in _ENUM_BREAK.finditer(body):
            _english_piece(body[start : m.start()], base + start, out)
            start = m.end()
        _english_piece(body[start:], base + start, out)
    return out
