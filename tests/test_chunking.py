"""Chunking along clauses: one clause per chunk for laws, overlapping pieces with their own pages for
long clauses, small sibling clauses merged in other documents, stable ids (fixture text is invented)."""

from __future__ import annotations

import hashlib
import itertools
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import settings as hyp_settings
from hypothesis import strategies as st

from assistant.core.config import Settings, load_settings
from assistant.core.types import CLAUSE_SEP, Clause, DocumentMeta, LoadedDocument, Page
from indexing.chunking import STRUCTURE_VERSION, chunk_document, index_text
from indexing.structure import parse_clauses


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return load_settings(tmp_path, chunk_size=400, chunk_overlap=100, min_chunk_chars=120)


def _meta(kind: str = "law", text: str = "x", **kw: str) -> DocumentMeta:
    return DocumentMeta(
        doc_id="demo-doc",
        title="Demo Act",
        kind=kind,  # type: ignore[arg-type]
        jurisdiction=kw.get("jurisdiction", "XX"),
        language=kw.get("language", "en"),
        source="demo.md",
        sha256=hashlib.sha256(text.encode()).hexdigest(),
    )


def _sentences(n: int, word: str = "rehabilitation") -> str:
    return " ".join(f"Sentence {i} about {word} of the quarry floor." for i in range(n))


def test_structure_version_is_a_short_name_part() -> None:
    assert STRUCTURE_VERSION and STRUCTURE_VERSION.isascii() and " " not in STRUCTURE_VERSION


def test_law_chunks_never_span_two_clauses(settings: Settings) -> None:
    clauses = [
        Clause(["Chapter I", "Article 1"], "Article 1 Short.", 1, 1, ["Article 1"]),
        Clause(["Chapter I", "Article 2"], "Article 2 Also short.", 1, 1, ["Article 2"]),
        Clause(["Chapter I", "Article 3"], "Article 3 " + _sentences(30), 1, 1, ["Article 3"]),
    ]
    chunks = chunk_document(clauses, _meta("law"), settings)
    assert [c.clause for c in chunks[:2]] == ["Chapter I › Article 1", "Chapter I › Article 2"]
    assert [c.text for c in chunks[:2]] == ["Article 1 Short.", "Article 2 Also short."]
    for chunk in chunks:
        owners = [c for c in clauses if chunk.text in c.text]
        assert len(owners) == 1 and CLAUSE_SEP.join(owners[0].path) == chunk.clause
    assert len(chunks) > 3  # the long article was split


def test_long_clause_pieces_overlap_and_keep_their_pages(settings: Settings) -> None:
    # wrapped lines, as a PDF page gives them
    first = textwrap.fill("Article 9 " + _sentences(12, "benching"), 70)
    second = textwrap.fill(_sentences(12, "drainage"), 70)
    doc = LoadedDocument(pages=[Page(4, first), Page(5, second)], markdown=False)
    (clause,) = parse_clauses(doc)
    assert (clause.page_start, clause.page_end) == (4, 5)
    chunks = chunk_document([clause], _meta("regulation"), settings)
    assert len(chunks) >= 3
    assert all(c.clause == "Article 9" and c.aliases == clause.aliases for c in chunks)
    assert all(len(c.text) <= settings.chunk_size for c in chunks)
    assert all(c.text in clause.text for c in chunks)  # quotes stay exact
    assert chunks[0].page_start == chunks[0].page_end == 4
    assert chunks[-1].page_start == chunks[-1].page_end == 5
    assert any(c.page_start == 4 and c.page_end == 5 for c in chunks)  # the piece across the break
    for a, b in itertools.pairwise(chunks):
        assert a.text[-30:] in clause.text
        # consecutive pieces overlap
        assert clause.text.find(b.text) < clause.text.find(a.text) + len(a.text)


def test_chinese_long_article_splits_at_sentence_ends(settings: Settings) -> None:
    body = "".join(f"第{i}项措施应当在开采结束前完成并报送主管部门备案。" for i in range(40))
    clause = Clause(["第四章 矿区复绿", "第四十六条"], "第四十六条 " + body, 2, 2, ["第四十六条", "Article 46"])
    chunks = chunk_document([clause], _meta("law", language="zh"), settings)
    assert len(chunks) > 1
    assert all(c.text.endswith("。") for c in chunks)  # cut after 。, not in the middle of a sentence
    assert {c.clause for c in chunks} == {"第四章 矿区复绿 › 第四十六条"}


def test_slightly_long_clause_stays_whole(settings: Settings) -> None:
    text = "(20) " + _sentences(8)
    assert settings.chunk_size < len(text) <= settings.chunk_size * 1.5
    chunks = chunk_document([Clause(["§ 7", "(b)", "(20)"], text, 1, 1)], _meta("law"), settings)
    assert [c.text for c in chunks] == [text]


def test_small_siblings_merge_in_other_documents(settings: Settings) -> None:
    clauses = [
        Clause(["Monitoring", "Soil"], "Soil is sampled twice a year.", 1, 1),
        Clause(["Monitoring", "Water"], "Water is sampled monthly.", 2, 2),
        Clause(["Monitoring", "Plants"], _sentences(9), 2, 3),
        Clause(["Budget"], "Costs are set aside each year.", 3, 3, ["a4"]),
        Clause(["Budget", "Bonds"], "A bond covers the rest.", 3, 3, ["a5"]),
    ]
    chunks = chunk_document(clauses, _meta("guidance"), settings)
    assert chunks[0].clause == "Monitoring › Soil"
    assert chunks[0].text.startswith("Soil is sampled") and "Water is sampled monthly." in chunks[0].text
    assert (chunks[0].page_start, chunks[0].page_end) == (1, 2)
    assert all(len(c.text) <= settings.chunk_size * 1.5 for c in chunks)
    # a heading's short introduction joins the clauses under it, labelled with the heading
    assert chunks[-1].clause == "Budget"
    assert chunks[-1].text == "Costs are set aside each year.\n\nA bond covers the rest."
    assert chunks[-1].aliases == ["a4", "a5"]  # the names of every merged clause are kept
    # a clause never joins a chunk labelled with an unrelated path
    assert "Costs are set aside" not in chunks[-2].text
    # the same clauses in a law are never merged
    assert len(chunk_document(clauses, _meta("law"), settings)) == len(clauses)


def test_designated_siblings_keep_their_own_chunks(settings: Settings) -> None:
    clauses = [
        Clause(["Principle 1"], "Principle 1 Work with neighbours.", 1, 1, ["Principle 1"]),
        Clause(["Principle 2"], "Principle 2 Use many kinds of knowledge.", 1, 1, ["Principle 2"]),
        Clause(["Notes"], "Short note.", 1, 1),
        Clause(["Notes"], "Another short note.", 1, 1),
    ]
    chunks = chunk_document(clauses, _meta("standard"), settings)
    assert [c.clause for c in chunks] == ["Principle 1", "Principle 2", "Notes"]


def test_ids_are_stable_and_metadata_is_filled(settings: Settings) -> None:
    text = "# Notes\n\n## One\n\n" + _sentences(3) + "\n\n## Two\n\n" + _sentences(20)
    meta = _meta("notes", text, jurisdiction="CN", language="zh")
    doc = LoadedDocument(pages=[Page(1, text)], markdown=True)
    first = chunk_document(parse_clauses(doc), meta, settings)
    again = chunk_document(parse_clauses(doc), meta, settings)
    assert [c.chunk_id for c in first] == [c.chunk_id for c in again]
    assert [c.chunk_id for c in first] == [f"{meta.sha256[:16]}-{i:05d}" for i in range(len(first))]
    assert [c.position for c in first] == list(range(len(first)))
    c = first[0]
    assert (c.doc_id, c.title, c.kind, c.jurisdiction, c.language, c.source) == (
        "demo-doc",
        "Demo Act",
        "notes",
        "CN",
        "zh",
        "demo.md",
    )
    other = chunk_document(parse_clauses(doc), _meta("notes", text + " "), settings)
    assert other[0].chunk_id != c.chunk_id


def test_index_text_adds_context_but_chunk_text_stays_faithful(settings: Settings) -> None:
    text = "第四十六条 开采前应当编制复绿方案。"
    clause = Clause(["第四章 矿区复绿", "第四十六条"], text, 1, 1, ["第四十六条", "Article 46"])
    (chunk,) = chunk_document([clause], _meta("law"), settings)
    assert chunk.text == clause.text
    indexed = index_text(chunk)
    assert indexed.splitlines()[0] == "Demo Act › 第四章 矿区复绿 › 第四十六条"
    assert "Article 46" in indexed and indexed.endswith(clause.text)


def test_empty_clauses_make_no_chunks(settings: Settings) -> None:
    assert chunk_document([Clause(["A"], "  \n", 1, 1)], _meta("law"), settings) == []


_LINES = [
    "# Heading",
    "## 第四章 矿区生态修复",
    "第四十六条 开采前应当编制方案。",
    "Article 7 The operator shall act.",
    "CHAPTER 2",
    "PLANS",
    "§ 12. Bonds",
    "§ 12(b)(3) Text of a paragraph.",
    "(a) Permit condition",
    "(i)",
    "(ii) second item;",
    "(A) the operator",
    "3.1 Soil handling",
    "1. first item",
    "Principle 2 Draws on knowledge",
    "Plain sentence about topsoil and water.",
    "<!-- note -->",
    "```",
    "",
]


@given(
    pages=st.lists(st.lists(st.sampled_from(_LINES), max_size=25), min_size=1, max_size=4),
    markdown=st.booleans(),
    kind=st.sampled_from(["law", "guidance"]),
)
@hyp_settings(max_examples=150, deadline=None)
def test_any_mix_of_lines_parses_and_chunks_consistently(pages: list[list[str]], markdown: bool, kind: str) -> None:
    doc = LoadedDocument(pages=[Page(i + 1, "\n".join(p)) for i, p in enumerate(pages)], markdown=markdown)
    clauses = parse_clauses(doc)
    for c in clauses:
        assert c.text.strip() and 1 <= c.page_start <= c.page_end <= len(pages)
    small = Settings(chunk_size=200, chunk_overlap=40, min_chunk_chars=60)
    chunks = chunk_document(clauses, _meta(kind), small)
    assert len({c.chunk_id for c in chunks}) == len(chunks)
    for chunk in chunks:
        assert 1 <= chunk.page_start <= chunk.page_end <= len(pages)
        if kind == "law":
            assert any(chunk.text in c.text and chunk.clause == CLAUSE_SEP.join(c.path) for c in clauses)
