"""PDF lines are printed lines: wrapped ones must be joined back into paragraphs before sentences,
quotes and headings are found (indexing.reflow, applied by indexing.loaders.finish for PDFs)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pdfgen import make_pdf

from assistant.core.config import Settings
from assistant.core.sentences import split_sentences
from assistant.core.types import Page
from indexing.loaders import load_file
from indexing.reflow import reflow_pages
from indexing.structure import parse_clauses

# Our own text, shaped like a gazetted act: long articles that wrap, numbered paragraphs, (a)/(b) items,
# cross-references to other articles that the wrap can put at the start of a line.
FILLER = (
    "The operator shall keep the records required by this Act at the mine office and shall make them "
    "available to an inspector on request during normal working hours."
)
ACT_PAGE_1 = [
    "# TAILINGS STEWARDSHIP ACT 2030",
    "## CHAPTER I GENERAL PROVISIONS",
    "### Article 1",
    "### Purpose",
    "This Act sets the duties of operators of tailings storage facilities so that closed facilities remain "
    "stable, do not pollute water and can carry an agreed land use without care and maintenance.",
    "### Article 2",
    "### Definitions",
    "For the purposes of this Act:",
    '(a) "operator" means the holder of a licence to operate a tailings storage facility, including a '
    "successor to that licence;",
    '(b) "closure bond" means the security lodged under Article 12 to cover the cost of closing the facility.',
    "## CHAPTER II SECURITY",
    "### Article 12",
    "### Amount of the closure bond",
    "1. The closure bond shall cover the cost of closing the facility by a contractor engaged by the "
    "regulator, plus an allowance for supervision and a contingency of at least 17 percent of the works.",
    "2. The bond shall be lodged before the first deposit of tailings.",
]
ACT_PAGE_2 = [
    "### Article 13",
    "### Review of the closure bond",
    "1. The amount of the closure bond shall be reassessed together with each revision of the closure design under "
    "Article 8. The regulator may reassess it at any other time.",
    "2. " + FILLER + " " + FILLER,
    "3. Where the reassessed amount exceeds the bond lodged, the operator shall lodge the difference within 45 days.",
]


def _load(tmp_path: Path, pages: list[list[str]]) -> list[Page]:
    pdf = make_pdf(tmp_path / "act.pdf", pages, header="Gazette No. 7 - Tailings Act", footer_page_numbers=True)
    return load_file(pdf, Settings()).pages


@pytest.fixture(scope="module")
def act_pages(tmp_path_factory: pytest.TempPathFactory) -> list[Page]:
    return _load(tmp_path_factory.mktemp("reflow"), [ACT_PAGE_1, ACT_PAGE_2])


def test_number_split_by_the_wrap_stays_in_one_sentence(act_pages: list[Page]) -> None:
    text = act_pages[0].text
    # fpdf wraps this paragraph; after loading, the fact is whole and in one sentence.
    sentences = [s.text for s in split_sentences(text, "en")]
    hit = [s for s in sentences if "contingency of at least" in s]
    assert len(hit) == 1
    assert "17 percent of the works" in hit[0]
    assert hit[0].startswith("1. The closure bond shall cover")


def test_headings_titles_and_list_items_keep_their_own_lines(act_pages: list[Page]) -> None:
    lines = act_pages[0].text.split("\n")
    for own in ("CHAPTER I GENERAL PROVISIONS", "Article 1", "Purpose", "Article 12", "For the purposes of this Act:"):
        assert own in lines
    assert any(line.startswith("(a) ") and line.endswith("that licence;") for line in lines)
    assert any(line.startswith('(b) "closure bond"') for line in lines)
    assert "2. The bond shall be lodged before the first deposit of tailings." in lines


def test_wrapped_cross_reference_is_not_an_article(tmp_path: Path) -> None:
    # The wrap puts "Article 8." alone at the start of a line, as in a real gazette.
    par = "1. The amount of the closure bond shall be reassessed together with each revision of the plan as made under"
    pages = _load(tmp_path, [ACT_PAGE_1, [*ACT_PAGE_2[:2], par + " Article 8.", *ACT_PAGE_2[3:]]])
    raw_lines = [line for p in pages for line in p.text.split("\n")]
    assert "Article 8." not in raw_lines  # joined to the line it continues
    assert any(line.startswith("1. The amount") and line.endswith("made under Article 8.") for line in raw_lines)
    clauses = parse_clauses(load_file(tmp_path / "act.pdf", Settings()))
    paths = [c.clause for c in clauses]
    assert not any("Article 8" in p for p in paths)
    art13 = next(c for c in clauses if c.path and c.path[-1].startswith("Article 13"))
    assert "within 45 days" in art13.text and "normal working hours" in art13.text
    assert art13.page_start == art13.page_end == 2


def test_sentence_over_a_page_break_is_finished_on_its_first_page(tmp_path: Path) -> None:
    long_par = " ".join([FILLER] * 3)
    first = ["Intro line.", *([long_par] * 7)]
    pages = _load(tmp_path, [first, ["Second page starts here with its own sentence."]])
    assert len(pages) >= 2
    # fpdf breaks the page itself; whatever the break, no page starts in the middle of a sentence.
    for page in pages[1:]:
        head = page.text.lstrip()
        assert head[:1].isupper() or head[:1].isdigit(), head[:80]
    joined = "\n".join(p.text for p in pages)
    assert joined.count("normal working hours.") == 21


def test_reflow_rules_on_text() -> None:
    wide = "x" * 70
    page = Page(
        1,
        "\n".join(
            [
                "Article 4",
                "Scope",
                wide + " and the operator shall restore the land to a contingency of",
                "20 percent of the estimate, as set out in the schedule and in the approved plan, and as set out in",
                "Article 9. This sentence goes on.",
                "Short last line.",
                wide + " the list follows:",
                "(a) first item of the list that is quite long and wraps onto the next line of the page for sure",
                "(b) second item.",
                "• bullet item",
            ]
        ),
    )
    lines = reflow_pages([page])[0].text.split("\n")
    assert lines[:2] == ["Article 4", "Scope"]
    assert "to a contingency of 20 percent of the estimate, as set out in the schedule" in lines[2]
    assert lines[2].endswith("and as set out in Article 9. This sentence goes on.")
    assert lines[3] == "Short last line."
    assert lines[4].endswith("the list follows:")
    assert lines[5].startswith("(a) ") and lines[6] == "(b) second item." and lines[7] == "• bullet item"


def test_chinese_lines_join_without_space() -> None:
    wide = "矿业权人应当按照经批准的方案开展矿区生态修复工作并承担相应的费用同时接受主管部门的监督检查" * 2
    page = Page(1, "\n".join(["第三条", wide, "和社会监督。", "第四条 国家鼓励修复。"]))
    lines = reflow_pages([page])[0].text.split("\n")
    assert lines == ["第三条", wide + "和社会监督。", "第四条 国家鼓励修复。"]
