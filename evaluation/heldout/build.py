"""Build the held-out evaluation documents (TXT, PDF, DOCX, HTML, Markdown) into a folder.

The sources in ``sources/`` are text we wrote ourselves; PDF and DOCX files are rendered from their
``.pdf.md`` / ``.docx.md`` specs so no binary file is stored. Usage::

    python -m evaluation.heldout.build OUTDIR

A ``.pdf.md`` spec is Markdown-like text whose pages are separated by ``<!-- page -->`` lines; it is drawn
with ``tests/pdfgen.make_pdf`` (running header, "Page N of M" footers). A ``.docx.md`` spec uses ``#`` for the
Title style, ``##``/``###``/``####`` for Heading 1–3, ``- `` for bullets and one pipe table.
"""

from __future__ import annotations

import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SOURCES = HERE / "sources"
REPO = HERE.parent.parent
PAGE_BREAK = "<!-- page -->"


@dataclass(frozen=True)
class HeldoutDoc:
    """One held-out document: its source spec and the file the builder writes."""

    source: str
    output: str
    fmt: str  # pdf | docx | copy
    title: str = ""
    header: str = ""

    @property
    def doc_id(self) -> str:
        """The doc_id msra derives from the built file name (slug of the name without its last suffix)."""
        import re

        stem = self.output.rsplit(".", 1)[0]
        return re.sub(r"[^a-z0-9]+", "-", stem.lower()).strip("-")


DOCS: tuple[HeldoutDoc, ...] = (
    HeldoutDoc(
        "nordvale-mine-rehabilitation-regulation-2019.txt", "nordvale-mine-rehabilitation-regulation-2019.txt", "copy"
    ),
    HeldoutDoc(
        "astoria-mine-closure-act-2021.pdf.md",
        "astoria-mine-closure-act-2021.pdf",
        "pdf",
        title="Mine Closure and Land Restoration Act 2021 (Republic of Astoria)",
        header="Official Gazette of the Republic of Astoria No. 118 - Act No. 17 of 2021",
    ),
    HeldoutDoc(
        "kestrel-closure-planning-guideline.docx.md",
        "kestrel-closure-planning-guideline.docx",
        "docx",
        title="Kestrel Minerals Group - Closure Planning Guideline",
    ),
    HeldoutDoc("tasmere-gn12-progressive-rehabilitation.html", "tasmere-gn12-progressive-rehabilitation.html", "copy"),
    HeldoutDoc("redgum-creek-revegetation-case-study.md", "redgum-creek-revegetation-case-study.md", "copy"),
    HeldoutDoc(
        "lanshan-mine-geoenv-restoration-measures.zh.md", "lanshan-mine-geoenv-restoration-measures.zh.md", "copy"
    ),
)


def pdf_pages(spec: str) -> list[str]:
    """The page texts of a ``.pdf.md`` spec (split on ``<!-- page -->`` lines)."""
    return [p.strip("\n") for p in spec.split(PAGE_BREAK)]


def _build_pdf(doc: HeldoutDoc, out: Path) -> None:
    if str(REPO / "tests") not in sys.path:
        sys.path.insert(0, str(REPO / "tests"))
    from pdfgen import make_pdf

    pages = pdf_pages((SOURCES / doc.source).read_text(encoding="utf-8"))
    make_pdf(out, pages, title=doc.title, header=doc.header, footer_page_numbers=True)


def _add_table(document: object, rows: list[list[str]]) -> None:
    table = document.add_table(rows=len(rows), cols=len(rows[0]))  # type: ignore[attr-defined]
    table.style = "Table Grid"
    for r, cells in enumerate(rows):
        for c, text in enumerate(cells):
            cell = table.cell(r, c)
            cell.text = text
            if r == 0:
                for run in cell.paragraphs[0].runs:
                    run.bold = True


def _build_docx(doc: HeldoutDoc, out: Path) -> None:
    from docx import Document

    document = Document()
    document.core_properties.title = doc.title
    document.core_properties.author = "Group Closure Team"
    table_rows: list[list[str]] = []
    for line in (SOURCES / doc.source).read_text(encoding="utf-8").splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if not all(set(c) <= set("-: ") for c in cells):
                table_rows.append(cells)
            continue
        if table_rows:
            _add_table(document, table_rows)
            table_rows = []
        if not line.strip():
            continue
        hashes = len(line) - len(line.lstrip("#"))
        if hashes:
            document.add_heading(line[hashes:].strip(), level=hashes - 1)  # "#" -> Title, "##" -> Heading 1
        elif line.startswith("- "):
            document.add_paragraph(line[2:], style="List Bullet")
        elif line.startswith("Table "):
            document.add_paragraph(line, style="Caption")
        else:
            document.add_paragraph(line)
    if table_rows:
        _add_table(document, table_rows)
    document.save(str(out))


def build(outdir: Path | str) -> list[Path]:
    """Write every held-out document into ``outdir`` (created if needed); return the written paths."""
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    written = []
    for doc in DOCS:
        out = outdir / doc.output
        if doc.fmt == "pdf":
            _build_pdf(doc, out)
        elif doc.fmt == "docx":
            _build_docx(doc, out)
        else:
            shutil.copyfile(SOURCES / doc.source, out)
        written.append(out)
    return written


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m evaluation.heldout.build OUTDIR", file=sys.stderr)
        return 2
    for path in build(args[0]):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
