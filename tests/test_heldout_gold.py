"""The held-out gold set is sound: schema, sizes, and every expected fact literally in its document
(on the stated page for the PDF, in the visible text for the HTML)."""

from __future__ import annotations

from pathlib import Path

import pytest

from evaluation.dataset import load_gold
from evaluation.heldout.build import DOCS, SOURCES, build
from evaluation.heldout.harness import HELDOUT_GOLD, contract_problems, page_hit, reference_texts, words
from evaluation.matching import contains_phrase
from indexing.metadata import doc_id_for

CASES = load_gold(HELDOUT_GOLD)
BY_ID = {d.doc_id: d for d in DOCS}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("heldout-docs")
    build(out)
    return out


def test_sizes_and_ids() -> None:
    answerable = [c for c in CASES if c.answerable]
    assert len(answerable) >= 45
    assert len(CASES) - len(answerable) >= 12
    assert len({c.id for c in CASES}) == len(CASES)
    assert {c.tags["format"] for c in answerable} >= {"pdf", "docx", "html", "txt", "md"}
    assert any(c.tags["language"] == "zh" for c in answerable)
    for c in answerable:
        assert c.expected_facts and c.expected_sources, c.id
        assert all(s.doc_id in BY_ID for s in c.expected_sources), c.id


def test_built_files_have_the_expected_doc_ids(built: Path) -> None:
    files = sorted(p.name for p in built.iterdir())
    assert files == sorted(d.output for d in DOCS)
    for d in DOCS:
        assert doc_id_for(built / d.output) == d.doc_id  # the engine's own slug rule
        assert (built / d.output).stat().st_size > 2000


def test_facts_occur_in_source_text() -> None:
    for c in (c for c in CASES if c.answerable):
        texts = [(SOURCES / BY_ID[s.doc_id].source).read_text(encoding="utf-8") for s in c.expected_sources]
        for group in c.expected_facts:
            assert any(contains_phrase(t, alt) for t in texts for alt in group), (c.id, group)


def test_facts_occur_in_built_documents(built: Path) -> None:
    """Checked against the text a reader sees: PDF text layer, DOCX paragraphs/tables, HTML visible text."""
    texts = reference_texts(built)
    for c in (c for c in CASES if c.answerable):
        for group in c.expected_facts:
            assert any(words(alt) in texts[s.doc_id] for s in c.expected_sources for alt in group), (c.id, group)


def test_pdf_facts_sit_on_the_stated_page(built: Path) -> None:
    from pypdf import PdfReader

    pdf = next(d for d in DOCS if d.fmt == "pdf")
    pages = [words(p.extract_text() or "") for p in PdfReader(str(built / pdf.output)).pages]
    assert len(pages) >= 5
    checked = 0
    for c in CASES:
        for s in c.expected_sources:
            if s.doc_id != pdf.doc_id:
                continue
            assert s.page is not None and 1 <= s.page <= len(pages), c.id
            # the fact of this source's own document must be on that page
            for group in c.expected_facts:
                if any(words(alt) in " ".join(pages) for alt in group):
                    assert any(words(alt) in pages[s.page - 1] for alt in group), (c.id, group, s.page)
            checked += 1
    assert checked >= 10


def test_an_article_spans_a_page_break(built: Path) -> None:
    from pypdf import PdfReader

    pdf = next(d for d in DOCS if d.fmt == "pdf")
    pages = [p.extract_text() or "" for p in PdfReader(str(built / pdf.output)).pages]
    # Article 14's heading is at the foot of page 3 and its paragraphs are on page 4.
    assert "Article 14" in pages[2] and "Article 15" not in pages[2]
    assert "lodge the additional amount within 60 days" in " ".join(pages[3].split())
    assert all(pdf.header in p for p in pages) and all(f"Page {i} of {len(pages)}" in p for i, p in enumerate(pages, 1))


def test_html_boilerplate_holds_no_gold_fact(built: Path) -> None:
    from bs4 import BeautifulSoup

    html = next(d for d in DOCS if d.output.endswith(".html"))
    soup = BeautifulSoup((built / html.output).read_text(encoding="utf-8"), "html.parser")
    boiler = words(" ".join(t.get_text(" ") for t in soup.find_all(["nav", "footer", "header", "aside"])))
    for c in CASES:
        if any(s.doc_id == html.doc_id for s in c.expected_sources):
            assert not any(words(a) in boiler for g in c.expected_facts for a in g), c.id


def test_contract_checker_catches_violations() -> None:
    texts = {"d": words("The holder shall lodge the assurance within 60 days of notice.")}
    good = {
        "question": "q",
        "answer": "Within 60 days [1].",
        "refused": False,
        "citations": [
            {
                "marker": "[1]",
                "doc_id": "d",
                "title": "T",
                "source": "d.txt",
                "page": 1,
                "clause": "Article 14",
                "chunk_id": "c1",
                "quote": "lodge the assurance within 60 days",
            }
        ],
    }
    assert contract_problems(good, "q", texts) == []
    bad_quote = {**good, "citations": [{**good["citations"][0], "quote": "within 90 days"}]}
    assert any("quote" in p for p in contract_problems(bad_quote, "q", texts))
    bad_marker = {**good, "answer": "Within 60 days [2]."}
    assert any("[2]" in p for p in contract_problems(bad_marker, "q", texts))
    missing = {k: v for k, v in good.items() if k != "refused"}
    assert contract_problems(missing, "q", texts)
    assert contract_problems({**good, "question": "other"}, "q", texts)


def test_page_hit_judges_pdf_pages() -> None:
    case = next(c for c in CASES if c.id == "ho-021")  # Article 14(3), page 4
    cit = {"doc_id": case.expected_sources[0].doc_id, "clause": "CHAPTER III › Article 14", "page": 4}
    assert page_hit(case, [cit]) is True
    assert page_hit(case, [{**cit, "page": 3}]) is False
    txt_case = next(c for c in CASES if c.tags["format"] == "txt")
    assert page_hit(txt_case, [cit]) is None
