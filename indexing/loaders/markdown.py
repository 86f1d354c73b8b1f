"""Markdown and plain-text files: decoding and optional YAML front matter.

Decoding order: a BOM (UTF-8/16/32) wins; then UTF-8 (tolerating a few broken bytes among many valid
multi-byte characters); then GB18030 when the result really is mostly Chinese (legacy files from Chinese
government sites); then Windows-1252; then latin-1, which never fails.
Text files have no pages: the whole text is page 1.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path
from typing import Any

from assistant.core.text import CJK_WIDE
from assistant.core.types import LoadedDocument, Page

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_CJK = re.compile(f"[{CJK_WIDE}]")
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)---[ \t]*\n", re.DOTALL)
# "**bold**" / "__bold__" spans on one line; the words stay, the markers would end up in quotes.
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE_CODE = re.compile(r"(`+)(.+?)\1")


def strip_emphasis(text: str) -> str:
    """Markdown text without strong-emphasis markers, except inside code fences and inline code."""
    if "**" not in text and "__" not in text:
        return text
    out: list[str] = []
    in_fence = False
    for line in text.split("\n"):
        if _FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence and ("**" in line or "__" in line):
            pieces = _INLINE_CODE.split(line) if "`" in line else [line]
            if len(pieces) > 1:  # split() yields text, ticks, code, text, …: only text pieces change
                line = "".join(
                    _STRONG.sub(r"\2", p) if k % 3 == 0 else p + pieces[k + 1] + p if k % 3 == 1 else ""
                    for k, p in enumerate(pieces)
                )
            else:
                line = _STRONG.sub(r"\2", line)
        out.append(line)
    return "\n".join(out)


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode file bytes; returns (text, encoding used)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), encoding
    try:
        # surrogatepass: an encoded lone surrogate must not push a UTF-8 file into a legacy codec
        return data.decode("utf-8", errors="surrogatepass"), "utf-8"
    except UnicodeDecodeError:
        pass
    lenient = data.decode("utf-8", errors="replace")
    non_ascii = sum(1 for c in lenient if ord(c) > 127)
    if lenient.count("\ufffd") <= 0.01 * non_ascii:
        return lenient, "utf-8"  # a few broken bytes among much valid UTF-8; legacy codecs fail nearly always
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        pass
    else:
        # GB18030 accepts many Western byte pairs too: trust it only if its non-ASCII output is Chinese.
        non_ascii = [c for c in text[:20000] if ord(c) > 127]
        if non_ascii and sum(bool(_CJK.match(c)) for c in non_ascii) >= 0.8 * len(non_ascii):
            return text, "gb18030"
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _front_matter(text: str) -> tuple[str, dict[str, Any]]:
    m = _FRONT_MATTER.match(text)
    if not m:
        return text, {}
    import yaml

    try:
        data = yaml.safe_load(m.group(1))
    except yaml.YAMLError:
        return text, {}  # not front matter after all (e.g. a horizontal rule); keep the text
    if not isinstance(data, dict):
        return text, {}
    return text[m.end() :], {str(k): v for k, v in data.items()}


def load_markdown(path: Path, *, markdown: bool) -> LoadedDocument:
    """Read a Markdown (``markdown=True``) or plain-text file as one page."""
    text, encoding = decode_text(Path(path).read_bytes())
    extra: dict[str, Any] = {"encoding": encoding}
    title = None
    language = None
    if markdown:
        text, front = _front_matter(text.lstrip("\ufeff"))
        if front:
            extra["front_matter"] = front
            title = str(front["title"]) if front.get("title") else None
            language = str(front["lang"] if front.get("lang") else front.get("language") or "") or None
        text = strip_emphasis(text)
    return LoadedDocument(pages=[Page(1, text)], title=title, language=language, markdown=markdown, extra=extra)
