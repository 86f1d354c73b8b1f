"""Loaders: PDF pages and column order, Markdown/text decoding, HTML and DOCX to Markdown."""

from __future__ import annotations

from pathlib import Path

import pytest
from pdfgen import make_pdf

from assistant.core.config import Settings
from assistant.core.errors import UnsupportedFileError
from indexing.loaders import SUPPORTED_SUFFIXES, load_file


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home")


# ---- PDF --------------------------------------------------------------------------------------------


def test_pdf_pages_keep_their_numbers(tmp_path: Path, settings: Settings) -> None:
    pages = [
        [f"# Part {w}", f"The {w} page explains bench stability and drainage."] for w in ("alpha", "beta", "gamma")
    ]
    doc = load_file(make_pdf(tmp_path / "guide.pdf", pages, title="Bench Design Guide"), settings)
    assert [p.number for p in doc.pages] == [1, 2, 3]
    for page, word in zip(doc.pages, ("alpha", "beta", "gamma"), strict=True):
        assert f"Part {word}" in page.text
        assert f"The {word} page explains" in page.text
    assert doc.title == "Bench Design Guide"
    assert doc.markdown is False
    assert doc.extra["page_count"] == 3


def test_pdf_page_labels_kept_in_extra(tmp_path: Path, settings: Settings) -> None:
    from pypdf import PdfReader, PdfWriter

    src = make_pdf(tmp_path / "src.pdf", [f"Front matter or body page {w}." for w in ("one", "two", "three")])
    writer = PdfWriter(clone_from=PdfReader(src))
    writer.set_page_label(0, 1, style="/r")
    writer.set_page_label(2, 2, style="/D", start=1)
    with (tmp_path / "labelled.pdf").open("wb") as fh:
        writer.write(fh)
    doc = load_file(tmp_path / "labelled.pdf", settings)
    assert [p.number for p in doc.pages] == [1, 2, 3]  # physical page numbers stay the citation page
    assert doc.extra["page_labels"] == ["i", "ii", "1"]


def test_pdf_junk_metadata_title_is_ignored(tmp_path: Path, settings: Settings) -> None:
    doc = load_file(make_pdf(tmp_path / "x.pdf", ["Some text here."], title="Microsoft Word - draft7.docx"), settings)
    assert doc.title is None


def test_pdf_two_columns_read_left_then_right(tmp_path: Path, settings: Settings) -> None:
    left = " ".join(f"lefty{i}" for i in range(60))
    right = " ".join(f"righty{i}" for i in range(60))
    intro = "This introduction runs across the full width of the page before the columns start here."
    pdf = make_pdf(tmp_path / "cols.pdf", [["# Two column page", intro]], two_column_pages={1: (left, right)})
    text = load_file(pdf, settings).pages[0].text
    lines = text.splitlines()
    assert not [line for line in lines if "lefty" in line and "righty" in line], "columns interleaved in a line"
    left_idx = [i for i, line in enumerate(lines) if "lefty" in line]
    right_idx = [i for i, line in enumerate(lines) if "righty" in line]
    assert max(left_idx) < min(right_idx)
    words = text.split()
    assert [w for w in words if w.startswith("lefty")] == left.split()  # left column complete and in order
    assert [w for w in words if w.startswith("righty")] == right.split()
    assert lines.index("Two column page") < left_idx[0]
    assert intro in text


def test_pdf_single_column_order_untouched(tmp_path: Path, settings: Settings) -> None:
    para = " ".join(f"word{i}" for i in range(150))  # wraps over several full-width lines
    pdf = make_pdf(tmp_path / "one.pdf", [["# Heading", para, "Closing sentence of the page."]])
    text = load_file(pdf, settings).pages[0].text
    assert " ".join(text.split()) == f"Heading {para} Closing sentence of the page."


def _words_pdf(path: Path, rows: list[list[tuple[float, float, str]]]) -> Path:
    """Each row is a list of (x_start_mm, x_end_mm, line); every word is drawn as its own text object,
    spread to fill [x_start, x_end] like justified text from some producers."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for i, row in enumerate(rows):
        for x0, x1, line in row:
            words = line.split()
            widths = [pdf.get_string_width(w) for w in words]
            gap = (x1 - x0 - sum(widths)) / max(1, len(words) - 1)
            x = x0
            for word, w in zip(words, widths, strict=True):
                pdf.text(x, 20 + 5 * i, word)
                x += w + gap
    pdf.output(str(path))
    return path


def test_pdf_word_by_word_two_columns(tmp_path: Path, settings: Settings) -> None:
    left = [f"lefty{i}a lefty{i}b lefty{i}c lefty{i}d lefty{i}e" for i in range(12)]
    right = [f"righty{i}a righty{i}b righty{i}c righty{i}d" for i in range(12)]
    rows = [[(10, 98, a), (112, 200, b)] for a, b in zip(left, right, strict=True)]
    text = load_file(_words_pdf(tmp_path / "w2.pdf", rows), settings).pages[0].text
    words = text.split()
    assert words == " ".join(left + right).split()


def test_pdf_word_by_word_justified_single_column(tmp_path: Path, settings: Settings) -> None:
    import random

    rng = random.Random(7)
    vocab = ["soil", "slope", "water", "seed", "monitoring", "erosion", "landform", "cover", "a", "of", "to"]
    lines = [" ".join(rng.choice(vocab) + str(i) for _ in range(rng.randint(9, 13))) for i in range(30)]
    text = load_file(_words_pdf(tmp_path / "j.pdf", [[(10, 200, line)] for line in lines]), settings).pages[0].text
    assert text.split() == " ".join(lines).split()


def test_pdf_aligned_table_stays_row_by_row(tmp_path: Path, settings: Settings) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    rows = [("Topsoil", "30 cm"), ("Slope", "1:3"), ("Cover", "70 %"), ("Weeds", "none"), ("Survey", "yearly")]
    for i, (key, value) in enumerate(rows):
        pdf.set_xy(10, 20 + 8 * i)
        pdf.cell(60, 8, key)
        pdf.set_xy(120, 20 + 8 * i)
        pdf.cell(60, 8, value)
    pdf.output(str(tmp_path / "table.pdf"))
    lines = load_file(tmp_path / "table.pdf", settings).pages[0].text.splitlines()
    assert [" ".join(line.split()) for line in lines] == [f"{k} {v}" for k, v in rows]


def test_pdf_running_header_and_footer_removed(tmp_path: Path, settings: Settings) -> None:
    pages = [[f"# Chapter {i}", f"Chapter {i} body on revegetation trials number {i}."] for i in range(1, 6)]
    pdf = make_pdf(tmp_path / "hf.pdf", pages, header="Revegetation Handbook - Draft", footer_page_numbers=True)
    doc = load_file(pdf, settings)
    for i, page in enumerate(doc.pages, start=1):
        assert "Revegetation Handbook" not in page.text
        assert "of 5" not in page.text
        assert page.text.splitlines() == [f"Chapter {i}", f"Chapter {i} body on revegetation trials number {i}."]


def test_pdf_dehyphenation(tmp_path: Path, settings: Settings) -> None:
    pdf = make_pdf(tmp_path / "hy.pdf", [["Progressive restor-", "ation of the waste dump.", "Long-term care."]])
    text = load_file(pdf, settings).pages[0].text
    assert "Progressive restoration of the waste dump." in text
    assert "Long-term care." in text


# ---- Markdown and text ------------------------------------------------------------------------------


def test_markdown_keeps_headings_and_front_matter_title(tmp_path: Path, settings: Settings) -> None:
    f = tmp_path / "notes.md"
    f.write_text("---\ntitle: Field Notes on Spoil Piles\nlang: en\n---\n# Spoil piles\n\nText.\n", encoding="utf-8")
    doc = load_file(f, settings)
    assert doc.markdown is True
    assert doc.title == "Field Notes on Spoil Piles"
    assert doc.language == "en"
    assert doc.pages[0].number == 1
    assert doc.pages[0].text.startswith("# Spoil piles")


def test_plain_text_is_not_markdown(tmp_path: Path, settings: Settings) -> None:
    f = tmp_path / "plain.txt"
    f.write_text("Line one.\n\nLine two.", encoding="utf-8")
    doc = load_file(f, settings)
    assert doc.markdown is False
    assert doc.pages[0].text == "Line one.\n\nLine two."


@pytest.mark.parametrize(
    ("encoding", "text"),
    [
        ("gb18030", "第四十六条 采矿权人应当依法履行矿区生态修复义务。"),
        ("utf-8-sig", "第一条 为了保护土地，制定本条例。"),
        ("utf-16", "Topsoil stripping precedes excavation."),
        ("cp1252", "Café “quoted” reclamation — done."),
    ],
)
def test_text_encodings(tmp_path: Path, settings: Settings, encoding: str, text: str) -> None:
    f = tmp_path / "legacy.txt"
    f.write_bytes(text.encode(encoding))
    doc = load_file(f, settings)
    assert doc.pages[0].text == text
    assert "\ufeff" not in doc.pages[0].text


# ---- HTML and DOCX ----------------------------------------------------------------------------------


def test_html_to_markdown(tmp_path: Path, settings: Settings) -> None:
    html = """<!DOCTYPE html><html><head><title>Closure Rules</title><style>p{color:red}</style></head>
    <body><nav><a href="/">Home</a> | <a href="/x">Menu item</a></nav>
    <script>var secret = 1;</script>
    <h1>Mine Closure</h1><p>Intro <b>bold</b> text.</p>
    <h2>Section 2 Duties</h2>
    <ul><li>Stabilise slopes</li><li>Cap tailings<ul><li>Clay layer</li></ul></li></ul>
    <ol><li>First step</li><li>Second step</li></ol>
    <table><tr><th>Item</th><th>Cost</th></tr><tr><td>Seed</td><td>10</td></tr></table>
    <h6>Note</h6><div>Final words.</div></body></html>"""
    f = tmp_path / "rules.html"
    f.write_text(html, encoding="utf-8")
    doc = load_file(f, settings)
    text = doc.pages[0].text
    lines = text.splitlines()
    assert doc.markdown is True
    assert doc.title == "Closure Rules"
    assert "# Mine Closure" in lines
    assert "## Section 2 Duties" in lines
    assert "###### Note" in lines
    assert "Intro bold text." in lines
    assert "- Stabilise slopes" in lines
    assert "- Cap tailings" in lines and "  - Clay layer" in lines
    assert "1. First step" in lines and "2. Second step" in lines
    assert "Item | Cost" in lines and "Seed | 10" in lines
    assert "Final words." in lines
    assert "secret" not in text and "color" not in text and "Menu item" not in text


def test_docx_headings_lists_tables(tmp_path: Path, settings: Settings) -> None:
    import docx

    d = docx.Document()
    d.core_properties.title = "Rehabilitation Plan Template"
    d.add_heading("Rehabilitation Plan", level=1)
    d.add_paragraph("Scope of the plan.")
    d.add_heading("Landform Design", level=2)
    d.add_paragraph("Slopes no steeper than 1:3.", style="List Bullet")
    d.add_paragraph("Drainage on every bench.", style="List Bullet")
    d.add_heading("Detail", level=3)
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "Domain", "Target"
    table.cell(1, 0).text, table.cell(1, 1).text = "Waste dump", "Native grassland"
    f = tmp_path / "plan.docx"
    d.save(str(f))
    doc = load_file(f, settings)
    lines = doc.pages[0].text.splitlines()
    assert doc.markdown is True
    assert doc.title == "Rehabilitation Plan Template"
    assert lines[0] == "# Rehabilitation Plan"
    assert "## Landform Design" in lines and "### Detail" in lines
    assert "- Slopes no steeper than 1:3." in lines and "- Drainage on every bench." in lines
    assert "Domain | Target" in lines and "Waste dump | Native grassland" in lines
    assert lines.index("## Landform Design") < lines.index("- Slopes no steeper than 1:3.") < lines.index("### Detail")


# ---- dispatch ----------------------------------------------------------------------------------------


def test_unsupported_suffix_lists_supported_types(tmp_path: Path, settings: Settings) -> None:
    f = tmp_path / "sheet.xlsx"
    f.write_bytes(b"PK\x03\x04rest")
    with pytest.raises(UnsupportedFileError) as info:
        load_file(f, settings)
    msg = str(info.value)
    assert "sheet.xlsx" in msg and "'.xlsx'" in msg
    assert all(s in msg for s in SUPPORTED_SUFFIXES)


def test_pdf_without_suffix_gets_a_rename_hint(tmp_path: Path, settings: Settings) -> None:
    pdf = make_pdf(tmp_path / "report.pdf", ["Hello there."])
    renamed = pdf.rename(tmp_path / "report.bin")
    with pytest.raises(UnsupportedFileError, match=r"report\.bin: .*looks like PDF.*\.pdf"):
        load_file(renamed, settings)


def test_html_table_caption_is_kept_before_its_rows(tmp_path: Path, settings: Settings) -> None:
    page = tmp_path / "rates.html"
    page.write_text(
        "<html><body><h1>Levy</h1><p>Rates are in the table below.</p><table>"
        "<caption>Table 1: Unit rates (2024)</caption><tr><th>Stage</th><th>Rate</th></tr>"
        "<tr><td>Active</td><td>$42,000</td></tr></table></body></html>",
        encoding="utf-8",
    )
    text = "\n".join(p.text for p in load_file(page, settings).pages)
    assert "Table 1: Unit rates (2024)" in text
    assert text.index("Table 1: Unit rates") < text.index("Stage | Rate") < text.index("Active | $42,000")
