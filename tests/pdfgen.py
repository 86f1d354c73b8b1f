"""Generate real PDFs for tests with fpdf2 (and pypdf for encryption).

Other test modules import these helpers, so they must stay dependency-light and deterministic.
Only the PDF core fonts are used: text must be latin-1 (no CJK in generated PDFs).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from fpdf import FPDF

PageText = str | list[str]

_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_HEADING_SIZES = {1: 18, 2: 15, 3: 13, 4: 12, 5: 11, 6: 11}
_BODY_SIZE = 11


class _Doc(FPDF):
    """FPDF with an optional running header and 'Page N of M' footer."""

    def __init__(self, header_text: str | None, footer_page_numbers: bool, font: str) -> None:
        super().__init__(format="A4")
        self._header_text = header_text
        self._footer_numbers = footer_page_numbers
        self._font = font
        self.set_auto_page_break(auto=True, margin=20)

    def header(self) -> None:
        if self._header_text:
            self.set_font(self._font, "I", 9)
            self.cell(0, 6, self._header_text, new_x="LMARGIN", new_y="NEXT", align="C")
            self.ln(4)

    def footer(self) -> None:
        if self._footer_numbers:
            self.set_y(-15)
            self.set_font(self._font, "", 9)
            self.cell(0, 8, f"Page {self.page_no()} of {{nb}}", align="C")


def _lines(text: PageText) -> list[str]:
    return text.splitlines() if isinstance(text, str) else list(text)


def _write_lines(pdf: _Doc, lines: Sequence[str], font: str) -> None:
    for line in lines:
        m = _HEADING.match(line)
        if m:
            level = len(m.group(1))
            pdf.set_font(font, "B", _HEADING_SIZES[level])
            pdf.multi_cell(0, 8, m.group(2), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        elif not line.strip():
            pdf.ln(4)
        else:
            pdf.set_font(font, "", _BODY_SIZE)
            pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")


def _write_two_columns(pdf: _Doc, left: str, right: str, font: str) -> None:
    """Two text columns. Lines are drawn row by row (left line, right line, …) like many producers do,
    so a reader that follows the content stream would interleave the columns."""
    pdf.set_font(font, "", _BODY_SIZE)
    col_w = (pdf.w - pdf.l_margin - pdf.r_margin - 10) / 2
    left_lines = pdf.multi_cell(col_w, 6, left, dry_run=True, output="LINES")
    right_lines = pdf.multi_cell(col_w, 6, right, dry_run=True, output="LINES")
    y0 = pdf.get_y()
    x_right = pdf.l_margin + col_w + 10
    for i in range(max(len(left_lines), len(right_lines))):
        y = y0 + 6 * i
        if i < len(left_lines):
            pdf.set_xy(pdf.l_margin, y)
            pdf.cell(col_w, 6, left_lines[i])
        if i < len(right_lines):
            pdf.set_xy(x_right, y)
            pdf.cell(col_w, 6, right_lines[i])
    pdf.set_xy(pdf.l_margin, y0 + 6 * max(len(left_lines), len(right_lines)) + 4)


def make_pdf(
    path: Path | str,
    pages: Sequence[PageText],
    *,
    title: str | None = None,
    header: str | None = None,
    footer_page_numbers: bool = False,
    two_column_pages: dict[int, tuple[str, str]] | None = None,
    font: str = "Helvetica",
) -> Path:
    """Write a text PDF with one page per item of ``pages`` (a string or a list of lines).

    Lines like "# Title" or "## Principle 3 …" are drawn bold and large. ``two_column_pages`` maps a 1-based
    page number to (left, right) column text drawn after that page's own text. ``title`` sets the PDF
    metadata title; ``header`` a running header; ``footer_page_numbers`` a "Page N of M" footer.
    """
    path = Path(path)
    pdf = _Doc(header, footer_page_numbers, font)
    if title:
        pdf.set_title(title)
    pdf.set_creator("msra tests")
    cols = two_column_pages or {}
    for number, text in enumerate(pages, start=1):
        pdf.add_page()
        _write_lines(pdf, _lines(text), font)
        if number in cols:
            _write_two_columns(pdf, *cols[number], font)
    pdf.output(str(path))
    return path


def make_encrypted_pdf(
    path: Path | str,
    user_password: str = "",
    algorithm: str = "AES-256",
    pages: Sequence[PageText] = ("Encrypted restoration plan text on page one.",),
) -> Path:
    """A text PDF encrypted with ``algorithm`` ("AES-256", "AES-128", "RC4-128"…). An empty user password
    means anyone can open it (an owner password still restricts editing)."""
    from pypdf import PdfReader, PdfWriter

    path = Path(path)
    plain = path.with_name(path.stem + ".plain.pdf")
    make_pdf(plain, pages)
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt(user_password=user_password, owner_password="owner-secret", algorithm=algorithm)
    with path.open("wb") as fh:
        writer.write(fh)
    plain.unlink()
    return path


def make_image_only_pdf(path: Path | str, pages: int = 2) -> Path:
    """A PDF with drawings only and no text layer, like a scan."""
    path = Path(path)
    pdf = FPDF(format="A4")
    for i in range(pages):
        pdf.add_page()
        pdf.set_fill_color(200, 200 - 30 * i % 200, 150)
        pdf.rect(20, 20, 100, 60, style="F")
        pdf.ellipse(60, 120, 80, 40, style="D")
        pdf.line(10, 250, 200, 260)
    pdf.output(str(path))
    return path


def raw_pdf(objects: Sequence[bytes]) -> bytes:
    """Assemble a PDF from object bodies; object 1 must be the catalog. Offsets and xref are computed,
    so hand-made structures (loops, bombs, thousands of pages) stay valid at the file level."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


_FONT = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"


def make_many_pages_pdf(path: Path | str, n: int) -> Path:
    """A valid PDF of ``n`` small pages, page k reading "Sheet k of the long monitoring register …".
    Written directly (no layout engine), so thousands of pages take milliseconds."""
    path = Path(path)
    objs: list[bytes] = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", _FONT]
    kids = []
    for k in range(1, n + 1):
        page_no, content_no = len(objs) + 1, len(objs) + 2
        kids.append(b"%d 0 R" % page_no)
        objs.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Resources << /Font << /F1 3 0 R >> >> "
            b"/Contents %d 0 R >>" % content_no
        )
        text = b"Sheet %d of the long monitoring register: topsoil depth recorded." % k
        objs.append(_stream(b"BT /F1 9 Tf 20 150 Td (" + text + b") Tj ET"))
    objs[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % n
    path.write_bytes(raw_pdf(objs))
    return path


def make_compression_bomb_pdf(path: Path | str, inflated_mb: int = 300) -> Path:
    """A one-page PDF whose content stream is small on disk but inflates to ``inflated_mb`` MiB."""
    import zlib

    # Deflating hundreds of MiB takes seconds; once the window is full of spaces every further MiB
    # compresses to the same bytes, so compress three blocks and repeat the steady-state one.
    block = b" " * (1 << 20)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = comp.compress(block) + comp.flush(zlib.Z_SYNC_FLUSH)
    steady = comp.compress(block) + comp.flush(zlib.Z_SYNC_FLUSH)
    adler = 1
    for _ in range(inflated_mb):
        adler = zlib.adler32(block, adler)
    body = first + steady * (inflated_mb - 1) + comp.flush()
    data = b"\x78\xda" + body + adler.to_bytes(4, "big")
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        _stream(data, b"/Filter /FlateDecode "),
        _FONT,
    ]
    Path(path).write_bytes(raw_pdf(objs))
    return Path(path)


def make_reference_loop_pdf(path: Path | str, kind: str = "pages") -> Path:
    """A PDF whose object graph refers to itself: ``kind="pages"`` a page tree whose node is its own kid,
    ``"contents"`` a page whose /Contents object is a reference to itself, ``"parent"`` two page-tree
    nodes that are each other's kids."""
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Contents 4 0 R >>"
    text = _stream(b"BT /F1 9 Tf 20 150 Td (Loop page text.) Tj ET")
    if kind == "pages":
        objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>", page, text]
    elif kind == "contents":
        objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", page, b"4 0 R"]
    elif kind == "parent":
        objs = [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
            page,
            text,
            b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>",
        ]
    else:
        raise ValueError(f"unknown loop kind {kind!r}: use 'pages', 'contents' or 'parent'")
    Path(path).write_bytes(raw_pdf(objs))
    return Path(path)


def make_damaged_page_pdf(path: Path | str) -> Path:
    """Two pages: page 1 readable ("Good first page text."), page 2's content stream uses an unknown filter."""
    page = (
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 200] /Resources << /Font << /F1 7 0 R >> >> "
        b"/Contents %d 0 R >>"
    )
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 >>",
        page % 4,
        _stream(b"BT /F1 9 Tf 20 150 Td (Good first page text.) Tj ET"),
        page % 6,
        _stream(b"\x00\x01 not decodable", b"/Filter /FooDecode "),
        _FONT,
    ]
    Path(path).write_bytes(raw_pdf(objs))
    return Path(path)
