"""The source viewer: a PDF citation as its rendered page with the quoted text boxed; other formats
as the cited passage between its neighbours, under its heading path.

Pages are rendered on the server with pypdfium2 and sent as an inline PNG, so the viewer needs no
outside script and works offline. All document text passes through ``render.esc``.
"""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Sequence
from pathlib import Path

from assistant.core.types import Chunk, Citation
from assistant.web.render import esc

SCALE = 1.4  # ~830 px wide for A4: readable, and a light page
MAX_SCAN = 400  # pages searched when the quote is not on the cited page
Rect = tuple[float, float, float, float]  # left, top, width, height as fractions of the page


def _words(text: str) -> list[str]:
    return re.findall(r"\S+", text or "")


def _find(textpage: object, needle: str, after: int = 0) -> tuple[int, int] | None:
    if not needle:
        return None
    searcher = textpage.search(needle, index=after, match_case=False)  # type: ignore[attr-defined]
    try:
        found = searcher.get_next()
    finally:
        searcher.close()
    return (int(found[0]), int(found[1])) if found else None


def quote_span(textpage: object, quote: str) -> tuple[int, int] | None:
    """(first char index, char count) of the quote on a page: whole, else opening words to closing words."""
    words = _words(quote)
    if not words:
        return None
    whole = _find(textpage, " ".join(words))
    if whole:
        return whole
    for n in (8, 5, 3):
        head = _find(textpage, " ".join(words[:n]))
        if head is None:
            continue
        tail = _find(textpage, " ".join(words[-n:]), after=head[0]) if len(words) > n else None
        end = tail[0] + tail[1] if tail and tail[0] - head[0] < 20 * len(quote) else head[0] + head[1]
        return head[0], end - head[0]
    return None


def quote_rects(path: Path, page_no: int, page_end: int | None, quote: str) -> tuple[int, list[Rect]]:
    """The page that holds the quote (the cited one first) and the quote's boxes as page fractions."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        total = len(pdf)
        cited = list(range(page_no, (page_end or page_no) + 1))
        order = [p for p in cited if 1 <= p <= total] + [
            p for p in range(1, min(total, MAX_SCAN) + 1) if p not in cited
        ]
        for p in order:
            page = pdf[p - 1]
            width, height = page.get_size()
            textpage = page.get_textpage()
            span = quote_span(textpage, quote)
            if span:
                rects = []
                for i in range(textpage.count_rects(span[0], span[1])):
                    left, bottom, right, top = textpage.get_rect(i)
                    rects.append((left / width, 1 - top / height, (right - left) / width, (top - bottom) / height))
                return p, rects
        return (cited[0] if cited and cited[0] <= total else 1), []
    finally:
        pdf.close()


def page_png(path: Path, page_no: int) -> bytes:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        image = pdf[page_no - 1].render(scale=SCALE).to_pil()
        buf = io.BytesIO()
        image.save(buf, format="PNG", optimize=True)
        return buf.getvalue()
    finally:
        pdf.close()


def _pct(v: float) -> str:
    return f"{max(0.0, min(100.0, v * 100)):.3f}%"


def pdf_view_html(path: Path, citation: Citation) -> str:
    """The cited PDF page as an image with a box over each line of the quoted passage."""
    page_no, rects = quote_rects(path, citation.page, citation.page_end, citation.quote)
    data = base64.b64encode(page_png(path, page_no)).decode("ascii")
    boxes = "".join(
        f'<div class="msra-box" data-rect="{x:.5f},{y:.5f},{w:.5f},{h:.5f}" '
        f'style="left:{_pct(x)};top:{_pct(y)};width:{_pct(w)};height:{_pct(h)}"></div>'
        for x, y, w, h in rects
    )
    note = "" if rects else '<div class="msra-warn">The quoted words were not found on this page.</div>'
    return (
        f'<div class="msra-viewer" data-kind="pdf" data-page="{page_no}">'
        f'<div class="msra-crumbs"><b>{esc(citation.marker)} {esc(citation.title)}</b> · p. {page_no}'
        f"{' · ' + esc(citation.clause) if citation.clause else ''}</div>{note}"
        f'<div class="msra-page"><img alt="page {page_no} of {esc(citation.source)}" '
        f'src="data:image/png;base64,{data}">{boxes}</div></div>'
    )


def _highlight(text: str, quote: str) -> str:
    if quote and quote in text:
        start = text.index(quote)
        return esc(text[:start]) + "<mark>" + esc(quote) + "</mark>" + esc(text[start + len(quote) :])
    return esc(text)


def context_html(chunks: Sequence[Chunk], citation: Citation) -> str:
    """The cited passage between its neighbours, with its heading path as a breadcrumb."""
    ordered = sorted(chunks, key=lambda c: c.position)
    idx = next((i for i, c in enumerate(ordered) if c.chunk_id == citation.chunk_id), None)
    crumbs = " › ".join(esc(p) for p in (citation.clause or "").split(" › ") if p) or "(top of the document)"
    head = f'<div class="msra-crumbs"><b>{esc(citation.marker)} {esc(citation.title)}</b> · {crumbs}</div>'
    if idx is None:
        return f'<div class="msra-viewer msra-context" data-kind="text">{head}<div class="msra-clause msra-cited">' + (
            f"{_highlight(citation.quote, citation.quote)}</div></div>"
        )
    parts = []
    for c in ordered[max(0, idx - 1) : idx + 2]:
        cited = c.chunk_id == citation.chunk_id
        label = f'<div class="msra-crumbs">{esc(c.clause)}</div>' if c.clause and not cited else ""
        body = _highlight(c.text, citation.quote) if cited else esc(c.text[:900])
        parts.append(f'{label}<div class="msra-clause{" msra-cited" if cited else ""}">{body}</div>')
    return f'<div class="msra-viewer msra-context" data-kind="text">{head}{"".join(parts)}</div>'
