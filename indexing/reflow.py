"""Join the wrapped lines of PDF text back into paragraphs.

A PDF stores one text line per printed line, so a sentence wrapped by the typesetter arrives as two
"lines" and later stages (sentence splitting, quotes, heading detection) would treat them as units.
``reflow_pages`` joins a line with the next when the first one filled the measure (a wrapped line is
nearly as wide as the page's text column) and the next continues it. Headings, list items ("(a)",
"1.", "•", "第X条") and short last lines of paragraphs keep their own lines. A sentence that runs over
a page break is finished on the page where it started, so it stays one sentence with one page.
"""

from __future__ import annotations

import re
from dataclasses import replace

from assistant.core.text import CJK_WIDE
from assistant.core.types import Page
from indexing.enumerators import enum_prefix
from indexing.headings import classify_line

# A line at least this share of the measure (the long-line width) was wrapped by the typesetter.
FULL_SHARE = 0.72
_SENTENCE_END = re.compile(r"""[.!?;:。！？；：][\"'”’)\]」』]*$""")
_BULLET = re.compile(r"^[•●▪◦‣∙·\-–*]\s")
_NUMBER_ITEM = re.compile(r"^\d{1,3}[.)]\s")
_CJK = re.compile(f"[{CJK_WIDE}]")
# Words that end a line when a cross-reference is wrapped: "under subsection" / "(3)".
_REFERENCE_WORD = re.compile(
    r"\b(?:article|articles|section|sections|subsection|paragraph|paragraphs|point|item|clause|chapter|"
    r"part|schedule|annex|under|in|of|to|and|or|see)$",
    re.IGNORECASE,
)
_MAX_CARRY_LINES = 3  # lines of a new page that may finish a sentence begun on the page before


def _width(line: str) -> int:
    """Printed width in Latin-character units (CJK characters are about twice as wide)."""
    return len(line) + len(_CJK.findall(line))


def measure(pages: list[Page]) -> float:
    """The width of a full line: a high percentile of the line widths of the whole document."""
    widths = sorted(_width(s) for p in pages for line in p.text.split("\n") if (s := line.strip()))
    if not widths:
        return 0.0
    return float(widths[min(len(widths) - 1, int(len(widths) * 0.9))])


def _is_item(line: str) -> bool:
    return bool(enum_prefix(line) or _BULLET.match(line) or _NUMBER_ITEM.match(line))


def _heading(line: str, following: str) -> bool:
    try:
        return classify_line(line, following) is not None
    except Exception:  # a classification oddity must never lose text
        return False


def continues(line: str, nxt: str, after: str, full: float) -> bool:
    """Does ``nxt`` continue the paragraph that ``line`` (a stripped line) belongs to?

    ``after`` is the line following ``nxt`` (to classify headings) and ``full`` the full-line width.
    """
    if not line or not nxt or full <= 0:
        return False
    if _width(line) < FULL_SHARE * full:
        return False  # a short line ends a paragraph, a heading or a list item
    ended = bool(_SENTENCE_END.search(line))
    if _is_item(nxt):
        # "(b) …" after "…;" or ": " is the next item; after "under paragraph" it is a wrapped reference.
        return not ended and bool(_REFERENCE_WORD.search(line))
    if _heading(nxt, after):
        return not ended  # "… laid down in / Article 8." is a wrapped cross-reference
    first = nxt[0]
    if first.islower() or first.isdigit() or first in ",.;:)]%”’»" or not ended:
        return True
    # After a full stop a capital starts a sentence: it continues the paragraph unless it is a short
    # unterminated line (a title set on its own line).
    return not (_width(nxt) < 0.6 * full and not _SENTENCE_END.search(nxt))


def _glue(left: str, right: str) -> str:
    if _CJK.match(left[-1:]) and _CJK.match(right[:1]):
        return left + right  # Chinese wraps between characters, with no space to restore
    return f"{left} {right}"


def _reflow_lines(lines: list[str], full: float) -> list[str]:
    out: list[str] = []
    stripped = [line.strip() for line in lines]
    for i, line in enumerate(lines):
        prev = out[-1].strip() if out else ""
        last_raw = stripped[i - 1] if i > 0 else ""
        after = stripped[i + 1] if i + 1 < len(stripped) else ""
        if out and prev and continues(last_raw, stripped[i], after, full):
            out[-1] = _glue(out[-1].rstrip(), stripped[i])
        else:
            out.append(line)
    return out


def _carry(prev_lines: list[str], lines: list[str], full: float) -> tuple[list[str], list[str]]:
    """Move the end of a sentence that begins on the previous page up to that page."""
    tail = next((s.strip() for s in reversed(prev_lines) if s.strip()), "")
    if not tail or _SENTENCE_END.search(tail):
        return prev_lines, lines
    moved: list[str] = []
    i = 0
    while i < len(lines) and i < _MAX_CARRY_LINES:
        s = lines[i].strip()
        last = moved[-1] if moved else tail
        after = lines[i + 1].strip() if i + 1 < len(lines) else ""
        if not s or not continues(last, s, after, full):
            break
        m = re.search(f"[.!?。！？][\"'”’)]*\\s+(?=[A-Z{CJK_WIDE}(])", s)
        if m:  # the sentence ends inside this line: move only its end
            moved.append(s[: m.end()].rstrip())
            return _append(prev_lines, moved), [s[m.end() :], *lines[i + 1 :]]
        moved.append(s)
        i += 1
        if _SENTENCE_END.search(s):
            return _append(prev_lines, moved), lines[i:]
    return prev_lines, lines  # no sentence end found nearby: leave the page as it is


def _append(prev_lines: list[str], moved: list[str]) -> list[str]:
    out = list(prev_lines)
    while out and not out[-1].strip():
        out.pop()
    for s in moved:
        out[-1] = _glue(out[-1].rstrip(), s)
    return out


def reflow_pages(pages: list[Page]) -> list[Page]:
    """Pages with wrapped lines joined into paragraphs; page numbers and order kept."""
    full = measure(pages)
    if full < 30:
        return pages  # too narrow to tell a wrapped line from a short one (tables, forms)
    split = [p.text.split("\n") for p in pages]
    for k in range(1, len(split)):
        split[k - 1], split[k] = _carry(split[k - 1], split[k], full)
    return [
        replace(p, text="\n".join(_reflow_lines(lines, full)).strip("\n"))
        for p, lines in zip(pages, split, strict=True)
    ]
