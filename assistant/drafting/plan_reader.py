"""Read an author's plan (.md, .txt, .docx, .pdf) into passages that know their heading and page.

The indexing loaders are used when present (they normalise text and keep page numbers); small readers
of our own cover the same formats otherwise. Passages are paragraphs; long ones are cut at sentence
boundaries so one long paragraph on many topics does not blur its similarity scores.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.core.errors import EmptyDocumentError, UnsupportedFileError
from assistant.core.types import Page

MAX_PASSAGE_CHARS = 700
# PDF text has lost its paragraph breaks: shorter pieces keep a one-sentence paragraph from being blurred
# by its neighbours.
MAX_FLAT_PASSAGE_CHARS = 350
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_SENT_END = re.compile(r"(?<=[.!?。；！？])\s+")
_ENDS_SENTENCE = re.compile(r"[.!?。；！？:：]\s*$")
_OPEN_END = re.compile(r"[,;，、；(（–—-]\s*$")


@dataclass(slots=True)
class PlanPassage:
    text: str
    heading: str  # heading path, "Section › Sub-section"
    page: int


def _pages(path: Path, settings: Any = None) -> list[Page]:
    if settings is not None:
        from indexing.loaders import load_file  # the loaders pull in pypdf and bs4: only when a file is read

        return list(load_file(path, settings).pages)
    suffix = path.suffix.lower()
    if suffix in (".md", ".markdown", ".txt"):
        return [Page(1, path.read_text(encoding="utf-8", errors="replace"))]
    if suffix == ".docx":
        return [Page(1, _docx_markdown(path))]
    if suffix == ".pdf":
        from pypdf import PdfReader

        return [Page(n, page.extract_text() or "") for n, page in enumerate(PdfReader(str(path)).pages, 1)]
    raise UnsupportedFileError(
        path, f"plans in {suffix or 'files without a suffix'} cannot be read", "use .md, .txt, .docx or .pdf"
    )


def _docx_markdown(path: Path) -> str:
    from docx import Document

    lines = []
    for para in Document(str(path)).paragraphs:
        style = (para.style.name if para.style is not None else "") or ""
        level = re.match(r"Heading (\d)", style)
        if level:
            lines.append("#" * int(level.group(1)) + " " + para.text)
        elif para.text.strip():
            lines.append(para.text)
        lines.append("")
    return "\n".join(lines)


def _cut(text: str, limit: int = MAX_PASSAGE_CHARS) -> list[str]:
    if len(text) <= limit:
        return [text]
    out, cur = [], ""
    for sent in _SENT_END.split(text):
        if cur and len(cur) + len(sent) > limit:
            out.append(cur)
            cur = ""
        cur = f"{cur} {sent}".strip()
    return [*out, cur] if cur else out


def _flush(
    para: list[str], stack: list[tuple[int, str]], page_no: int, out: list[PlanPassage], limit: int = MAX_PASSAGE_CHARS
) -> None:
    text = " ".join(" ".join(para).split())
    para.clear()
    if len(text) >= 20:
        heading = " › ".join(h for _, h in stack)
        out.extend(PlanPassage(piece, heading, page_no) for piece in _cut(text, limit))


def _pdf_heading(line: str, prev: str) -> re.Match[str] | None:
    """A heading line of text extracted from a PDF, which has no Markdown marks and no blank lines: a short
    line without closing punctuation that follows the end of a sentence (or starts the page)."""
    s = line.strip()
    if not s or len(s) > 80 or len(s.split()) > 10 or _ENDS_SENTENCE.search(s) or _OPEN_END.search(s):
        return None
    if (prev and not _ENDS_SENTENCE.search(prev)) or not (s[0].isupper() or s[0].isdigit() or not s[0].isascii()):
        return None
    return _HEADING.match(f"## {s}")


def split_plan(pages: list[Page]) -> list[PlanPassage]:
    """Paragraph passages with the heading path in force and their page; headings become context."""
    stack: list[tuple[int, str]] = []
    out: list[PlanPassage] = []
    for page in pages:
        para: list[str] = []
        lines = page.text.splitlines()
        flat = len(lines) > 3 and not any(not x.strip() for x in lines)  # PDF text: no blank lines, no marks
        prev = ""
        limit = MAX_FLAT_PASSAGE_CHARS if flat else MAX_PASSAGE_CHARS
        for line in lines:
            m = _HEADING.match(line.strip()) or (_pdf_heading(line, prev) if flat else None)
            prev = "." if m else line.strip()  # a heading ends its line like a sentence does
            if m:
                _flush(para, stack, page.number, out, limit)
                level = len(m.group(1))
                stack[:] = [(lv, h) for lv, h in stack if lv < level] + [(level, m.group(2).strip("*_ "))]
            elif not line.strip():
                _flush(para, stack, page.number, out, limit)
            else:
                para.append(line.strip().lstrip("-*+ ").strip())
        _flush(para, stack, page.number, out, limit)
    return out


def read_plan(path: Path, settings: Any = None) -> list[PlanPassage]:
    """The plan's passages; an unreadable or empty plan raises an IngestError naming the file."""
    if not path.is_file():
        raise EmptyDocumentError(path, "the plan file does not exist", "check the path given to msra check")
    passages = split_plan(_pages(path, settings))
    if not passages:
        raise EmptyDocumentError(path, "no text found in the plan", "give a plan with paragraphs of text")
    return passages
