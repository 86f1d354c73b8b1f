"""Enumerated legal paragraphs: "(a)", "(1)", "(A)", "(i)", "(I)" and how they nest.

Drafters nest enumerators by style — (a) subsection > (1) paragraph > (A) subparagraph > (i) clause
(U.S. Code; the CFR puts (i) before (A)) — so a new enumerator is a sibling of the open one with the
same style, or a child of the innermost open one. "(i)", "(v)", "(x)" are letters or Roman numerals:
the next enumerator that continues either list decides, else the neighbours do.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from assistant.core.numerals import int_to_roman, is_roman, roman_to_int

_ENUM_PREFIX = re.compile(r"^((?:\([A-Za-z0-9]{1,5}\))+)(?=\s|$|[—–-])\s*(.*)$")
_ENUM_TOKEN = re.compile(r"\(([A-Za-z0-9]{1,5})\)")


class Enumerated(Protocol):
    """An open clause as far as enumerator nesting cares."""

    style: str | None
    value: int | None


def enum_tokens(chain: str) -> list[str]:
    """The tokens of an enumerator chain: "(b)(20)" → ["b", "20"]."""
    return _ENUM_TOKEN.findall(chain)


def enum_prefix(line: str) -> tuple[list[str], str] | None:
    """Enumerator tokens at the start of a line ("(b)(20) text" → (["b", "20"], "text")), else None."""
    m = _ENUM_PREFIX.match(line.strip())
    if not m:
        return None
    tokens = enum_tokens(m.group(1))
    if not all(_valid_token(t) for t in tokens):
        return None
    return tokens, m.group(2)


def _valid_token(tok: str) -> bool:
    if tok.isdigit():
        return len(tok) <= 3
    if not tok.isalpha() or not (tok.islower() or tok.isupper()):
        return False
    return len(tok) == 1 or is_roman(tok) or (len(set(tok)) == 1 and len(tok) <= 3)


def token_styles(tok: str) -> list[tuple[str, int]]:
    """Possible (style, value) readings of an enumerator token, most likely first."""
    if tok.isdigit():
        return [("num", int(tok))]
    case = "l" if tok.islower() else "u"
    out: list[tuple[str, int]] = []
    if len(set(tok)) == 1 and not (len(tok) > 1 and is_roman(tok)):
        # a, b … z, then aa, bb … as the U.S. Code continues after z
        out.append((case + "alpha", (ord(tok[0].lower()) - 96) + 26 * (len(tok) - 1)))
    if is_roman(tok) and (len(tok) > 1 or tok in "ivxIVX"):
        out.append((case + "roman", roman_to_int(tok)))
    return out


def successors(tok: str) -> dict[str, str]:
    """The token that would follow ``tok`` in each of its readings: {"lalpha": "j", "lroman": "ii"}."""
    out: dict[str, str] = {}
    for style, value in token_styles(tok):
        if style.endswith("roman"):
            nxt = int_to_roman(value + 1)
            out[style] = nxt.lower() if style[0] == "l" else nxt
        elif style.endswith("alpha") and tok[0] not in "zZ":
            out[style] = chr(ord(tok[0]) + 1) * len(tok)
    return out


def choose_style(tok: str, context: Sequence[Enumerated], hint: str | None = None) -> tuple[str, int]:
    """Pick the reading of an ambiguous enumerator ("(i)": letter i or roman one).

    ``hint`` is the style the following enumerators confirm ("(ii)" follows → roman); without one,
    the neighbours decide: continuing the innermost list, then starting a new list, then any list.
    """
    readings = token_styles(tok)
    for style, value in readings:
        if style == hint:
            return style, value
    if context and any(
        context[0].style == style and context[0].value is not None and context[0].value + 1 == value
        for style, value in readings
    ):
        return next((s, v) for s, v in readings if s == context[0].style)
    styles = {n.style for n in context}
    for style, value in readings:
        if value == 1 and style not in styles:
            return style, value
    for style, value in readings:
        if any(n.style == style and n.value is not None and n.value + 1 == value for n in context):
            return style, value
    for style, value in readings:
        if style in styles:
            return style, value
    return readings[0]


def style_hint(tok: str, lines: Sequence[tuple[int, str]], i: int, markdown: bool) -> str | None:
    """For "(i)", "(v)", "(x)": the reading confirmed by the next enumerator that continues either list."""
    nexts = successors(tok)
    if len(nexts) < 2:
        return None
    wanted = {f"({t})": style for style, t in nexts.items()}
    for _, line in lines[i + 1 : i + 80]:
        s = line.lstrip()
        if markdown and s.startswith("#"):
            return None
        head = s[: s.find(")") + 1] if s.startswith("(") else ""
        if head in wanted:
            return wanted[head]
    return None
