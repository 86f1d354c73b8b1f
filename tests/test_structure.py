"""Clause trees of documents in each style msra meets (all fixture text is invented for these tests)."""

from __future__ import annotations

import pytest

from assistant.core.numerals import int_to_cn
from assistant.core.types import Clause, LoadedDocument, Page
from indexing.structure import parse_clauses


def _doc(text: str, *, markdown: bool) -> LoadedDocument:
    return LoadedDocument(pages=[Page(1, text)], markdown=markdown)


def _by_clause(clauses: list[Clause]) -> dict[str, Clause]:
    out: dict[str, Clause] = {}
    for c in clauses:
        assert c.clause not in out, f"duplicate clause path {c.clause!r}"
        out[c.clause] = c
    return out


# ---- SER-style principles and standards -----------------------------------------------------------

SER_STYLE = """Restoration Practice Guide for Worked-Out Quarries

This guide helps quarry operators plan the recovery of worked-out pits.

Principle 1 Recovery work involves the people who live around the pit.
Neighbours are invited to every planning meeting and their views are written down.

Principle 2 Recovery draws on many kinds of knowledge
Farmers, ecologists and engineers each see different risks.

Standard 2.1 Sources of knowledge are recorded
Each plan lists who was asked and what they said.
"""


def test_principles_and_standards() -> None:
    clauses = parse_clauses(_doc(SER_STYLE, markdown=False))
    by = _by_clause(clauses)
    assert list(by) == [
        "",
        "Principle 1",
        "Principle 2 Recovery draws on many kinds of knowledge",
        "Standard 2.1 Sources of knowledge are recorded",
    ]
    assert "worked-out pits" in by[""].text  # text before the first heading is kept
    # A principle stated as a sentence keeps the sentence in its text (it is what gets quoted).
    assert by["Principle 1"].text.startswith("Principle 1 Recovery work involves")
    assert by["Principle 1"].aliases == ["Principle 1"]
    assert by["Standard 2.1 Sources of knowledge are recorded"].aliases == ["Standard 2.1"]


# ---- an English law with chapters and articles ----------------------------------------------------

ENGLISH_LAW = """Quarry Rehabilitation Act

Chapter I General Provisions

Article 1 This Act governs the rehabilitation of land disturbed by quarrying.

Article 2 In this Act, "operator" means the holder of a quarry licence.

Chapter IV Rehabilitation of Quarry Areas

Article 46 The operator shall prepare a rehabilitation plan before extraction begins.
The plan shall describe:
(1) the final landform;
(2) the way soil is stripped, stored and returned; and
(3) the monitoring schedule.

Art. 47 Rehabilitation shall proceed in stages where practicable.
Chapter 4 of the national guidance explains staging in more detail.
"""


def test_english_law_chapters_and_articles() -> None:
    by = _by_clause(parse_clauses(_doc(ENGLISH_LAW, markdown=False)))
    art46 = by["Chapter IV Rehabilitation of Quarry Areas › Article 46"]
    assert art46.text.startswith("Article 46 The operator shall prepare")
    # Short enumerated items stay inside their article, and can still be named.
    assert "(2) the way soil is stripped" in art46.text
    assert {"Article 46", "Art. 46", "第四十六条", "Article 46(2)"} <= set(art46.aliases)
    art47 = by["Chapter IV Rehabilitation of Quarry Areas › Art. 47"]
    assert "Article 47" in art47.aliases
    # A sentence that merely starts with "Chapter 4 …" is body text, not a new chapter.
    assert "national guidance" in art47.text
    assert by["Chapter I General Provisions › Article 2"].aliases[:2] == ["Article 2", "Art. 2"]
    assert "Quarry Rehabilitation Act" in by[""].text


def test_chapter_aliases() -> None:
    text = "Intro text.\n\nChapter IV Rehabilitation\n\nArticle 9 Plans are public.\n\n"
    doc = _doc(text + "Chapter V End\n\nArticle 10 Done.\n", markdown=False)
    assert [c.clause for c in parse_clauses(doc)] == [
        "",
        "Chapter IV Rehabilitation › Article 9",
        "Chapter V End › Article 10",
    ]
    from indexing.aliases import AliasContext, aliases_for
    from indexing.structure import Node

    node = Node("Chapter IV Rehabilitation", "chapter", number="IV", value=4)
    assert {"Chapter 4", "Chapter IV", "第四章"} <= set(aliases_for(node, AliasContext()))


# ---- a U.S. Code-style Markdown file with repeated breadcrumbs ------------------------------------

USC_STYLE = """
# Title 99— LAND RESTORATION
### CHAPTER 7— QUARRY RECLAMATION

SUBCHAPTER I— GENERAL


# Title 99— LAND RESTORATION
### CHAPTER 7— QUARRY RECLAMATION
#### § 701. Definitions

For the purposes of this chapter—

(1) “operator” means a person who works a quarry;

(2) “pit” means an excavation left open after extraction.


# Title 99— LAND RESTORATION
### CHAPTER 7— QUARRY RECLAMATION
#### § 705. Performance standards
##### (a) Permit condition

Every permit shall require compliance with the standards of this section.


# Title 99— LAND RESTORATION
### CHAPTER 7— QUARRY RECLAMATION
#### § 705. Performance standards
##### (b) General standards

Every operator shall, at a minimum—

(1) keep topsoil apart from other spoil;

(2) reshape the pit walls so that

(A) slopes are stable, by

(i) benching faces higher than ten metres; and

(ii) draining the benches;

(B) water does not pond against the toe;

(3) plant native species on reshaped ground;

(4)

(A) accept responsibility for the planting for four years after the last sowing; and

(B) accept responsibility for two years on ground that was mined before.


# Title 99— LAND RESTORATION
### CHAPTER 7— QUARRY RECLAMATION
#### § 705. Performance standards
##### (h) Inspections

Inspectors may enter any quarry at reasonable times.


# Title 99— LAND RESTORATION
### CHAPTER 7— QUARRY RECLAMATION
#### § 705. Performance standards
##### (i) Enforcement

(1) The agency may order work to stop where

(A) the operator

(i) ignores an order; or

(ii) misleads an inspector.
"""


def test_usc_breadcrumbs_are_left_out_and_sections_are_single_nodes() -> None:
    clauses = parse_clauses(_doc(USC_STYLE, markdown=True))
    tops = [c.path[0] for c in clauses]
    assert all("Title 99" not in label and "CHAPTER 7" not in label for c in clauses for label in c.path)
    assert sorted(set(tops)) == ["§ 701. Definitions", "§ 705. Performance standards"]
    # the repeated "#### § 705." heading re-enters one node: its subsections appear in order under it
    subsections = [c.path[1] for c in clauses if c.path[0].startswith("§ 705") and len(c.path) == 2]
    assert subsections == ["(a) Permit condition", "(b) General standards", "(h) Inspections", "(i) Enforcement"]
    # a short subsection keeps its paragraphs inside it, and they can still be named
    enforcement = next(c for c in clauses if c.path[-1] == "(i) Enforcement")
    assert "(ii) misleads an inspector." in enforcement.text
    assert "§ 705(i)(1)(A)(ii)" in enforcement.aliases


def test_usc_paragraphs_and_aliases() -> None:
    # fold_chars below the size of subsection (b): its paragraphs stay clauses of their own
    by = _by_clause(parse_clauses(_doc(USC_STYLE, markdown=True), fold_chars=300))
    base = "§ 705. Performance standards › (b) General standards"
    p4 = by[f"{base} › (4)"]
    # a paragraph made only of short subparagraphs keeps them inside it
    assert "(A) accept responsibility" in p4.text and "(B) accept responsibility" in p4.text
    assert {"§ 705(b)(4)", "705(b)(4)", "99 U.S.C. 705(b)(4)", "§ 705(b)(4)(B)"} <= set(p4.aliases)
    assert f"{base} › (4) › (A)" not in by
    assert by["§ 705. Performance standards › (a) Permit condition"].aliases[:2] == ["§ 705(a)", "705(a)"]
    definitions = by["§ 701. Definitions"]
    assert {"§ 701", "Section 701", "701", "99 U.S.C. 701"} <= set(definitions.aliases)
    assert "(2) “pit” means" in definitions.text and "§ 701(2)" in definitions.aliases  # short: folded


def test_usc_nesting_when_nothing_is_folded() -> None:
    by = _by_clause(parse_clauses(_doc(USC_STYLE, markdown=True), fold_chars=0))
    base = "§ 705. Performance standards › (b) General standards › (2)"
    # (i) after (A) is the roman numeral one, not the letter after (h)
    assert by[f"{base} › (A) › (i)"].text.startswith("(i) benching faces")
    assert by[f"{base} › (A) › (ii)"].aliases[0] == "§ 705(b)(2)(A)(ii)"
    assert by[f"{base} › (B)"].text.startswith("(B) water does not pond")
    # "##### (i)" after "##### (h)" is subsection (i); inside it, "(i)" under "(A)" is roman again
    enforcement = "§ 705. Performance standards › (i) Enforcement"
    assert by[f"{enforcement} › (1) › (A) › (ii)"].aliases[0] == "§ 705(i)(1)(A)(ii)"
    assert "(4)" not in {c.label for c in by.values() if c.text == "(4)"}  # no clause is a bare enumerator


# ---- a CFR-style section ----------------------------------------------------------------------------

CFR_STYLE = """Part 921—Quarry Performance Standards

These rules implement 36 CFR 921 for quarries on public land.

§ 921.14 Revegetation: standards for success.
(a) Success of planting shall be judged against the approved reference area.
(1) The reference area shall be fenced.
(2) Ground cover shall be sampled each spring.
(b) Sampling methods.
§ 921.14(b)(1) Transects shall be laid out at random before sampling.

§ 921.15 Topsoil handling.
Topsoil shall be removed before any blasting.
"""


def test_cfr_sections_and_paragraph_aliases() -> None:
    clauses = parse_clauses(_doc(CFR_STYLE, markdown=False), fold_chars=0)
    by = _by_clause(clauses)
    section = "§ 921.14 Revegetation: standards for success."
    assert by[f"{section} › (a)"].aliases == ["§ 921.14(a)", "921.14(a)", "36 CFR 921.14(a)"]
    a2 = by[f"{section} › (a) › (2)"]
    assert {"§ 921.14(a)(2)", "921.14(a)(2)", "36 CFR 921.14(a)(2)"} <= set(a2.aliases)
    # a "§ 921.14(b)(1)" line re-enters the section and opens paragraph (b)(1)
    b1 = by[f"{section} › (b) › (1)"]
    assert b1.text.startswith("§ 921.14(b)(1) Transects")
    assert {"§ 921.15", "Section 921.15", "921.15", "36 CFR 921.15"} <= set(by["§ 921.15 Topsoil handling."].aliases)


def test_cfr_folded_paragraphs_keep_their_names() -> None:
    by = _by_clause(parse_clauses(_doc(CFR_STYLE, markdown=False)))
    section = by["§ 921.14 Revegetation: standards for success."]
    assert "(2) Ground cover" in section.text
    assert section.text.endswith("§ 921.14(b)(1) Transects shall be laid out at random before sampling.")
    assert {"36 CFR 921.14", "921.14(a)(2)", "§ 921.14(b)(1)"} <= set(section.aliases)


# ---- a Chinese law -----------------------------------------------------------------------------------

_CHAPTERS = {1: "总 则", 20: "采矿管理", 44: "矿山复绿", 70: "法律责任", 99: "附则"}


def _chinese_law() -> str:
    out = ["# 示范矿山复绿法", "", "2030年1月1日 示范会议通过", "", "<!-- INFO END -->", ""]
    chapter = 0
    for n in range(1, 101):
        if n in _CHAPTERS:
            chapter += 1
            out += [f"## 第{int_to_cn(chapter)}章 {_CHAPTERS[n]}", ""]
        if n == 46:
            out += [
                "第四十六条 采矿人在开采前应当编制复绿方案，与开采方案一并报送。方案应当包括下列内容：",
                "",
                "（一）复绿目标和进度；",
                "",
                "（二）尾矿库的具体措施。",
                "",
            ]
        elif n == 6:
            out += ["第六条 复绿方案应当向社会公开。", "", "第五条规定的监测结果应当一并公开。", ""]
        else:
            out += [f"第{int_to_cn(n)}条 本条规定示范事项第{n}项。", ""]
    return "\n".join(out)


def test_chinese_law_articles() -> None:
    clauses = parse_clauses(_doc(_chinese_law(), markdown=True))
    articles = [c for c in clauses if c.label.startswith("第") and c.label.endswith("条")]
    assert [c.label for c in articles] == [f"第{int_to_cn(n)}条" for n in range(1, 101)]
    by = _by_clause(clauses)
    art46 = by["第三章 矿山复绿 › 第四十六条"]
    assert "（二）尾矿库的具体措施。" in art46.text  # items stay in their article
    assert {"第四十六条", "Article 46", "Art. 46", "第46条"} <= set(art46.aliases)
    assert "Article 100" in by["第五章 附则 › 第一百条"].aliases
    assert by["第一章 总则 › 第六条"].text.endswith("第五条规定的监测结果应当一并公开。")
    front = by[""]
    assert "2030年1月1日" in front.text and "<!--" not in front.text
    assert all("示范矿山复绿法" not in c.clause for c in clauses)  # the title is an ancestor of all


def test_chinese_chapter_aliases() -> None:
    from indexing.aliases import AliasContext, aliases_for
    from indexing.structure import Node

    node = Node("第四章 矿区生态修复", "chapter", number="4", value=4)
    assert aliases_for(node, AliasContext())[:3] == ["第四章", "Chapter 4", "Chapter IV"]


# ---- Markdown notes ----------------------------------------------------------------------------------

NOTES = """Draft prepared for the site team.

# Field notes on topsoil

## Stockpiles

Keep stockpiles lower than two metres so the seed bank survives.

```bash
# not a heading: a comment in a code block
ls stockpiles/
```

### **Seed bank** ###

Seeds in stored topsoil lose vigour after a year.

## Monitoring

1. Walk the site every month.
2. Record any erosion gullies.
"""


def test_markdown_notes() -> None:
    by = _by_clause(parse_clauses(_doc(NOTES, markdown=True)))
    assert list(by) == ["", "Stockpiles", "Stockpiles › Seed bank", "Monitoring"]
    assert "# not a heading" in by["Stockpiles"].text
    assert "2. Record any erosion gullies." in by["Monitoring"].text
    assert by[""].text == "Draft prepared for the site team."


def test_headings_ignored_when_not_markdown() -> None:
    clauses = parse_clauses(_doc("# just a hash line\n\nText follows.\n", markdown=False))
    assert [c.path for c in clauses] == [[]]


# ---- PDF-like plain text with pages -----------------------------------------------------------------

PAGES = [
    "1 Introduction\nThis report covers the old sand quarry.\n\n2 Site description\nThe quarry lies across the",
    "river from the village and covers forty hectares.\n\n2.1 Soils\nThe soils are sandy loams.\n"
    "Steps taken so far:\n1. Remove loose rubble.\n2. Store the topsoil.\n10 mm of rain fell during the visit.",
    "3 Recommendations\nPlant native grasses first.",
]


def test_pages_and_numbered_headings() -> None:
    doc = LoadedDocument(pages=[Page(i + 1, t) for i, t in enumerate(PAGES)], markdown=False)
    by = _by_clause(parse_clauses(doc))
    assert list(by) == ["1 Introduction", "2 Site description", "2 Site description › 2.1 Soils", "3 Recommendations"]
    site = by["2 Site description"]
    assert (site.page_start, site.page_end) == (1, 2)
    assert site.text == "The quarry lies across the\nriver from the village and covers forty hectares."
    soils = by["2 Site description › 2.1 Soils"]
    assert (soils.page_start, soils.page_end) == (2, 2)
    assert "1. Remove loose rubble." in soils.text and "10 mm of rain" in soils.text
    assert by["3 Recommendations"].page_start == 3
    assert "Section 2.1" in soils.aliases
    breaks = getattr(site, "page_breaks", None)
    assert breaks == [(0, 1), (len("The quarry lies across the\n"), 2)]


@pytest.mark.parametrize("markdown", [True, False])
def test_no_text_is_lost(markdown: bool) -> None:
    text = USC_STYLE if markdown else ENGLISH_LAW
    clauses = parse_clauses(_doc(text, markdown=markdown))
    body = " ".join(" ".join(c.text.split()) for c in clauses)
    for line in text.splitlines():
        s = line.strip()
        if s and not s.startswith(("#", "Chapter I", "SUBCHAPTER")):
            assert " ".join(s.split()) in body, s


def test_empty_document() -> None:
    assert parse_clauses(_doc("", markdown=True)) == []


def test_enumerated_paragraph_titles_join_the_label() -> None:
    text = """#### § 820. Payments
##### (h) Payments to counties

(1) In general

(A) Amount

(i) In general

The fund shall pay each county its share.

(ii) Timing of payments

Payments are made every year.

(B) No payment where

the county has no quarry.
"""
    by = _by_clause(parse_clauses(_doc(text, markdown=True), fold_chars=0))
    base = "§ 820. Payments › (h) Payments to counties › (1) In general › (A) Amount"
    assert by[f"{base} › (i) In general"].text == "(i) In general\n\nThe fund shall pay each county its share."
    assert by[f"{base} › (i) In general"].aliases[0] == "§ 820(h)(1)(A)(i)"
    # a clause that would hold nothing but its own title is not emitted: the path carries the title
    assert not any(c.text.strip() in ("(1) In general", "(A) Amount") for c in by.values())
    # "No payment where" is a lead-in sentence, not a title
    assert by["§ 820. Payments › (h) Payments to counties › (1) In general › (B)"].text.endswith("no quarry.")


EU_STYLE = """REGULATION ON QUARRY AFTERCARE

CHAPTER 1
GENERAL PROVISIONS

Article 1
Subject matter
1. This Regulation lays down rules for the aftercare of quarries.
2. It applies to quarries larger than five hectares.

CHAPTER 2
PLANS

Article 2
Aftercare plans
Operators shall submit a plan before extraction starts.
"""


def test_division_titles_on_the_next_line_and_numbered_article_paragraphs() -> None:
    by = _by_clause(parse_clauses(_doc(EU_STYLE, markdown=False)))
    assert list(by) == ["", "CHAPTER 1 GENERAL PROVISIONS › Article 1", "CHAPTER 2 PLANS › Article 2"]
    art1 = by["CHAPTER 1 GENERAL PROVISIONS › Article 1"]
    assert art1.text.startswith("Subject matter\n1. This Regulation")
    assert {"Article 1(1)", "Article 1(2)", "Art. 1(2)"} <= set(art1.aliases)


@pytest.mark.parametrize(
    ("text", "markdown"), [(ENGLISH_LAW, False), (CFR_STYLE, False), (EU_STYLE, False), (NOTES, True)]
)
def test_clause_text_is_a_verbatim_span_of_the_source(text: str, markdown: bool) -> None:
    for clause in parse_clauses(_doc(text, markdown=markdown)):
        assert clause.text in text


def test_chinese_articles_are_verbatim() -> None:
    text = _chinese_law()
    for clause in parse_clauses(_doc(text, markdown=True)):
        if clause.path:
            assert clause.text in text


def test_wrapped_cross_reference_is_not_a_new_article() -> None:
    text = (
        "Article 11 The operator shall restore the land to the standard laid down in\n"
        "Article 12 of the national rules and report the results each year.\n"
        "Article 12 Reports are public.\n"
    )
    by = _by_clause(parse_clauses(_doc(text, markdown=False)))
    assert list(by) == ["Article 11", "Article 12"]
    assert by["Article 11"].text.endswith("report the results each year.")
    assert by["Article 12"].text == "Article 12 Reports are public."


def test_chinese_articles_without_a_space() -> None:
    text = (
        "第一章 总则\n第一条为了示范，制定本法。\n第二条本法适用于示范区。\n"
        "第一条规定的事项由示范部门负责。\n第三条本法自公布之日起施行。\n"
    )
    by = _by_clause(parse_clauses(_doc(text, markdown=False)))
    assert [c.label for c in by.values()] == ["第一条", "第二条", "第三条"]
    # out of sequence: a reference to article 1 at the start of a line stays in article 2
    assert by["第二条"].text.endswith("第一条规定的事项由示范部门负责。")


def test_upper_case_provisions_and_markdown_numbered_headings() -> None:
    text = "# Guide\n\n## PRINCIPLE 3: Work from reference ecosystems\n\nUse local reference sites.\n\n"
    text += "## 3.2 Soil handling\n\nStrip soil when dry.\n"
    by = _by_clause(parse_clauses(_doc(text, markdown=True)))
    assert by["PRINCIPLE 3: Work from reference ecosystems"].aliases == ["Principle 3"]
    assert by["3.2 Soil handling"].aliases == ["Section 3.2"]


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        # "(i)" after "(h)" followed by "(j)": the letter
        (["(h) eighth;", "(i) ninth;", "(j) tenth."], ["(h)", "(i)", "(j)"]),
        # "(i)" under "(1)" followed by "(ii)": roman clauses of paragraph (1)
        (["(1) first", "(i) one;", "(ii) two;", "(2) second."], ["(1)", "(1) › (i)", "(1) › (ii)", "(2)"]),
        # "(v)" after "(iv)" is roman five; "(v)" after "(u)" is the letter
        (["(a) x", "(iv) four;", "(v) five."], ["(a)", "(a) › (iv)", "(a) › (v)"]),
        (["(t) x;", "(u) y;", "(v) z."], ["(t)", "(u)", "(v)"]),
    ],
)
def test_ambiguous_enumerators(lines: list[str], expected: list[str]) -> None:
    text = "§ 9. Rules\n" + "\n".join(lines) + "\n"
    clauses = parse_clauses(_doc(text, markdown=False), fold_chars=0)
    assert [" › ".join(c.path[1:]) for c in clauses] == expected
