"""Text normalisation shared by all loaders.

``normalize_text`` makes extracted text safe and uniform (Unicode NFKC, no control, zero-width or bidi
characters, no lone surrogates, de-hyphenated line breaks, single spaces) without touching what later
stages rely on: Markdown headings, line structure, paragraph breaks, legal markers such as "(b)(20)",
"§ 1265" or "第四十六条", and the full-width CJK punctuation (，；：！？（）) that Chinese sentence and
enumeration rules expect — NFKC would turn those into ASCII, so they are kept as they are.

``strip_repeated_lines`` removes running headers/footers and page-number lines from PDF pages.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import replace

from assistant.core.types import Page

# Full-width punctuation that Chinese text needs as-is (NFKC maps it to ASCII).
_PROTECTED = "，！？；：（）～"
_NFKC_SEGMENT = re.compile(f"[^{_PROTECTED}]+")

# Removed outright: C0 controls except \t \n, DEL and C1 controls, zero-width and bidi controls,
# soft hyphen, BOM, lone surrogates and Unicode noncharacters.
_REMOVE = re.compile(
    "[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f"
    "\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff"
    "\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff]"
)
_ASCII_CONTROLS = bytes([*range(0, 9), 11, 12, *range(14, 32), 127])
_OTHER_BREAKS = re.compile("[\x0c\x0b\u2028\u2029\x85]")
_BREAK_CHARS = "\x0c\x0b\u2028\u2029\x85"
_HYPHEN_BREAK = re.compile(r"-[ \t]*\n[ \t]*")
_SPACE_RUN = re.compile(r"[ \t]{2,}")
_MANY_BLANK_LINES = re.compile(r"\n{3,}")

# The passes below are written for speed on 20 MB inputs: cheap `in` checks skip work that is not
# needed, ASCII text uses bytes.translate, and whitespace is tidied line by line with str methods.


def _line_breaks(s: str) -> str:
    if "\r" in s:
        s = s.replace("\r\n", "\n").replace("\r", "\n")
    if any(c in s for c in _BREAK_CHARS):
        s = _OTHER_BREAKS.sub("\n", s)
    return s


def _remove_controls(s: str) -> str:
    if s.isascii():
        raw = s.encode("ascii")
        cleaned = raw.translate(None, _ASCII_CONTROLS)
        return s if len(cleaned) == len(raw) else cleaned.decode("ascii")
    return _REMOVE.sub("", s)


def _nfkc(text: str) -> str:
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text
    return _NFKC_SEGMENT.sub(lambda m: unicodedata.normalize("NFKC", m.group()), text)


def _dehyphen(m: re.Match[str]) -> str:
    s, i, j = m.string, m.start(), m.end()
    # Only "restor-\nation": a capital after the break is usually a compound name or a new item.
    if i > 0 and j < len(s) and s[i - 1].isalpha() and s[i - 1].islower() and s[j].isalpha() and s[j].islower():
        return ""
    return m.group()


def _tidy_lines(s: str) -> str:
    out = []
    for line in s.split("\n"):
        line = line.rstrip(" \t")
        if "  " in line or "\t" in line:
            body = line.lstrip(" \t")
            line = line[: len(line) - len(body)] + _SPACE_RUN.sub(" ", body)  # indentation kept
        out.append(line)
    return "\n".join(out)


def normalize_text(s: str) -> str:
    """Normalise extracted text; idempotent. Keeps line structure, headings and paragraph breaks."""
    if not s:
        return ""
    s = _line_breaks(s)  # \f, \v, CR and Unicode separators before control removal
    s = _remove_controls(s)
    s = _nfkc(s)
    if "-" in s:
        s = _HYPHEN_BREAK.sub(_dehyphen, s)
    s = _tidy_lines(s)
    if "\n\n\n" in s:
        s = _MANY_BLANK_LINES.sub("\n\n", s)
    return s.strip("\n")


# ---- running headers and footers ------------------------------------------------------------------

_EDGE_LINES = 3
_PAGE_NUMBER_LINE = re.compile(
    r"""^\s*(?:
        [-–—]?\s*\d{1,5}\s*[-–—]?                                  # 12, - 5 -
      | (?:page|p\.|pg\.?)\s*\d{1,5}(?:\s*(?:of|/)\s*\d{1,5})?    # Page 3, Page 3 of 40, p. 7
      | \d{1,5}\s*(?:of|/)\s*\d{1,5}                              # 3 of 40, 3/40
      | 第\s*\d{1,5}\s*页(?:\s*[,，]?\s*共\s*\d{1,5}\s*页)?           # 第3页 共40页
    )\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
_STRUCTURAL = re.compile(
    r"(?:chapter|article|section|part|principle|standard|annex|appendix|schedule|table|figure|step|rule|art\.|§)",
    re.IGNORECASE,
)
_EDGE_NUMBER = re.compile(r"^(\d{1,5})\s+(.+)$|^(.+?)\s+(\d{1,5})$")


def _edge_indices(lines: list[str]) -> list[int]:
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return sorted(set(filled[:_EDGE_LINES] + filled[-_EDGE_LINES:]))


def _keys(line: str, page_number: int) -> list[str]:
    """Exact key, plus a key for "Title 12"-style lines whose number tracks the page number."""
    line = " ".join(line.split())
    keys = [line]
    m = _EDGE_NUMBER.match(line)
    if m:
        number = int(m.group(1) or m.group(4))
        rest = m.group(2) or m.group(3)
        # "Chapter 3" / "Article 12" on consecutive pages are content, not a running title.
        if len(rest.split()) >= 2 and not _STRUCTURAL.match(rest):
            keys.append(f"{rest}\x00{number - page_number}")
    return keys


def strip_repeated_lines(pages: list[Page]) -> list[Page]:
    """Drop running headers/footers and page-number lines from the first/last lines of each page.

    A line counts as running when it (or the same line with a page number that moves with the page)
    appears among the first or last three lines of at least half of the pages, and of three pages at
    least. Page-number-only lines ("12", "Page 3 of 40", "- 5 -") are dropped there on any page.
    """
    counts: Counter[str] = Counter()
    split = [p.text.split("\n") for p in pages]
    for page, lines in zip(pages, split, strict=True):
        seen: set[str] = set()
        for i in _edge_indices(lines):
            seen.update(_keys(lines[i], page.number))
        counts.update(seen)
    threshold = max(3, math.ceil(len(pages) / 2))
    running = {k for k, n in counts.items() if n >= threshold}

    out: list[Page] = []
    for page, lines in zip(pages, split, strict=True):
        drop = {
            i
            for i in _edge_indices(lines)
            if _PAGE_NUMBER_LINE.match(lines[i]) or any(k in running for k in _keys(lines[i], page.number))
        }
        if not drop:
            out.append(page)
            continue
        kept = "\n".join(line for i, line in enumerate(lines) if i not in drop)
        out.append(replace(page, text=_MANY_BLANK_LINES.sub("\n\n", kept).strip("\n")))
    return out
