"""Read a file into normalised pages.

``load_file`` picks a loader by suffix, then checks the bytes really are that kind of file (a PNG
renamed to .pdf is refused with "not a PDF (looks like PNG)" instead of a parser stack trace).
Every page is normalised (:mod:`indexing.normalize`); PDF pages also lose running headers/footers
and have their wrapped lines joined into paragraphs (:mod:`indexing.reflow`).
Loader modules import their parser libraries lazily, so importing this package stays cheap.

Run untrusted files through :func:`indexing.worker.parse_in_worker`, which adds time/memory limits.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Protocol

from assistant.core.errors import CorruptDocumentError, EmptyDocumentError, UnsupportedFileError
from assistant.core.types import LoadedDocument
from indexing.filetypes import LOADER_NAMES, LOADERS, SUPPORTED_SUFFIXES
from indexing.normalize import normalize_text, strip_repeated_lines
from indexing.reflow import reflow_pages


class ParseLimits(Protocol):
    """What loaders need from the settings (``assistant.core.config.Settings`` satisfies it). Kept minimal so
    the parse worker can pass plain limits without importing the settings machinery."""

    max_pages: int


_NAMES = LOADER_NAMES

# (magic bytes at offset 0, name). Checked in order; first match wins.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"PK\x03\x04", "ZIP"),
    (b"PK\x05\x06", "ZIP"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "legacy MS Office (.doc/.xls)"),
    (b"\x1f\x8b", "gzip"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"Rar!", "RAR"),
    (b"\x7fELF", "ELF executable"),
    (b"{\\rtf", "RTF"),
    (b"RIFF", "RIFF media"),
)


def sniff(head: bytes, *, pdf_anywhere: bool = True) -> str | None:
    """Name of the format the first bytes of a file reveal ("PDF", "PNG", "HTML", "ZIP" …), or None.

    Readers accept junk before "%PDF-" in the first KiB; ``pdf_anywhere=False`` asks for it at the
    start, so a text file that merely mentions "%PDF-1.7" is not taken for a PDF.
    """
    if (b"%PDF-" in head[:1024]) if pdf_anywhere else head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"%PDF-"):
        return "PDF"
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return "DOCX" if name == "ZIP" and b"word/" in head else name
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body")):
        return "HTML"
    if text.startswith(b"<?xml"):
        return "XML"
    return None


def _check_bytes(path: Path, kind: str, head: bytes) -> None:
    found = sniff(head)
    expected = {"pdf": "PDF", "docx": "DOCX"}.get(kind)
    if expected is not None:
        if found == expected or (kind == "docx" and found == "ZIP"):
            return
        looks = f"looks like {found}" if found else "its first bytes match no known format"
        raise CorruptDocumentError(
            path,
            f"not a {expected} ({looks})",
            f"check that the file is a real {expected} (was it renamed or cut short?) and export it again",
        )
    # Text-like loaders accept any bytes except well-known binary formats.
    found = sniff(head, pdf_anywhere=False)
    if found is not None and found not in {"HTML", "XML"}:
        raise CorruptDocumentError(
            path,
            f"not a {_NAMES[kind]} (looks like {found})",
            "give the file its real suffix, or convert it to one of " + ", ".join(SUPPORTED_SUFFIXES),
        )


def load_file(path: Path, settings: ParseLimits) -> LoadedDocument:
    """Read ``path`` into normalised pages; raises an :class:`~assistant.core.errors.IngestError` subclass."""
    path = Path(path)
    kind = LOADERS.get(path.suffix.lower())
    if not path.is_file():
        raise UnsupportedFileError(path, "no such file (or it is a folder)", "check the path")
    with path.open("rb") as fh:
        head = fh.read(4096)
    if kind is None:
        found = sniff(head)
        hint = f"; it looks like {found}" if found else ""
        raise UnsupportedFileError(
            path,
            f"unsupported file type {path.suffix or '(no suffix)'!r}{hint}",
            "supported types are " + ", ".join(SUPPORTED_SUFFIXES) + "; convert or rename the file",
        )
    if not head:
        raise EmptyDocumentError(path, "the file is empty (0 bytes)", "supply the complete file")
    _check_bytes(path, kind, head)

    if kind == "pdf":
        from indexing.loaders.pdf import load_pdf

        doc = load_pdf(path, settings)
    elif kind in ("markdown", "text"):
        from indexing.loaders.markdown import load_markdown

        doc = load_markdown(path, markdown=kind == "markdown")
    elif kind == "html":
        from indexing.loaders.html import load_html

        doc = load_html(path)
    else:
        from indexing.loaders.docx import load_docx

        doc = load_docx(path)
    return finish(path, doc, strip_running=kind == "pdf")


def finish(path: Path, doc: LoadedDocument, *, strip_running: bool) -> LoadedDocument:
    """Normalise every page (and drop running headers/footers); refuse documents without text."""
    pages = [replace(p, text=normalize_text(p.text)) for p in doc.pages]
    if strip_running and len(pages) > 1:
        pages = strip_repeated_lines(pages)
    if strip_running:
        pages = reflow_pages(pages)  # PDF lines are printed lines: join wrapped ones into paragraphs
    if not any(p.text.strip() for p in pages):
        raise EmptyDocumentError(path, "the file contains no text", "check that it is the document you meant")
    title = normalize_text(doc.title).strip() if doc.title else None
    return replace(doc, pages=pages, title=title or None)
