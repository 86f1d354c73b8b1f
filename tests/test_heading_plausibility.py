"""Plain-text "Article N" lines are headings only when they plausibly are; text subsections get aliases."""

from __future__ import annotations

from assistant.core.types import LoadedDocument, Page
from indexing.structure import parse_clauses


def _clauses(text: str) -> dict[str, object]:
    doc = LoadedDocument(pages=[Page(1, text)], markdown=False)
    return {c.clause: c for c in parse_clauses(doc)}


# Our own act; line breaks as a text export of a PDF leaves them (no reflow for .txt files).
ACT = """Chapter III Security

Article 13 Bonds
The operator shall lodge a bond before tailings are first deposited.

Article 14 Review of bonds
1. The bond shall be reassessed whenever the closure design is revised in the way set out under
Article 8.
2. The regulator may order a reassessment after a dam incident.
Article 3, paragraph 2, applies to every reassessment under this Article.
3. A surplus of more than 12 percent is returned to the operator.

Article 15 Use of bonds
The regulator calls on the bond when the operator defaults.
"""


def test_cross_references_starting_a_line_are_not_articles() -> None:
    by = _clauses(ACT)
    paths = list(by)
    assert not any("Article 8" in p or "Article 3" in p for p in paths), paths
    art14 = [c for p, c in by.items() if "Article 14" in p]
    text = "\n".join(c.text for c in art14)
    for words in ("set out under\nArticle 8.", "Article 3, paragraph 2, applies", "12 percent is returned"):
        assert words in text
    assert any(p.endswith("Article 15 Use of bonds") or p.endswith("Article 15") for p in paths)


def test_numbering_that_restarts_in_a_new_chapter_is_kept() -> None:
    text = (
        "Chapter 1 General\n\nArticle 1 Scope\nThis Act applies to quarries.\n\nArticle 2 Terms\nTerms are defined.\n\n"
        "Chapter 2 Plans\n\nArticle 1 Plans\nA plan is required.\n\nArticle 2 Content\nThe plan lists measures.\n"
    )
    paths = list(_clauses(text))
    assert sum(p.endswith("Article 1 Scope") or p.endswith("Article 1") for p in paths) == 2
    assert "Chapter 2 Plans › Article 2" in paths


def test_article_standing_alone_after_a_sentence_is_still_a_heading() -> None:
    text = "Article 5\nFirst rule applies.\n\nArticle 6\nSecond rule applies.\n\nArticle 40\nA late article.\n"
    paths = list(_clauses(text))
    assert paths == ["Article 5", "Article 6", "Article 40"]


REGULATION = """Part 2 - Standards

Section 14 Revegetation

(1) Disturbed land must be sown with species that suit the agreed land use.

(2) Where the land use is woodland, revegetation succeeds when, at an assessment at least 4 years after sowing,

(a) canopy cover is at least 45 per cent of that of the benchmark site; and

(b) there are at least 900 woody stems per hectare.

Section 15 Water
Runoff must pass through a sediment basin.
"""


def test_text_subsection_aliases() -> None:
    by = _clauses(REGULATION)
    # (2) has items of its own, so it is a clause of its own, cited as "14(2)"; (a)/(b) stay inside it.
    sub = by["Section 14 Revegetation › (2)"]
    for alias in ("Section 14(2)", "14(2)", "14(2)(a)", "Section 14(2)(b)"):
        assert alias in sub.aliases
    assert "45 per cent" in sub.text and "900 woody stems" in sub.text
    assert "Section 14(1)" in by["Section 14 Revegetation › (1)"].aliases
    sec15 = next(c for p, c in by.items() if "Section 15" in p)
    assert "14(2)" not in sec15.aliases
