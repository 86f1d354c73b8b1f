"""PDF pages with pypdf, page by page, 1-based page numbers kept.

pypdf reads text in content-stream order. Producers that draw two-column pages row by row
(left line, right line, …) would come out interleaved, so each page's text fragments are also
collected with their positions and, where a two-column block is found, re-ordered left column first.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.errors import (
    CorruptDocumentError,
    EmptyDocumentError,
    EncryptedDocumentError,
    ParseLimitError,
)
from assistant.core.types import LoadedDocument, Page

if TYPE_CHECKING:
    from indexing.loaders import ParseLimits

_DAMAGED_FIX = "the file looks damaged or cut short; download or export it again"


def _corrupt(path: Path, exc: BaseException) -> CorruptDocumentError:
    detail = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
    return CorruptDocumentError(path, f"not a readable PDF ({type(exc).__name__}: {detail})", _DAMAGED_FIX)


def load_pdf(path: Path, settings: ParseLimits) -> LoadedDocument:
    """Text of every page of a PDF. Raises Encrypted/Empty/Corrupt/ParseLimit errors with a fix."""
    from pypdf.errors import LimitReachedError, PdfReadError

    try:
        return _load(path, settings)
    except (EncryptedDocumentError, EmptyDocumentError, CorruptDocumentError, ParseLimitError):
        raise
    except LimitReachedError as exc:
        raise ParseLimitError(
            path,
            f"a PDF stream or object exceeds pypdf's safety limits (possible compression bomb: {exc})",
            "check where the file came from; if it is genuine, split it or re-save it with a PDF tool",
        ) from exc
    except RecursionError as exc:
        raise CorruptDocumentError(
            path, "the PDF's object graph refers to itself (reference loop)", _DAMAGED_FIX
        ) from exc
    except MemoryError:
        raise
    except (PdfReadError, UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise _corrupt(path, exc) from exc
    except Exception as exc:  # pypdf raises many internal types on malformed files
        raise _corrupt(path, exc) from exc


def _open(path: Path) -> Any:
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError

    reader = PdfReader(path, strict=False)
    if reader.is_encrypted:
        try:
            ok = reader.decrypt("")
        except DependencyError as exc:
            raise EncryptedDocumentError(
                path,
                "encrypted with AES and the 'cryptography' package is missing",
                "install pypdf[crypto], or decrypt it (qpdf --decrypt) first",
            ) from exc
        except (FileNotDecryptedError, PdfReadError, NotImplementedError) as exc:
            raise EncryptedDocumentError(
                path,
                f"encrypted in a way pypdf cannot open ({exc})",
                "decrypt it (qpdf --decrypt) or supply an unencrypted copy",
            ) from exc
        if not ok:
            raise EncryptedDocumentError(
                path,
                "encrypted with a password",
                "decrypt it (qpdf --decrypt) or supply an unencrypted copy",
            )
    return reader


def _load(path: Path, settings: ParseLimits) -> LoadedDocument:
    reader = _open(path)
    n = len(reader.pages)
    if n > settings.max_pages:
        raise ParseLimitError(
            path,
            f"{n} pages, more than the limit of {settings.max_pages}",
            "split the PDF (e.g. qpdf --split-pages) or raise MSRA_MAX_PAGES",
        )
    if n == 0:
        raise EmptyDocumentError(path, "the PDF has no pages", "supply the complete file")
    from pypdf.errors import LimitReachedError

    pages: list[Page] = []
    failed: dict[int, str] = {}
    first_frags: list[_Frag] = []
    for i, page in enumerate(reader.pages, start=1):
        try:
            text = _page_text(page, first_frags if i == 1 else None)
        except (LimitReachedError, MemoryError):
            raise  # resource limits end the file, not just the page
        except Exception as exc:  # one damaged page must not lose the rest of the document
            failed[i] = f"{type(exc).__name__}: {str(exc)[:120]}"
            text = ""
        pages.append(Page(number=i, text=text))
    if not any(p.text.strip() for p in pages):
        if failed:
            first = next(iter(failed.items()))
            raise CorruptDocumentError(path, f"no page could be read (page {first[0]}: {first[1]})", _DAMAGED_FIX)
        raise EmptyDocumentError(
            path,
            f"no text layer on any of its {n} pages (scanned?)",
            "run OCR (e.g. ocrmypdf) first",
        )
    extra: dict[str, Any] = {"page_count": n}
    if failed:
        extra["unreadable_pages"] = failed  # the pipeline may warn: these pages were indexed empty
    labels = _page_labels(reader)
    if labels:
        extra["page_labels"] = labels
    title = _title(reader) or _heading_title(first_frags)
    return LoadedDocument(pages=pages, title=title, markdown=False, extra=extra)


def _page_labels(reader: Any) -> list[str] | None:
    try:
        labels = list(reader.page_labels)
    except Exception:  # labels are a nicety; a broken /PageLabels tree must not fail the file
        return None
    if all(label == str(i) for i, label in enumerate(labels, start=1)):
        return None
    return labels


_JUNK_TITLE = re.compile(r"^(untitled|microsoft word\b|document\d*$|title$)|\.(pdf|docx?|txt|md)$", re.I)


def _title(reader: Any) -> str | None:
    try:
        meta = reader.metadata
        raw = meta.title if meta else None
    except Exception:
        return None
    if not raw:
        return None
    title = " ".join(str(raw).split())
    if not (3 <= len(title) <= 300) or not any(c.isalpha() for c in title) or _JUNK_TITLE.search(title):
        return None
    return title


def _heading_title(frags: list[_Frag]) -> str | None:
    """Page 1's largest type, when it stands out from the body text: the document's own first heading,
    whatever order the content stream draws the lines in."""
    sizes = sorted(f.size for f in frags)
    if len(sizes) < 2:
        return None
    body, top = sizes[len(sizes) // 2], sizes[-1]
    if top < 1.2 * body:
        return None
    rows = _rows([f for f in frags if f.size >= 0.95 * top])
    title = " ".join(" ".join(_join(r) for r in rows[:2]).split())
    if not (3 <= len(title) <= 200) or not any(c.isalpha() for c in title) or _JUNK_TITLE.search(title):
        return None
    return title


# ---- text with column order ------------------------------------------------------------------------


@dataclass(slots=True)
class _Frag:
    text: str
    x: float
    y: float
    size: float


def _page_text(page: Any, sink: list[_Frag] | None = None) -> str:
    frags: list[_Frag] = [] if sink is None else sink

    def visit(text: str, cm: list[float], tm: list[float], _font: Any, size: float) -> None:
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            scale = abs(tm[0] * cm[0]) or 1.0
            frags.append(_Frag(text, x, y, (size or 10.0) * scale))

    plain = page.extract_text(visitor_text=visit)
    try:
        width = float(page.mediabox.width)
    except Exception:
        width = 612.0
    columns = _two_column_text(frags, width)
    return columns if columns is not None else plain


def _rows(frags: list[_Frag]) -> list[list[_Frag]]:
    rows: list[list[_Frag]] = []
    for f in sorted(frags, key=lambda f: -f.y):
        if rows and abs(rows[-1][0].y - f.y) <= 0.3 * max(f.size, 1.0):
            rows[-1].append(f)
        else:
            rows.append([f])
    return [sorted(r, key=lambda f: f.x) for r in rows]


def _est_end(f: _Frag) -> float:
    # Rough right edge: proportional Latin fonts average about 0.42 em per character (spaces included).
    # Underestimating only lets short lines join a column block; overestimating disables the fix.
    return f.x + 0.42 * f.size * len(f.text.strip())


def _join(frags: list[_Frag]) -> str:
    out = ""
    for f in frags:
        piece = f.text.replace("\n", " ")
        out += piece if not out or out.endswith(" ") or piece.startswith(" ") else " " + piece
    return out.strip()


def _prose(lines: list[str]) -> bool:
    """Columns of running text have long lines; aligned table cells are short and stay row by row."""
    filled = [line for line in lines if line]
    return bool(filled) and sum(len(line) for line in filled) / len(filled) >= 20


def _two_column_text(frags: list[_Frag], width: float) -> str | None:
    """Page text with two-column blocks read left column first, or None when no such block exists."""
    if len(frags) < 6:
        return None
    rows = _rows(frags)
    starts: Counter[int] = Counter()
    for row in rows:
        for prev, f in pairwise(row):
            gap = f.x - _est_end(prev) > 0.01 * width or f.x - prev.x > 0.25 * width
            if prev.x < 0.5 * width and f.x > 0.35 * width and gap:
                starts[round(f.x / 2)] += 1
    if not starts:
        return None
    key, count = starts.most_common(1)[0]
    if count < 3:
        return None
    split = key * 2 - 2.0

    def fits(row: list[_Frag]) -> bool:
        return all(f.x >= split or _est_end(f) <= split + 0.03 * width for f in row)

    def two(row: list[_Frag]) -> bool:
        return any(f.x < split for f in row) and any(f.x >= split for f in row)

    def aligned(row: list[_Frag]) -> bool:
        return any(abs(f.x - key * 2) <= 2.5 for f in row)

    out: list[str] = []
    i = 0
    while i < len(rows):
        j = i
        while j < len(rows) and fits(rows[j]):
            j += 1
        if j == i:
            out.append(_join(rows[i]))
            i += 1
            continue
        block = rows[i:j]
        left = [_join([f for f in r if f.x < split]) for r in block]
        right = [_join([f for f in r if f.x >= split]) for r in block]
        # A real column starts every line at the same x; word-by-word justified text lines up by chance.
        column_rows = [r for r in block if any(f.x >= split for f in r)]
        is_columns = sum(two(r) for r in block) >= 3 and sum(aligned(r) for r in column_rows) >= 0.8 * len(column_rows)
        if is_columns and _prose(left) and _prose(right):
            out.extend(t for t in left + right if t)
        else:
            out.extend(_join(r) for r in block)
        i = j
    return "\n".join(out)
