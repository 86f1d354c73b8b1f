"""A PDF's title comes from its metadata or its first heading (largest type on page 1), never from
whichever line its content stream happens to draw first (issue 15: "Article 2. The fund…")."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF

from assistant.core.config import load_settings
from indexing.loaders import load_file
from indexing.metadata import infer_title


def _bottom_up_pdf(path: Path, title: str | None = None) -> Path:
    """Body lines drawn first, bottom to top; the big heading drawn last, at the top of the page."""
    pdf = FPDF(format="A4")
    if title:
        pdf.set_title(title)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    pdf.set_xy(20, 90)
    pdf.cell(0, 6, "Article 2. The fund is held in trust until the closure works are accepted")
    pdf.set_xy(20, 70)
    pdf.cell(0, 6, "Article 1. These rules apply to every licensed mine in the province")
    pdf.set_font("Helvetica", "B", size=20)
    pdf.set_xy(20, 30)
    pdf.cell(0, 10, "Mine Closure Fund Rules")
    pdf.output(str(path))
    return path


def test_title_is_the_first_heading_not_the_first_drawn_line(tmp_path: Path) -> None:
    path = _bottom_up_pdf(tmp_path / "upload-3f2a.pdf")
    loaded = load_file(path, load_settings(tmp_path / "home"))
    assert infer_title(loaded, path) == "Mine Closure Fund Rules"


def test_metadata_title_wins(tmp_path: Path) -> None:
    path = _bottom_up_pdf(tmp_path / "x.pdf", title="Provincial Mine Closure Fund Rules 2021")
    loaded = load_file(path, load_settings(tmp_path / "home"))
    assert infer_title(loaded, path) == "Provincial Mine Closure Fund Rules 2021"


def test_a_clause_line_is_never_the_title(tmp_path: Path) -> None:
    from assistant.core.types import LoadedDocument, Page

    loaded = LoadedDocument(
        pages=[Page(number=1, text="Article 2. The fund is held in trust.\nArticle 3: Bonds are released in stages.")]
    )
    assert infer_title(loaded, tmp_path / "fund-rules.pdf") == "fund-rules"
