"""DOCX to Markdown-like text with python-docx.

Paragraphs styled "Heading N" become N '#' headings ("Title" becomes '#'), list paragraphs '- ' lines
indented by level, tables one line per row with cells joined by ' | '. Body order is kept.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from assistant.core.errors import CorruptDocumentError
from assistant.core.types import LoadedDocument, Page

_HEADING_STYLE = re.compile(r"^heading\s*(\d)$", re.IGNORECASE)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _paragraph_line(paragraph: Any) -> str:
    text = paragraph.text.strip()
    if not text:
        return ""
    style = (paragraph.style.name if paragraph.style is not None else "") or ""
    m = _HEADING_STYLE.match(style.strip())
    if m:
        return "#" * max(1, min(6, int(m.group(1)))) + " " + text
    if style.strip().lower() == "title":
        return "# " + text
    num_pr = paragraph._p.find(f"{_W}pPr/{_W}numPr")
    if num_pr is not None or style.lower().startswith("list"):
        level = 0
        if num_pr is not None:
            ilvl = num_pr.find(f"{_W}ilvl")
            if ilvl is not None and (ilvl.get(f"{_W}val") or "").isdigit():
                level = int(ilvl.get(f"{_W}val"))
        return "  " * level + "- " + text
    return text


def _table_lines(table: Any) -> list[str]:
    lines = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            text = " ".join(cell.text.split())
            if not cells or text != cells[-1]:  # merged cells repeat their text
                cells.append(text)
        if any(cells):
            lines.append(" | ".join(cells))
    return lines


def load_docx(path: Path) -> LoadedDocument:
    """Read a DOCX file as one Markdown-like page."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(str(path))
    except Exception as exc:  # BadZipFile, PackageNotFoundError, KeyError, XMLSyntaxError …
        raise CorruptDocumentError(
            path,
            f"not a readable DOCX ({type(exc).__name__}: {str(exc)[:160]})",
            "open it in Word or LibreOffice and save it again as .docx",
        ) from exc
    blocks: list[str] = []
    for element in document.element.body.iterchildren():
        if element.tag == f"{_W}p":
            line = _paragraph_line(Paragraph(element, document))
            if line:
                blocks.append(line)
        elif element.tag == f"{_W}tbl":
            rows = _table_lines(Table(element, document))
            if rows:
                blocks.append("\n".join(rows))
    title = (document.core_properties.title or "").strip() or None
    return LoadedDocument(pages=[Page(1, _join(blocks))], title=title, markdown=True, extra={})


def _join(blocks: list[str]) -> str:
    out: list[str] = []
    for block in blocks:
        if out and not (block.lstrip().startswith("- ") and out[-1].lstrip().startswith("- ")):
            out.append("")
        out.append(block)
    return "\n".join(out)
