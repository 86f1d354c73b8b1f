"""Hybrid retrieval over the answer fixtures with the hashing fake embedder."""

from __future__ import annotations

from pathlib import Path

import pytest
from answer_corpus import all_fixture_chunks, build_retriever

from assistant.core.naming import named_documents
from assistant.core.references import chunk_keys, match_strength, parse_refs
from assistant.retrieval import HybridRetriever
from indexing.embeddings import HashEmbedder


@pytest.fixture
def retriever(hash_settings, tmp_path: Path) -> HybridRetriever:
    return build_retriever(all_fixture_chunks(), HashEmbedder(), hash_settings, tmp_path / "lex")[0]


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("What does Article 46 require?", "art:46"),
        ("Art. 46", "art:46"),
        ("第四十六条", "art:46"),
        ("第一百零二条", "art:102"),
        ("§ 1265", "sec:1265"),
        ("section 1265(b)(20)", "sec:1265(b)(20)"),
        ("30 CFR 816.116", "sec:816.116"),
        ("30 U.S.C. 1265", "sec:1265"),
        ("Principle 3", "principle:3"),
        ("Standard 2.1", "standard:2.1"),
        ("Chapter IV", "chapter:4"),
    ],
)
def test_parse_refs(text: str, key: str) -> None:
    assert parse_refs(text)[0] == key


def test_match_strength_prefers_the_exact_clause() -> None:
    keys = chunk_keys([], "§ 905. Standards › (b) General › (20)")
    assert keys == {"sec:905(b)(20)"}
    assert match_strength(["sec:905(b)(20)"], keys) == 1.0
    assert match_strength(["sec:905"], keys) == 0.8
    assert match_strength(["sec:905(b)(20)(a)"], keys) == 0.5
    assert match_strength(["sec:906"], keys) == 0.0


@pytest.mark.parametrize("mode", ["hybrid", "dense", "bm25"])
def test_modes_find_the_topical_chunk(retriever: HybridRetriever, mode: str) -> None:
    got = retriever.retrieve("rehabilitation bond lodged before the first blast", k=3, mode=mode)
    assert got[0].chunk.clause.endswith("Article 12")
    assert [p.rank for p in got] == [1, 2, 3]
    assert (got[0].dense_score is not None) == (mode != "bm25")
    assert (got[0].bm25_score is not None) == (mode != "dense")


def test_reference_channel_finds_named_clauses(retriever: HybridRetriever) -> None:
    assert retriever.retrieve("What does Article 13 say?", k=3)[0].chunk.clause.endswith("Article 13")
    assert retriever.retrieve("section 905(b)(20)", k=3)[0].chunk.clause.endswith("(20)")
    top = retriever.retrieve("What does Article 9 of the tailings regulation require?", k=3)[0]
    assert top.chunk.clause.endswith("第九条")
    assert retriever.retrieve("第十条", k=2, mode="dense")[0].chunk.clause.endswith("第十条")


def test_filters(retriever: HybridRetriever) -> None:
    got = retriever.retrieve("bond topsoil revegetation", k=5, filters={"kind": "case_study"})
    assert got and {p.chunk.kind for p in got} == {"case_study"}
    got = retriever.retrieve("bond", k=5, filters={"doc_id": ["quarry-act", "mining-code-905"]})
    assert {p.chunk.doc_id for p in got} <= {"quarry-act", "mining-code-905"}


def test_near_duplicates_are_suppressed(hash_settings, tmp_path: Path) -> None:
    chunks = all_fixture_chunks()
    copy = next(c for c in chunks if c.clause.endswith("Article 12"))
    from dataclasses import replace

    dup = replace(copy, chunk_id="copy-1", doc_id="copy-doc", text=copy.text + " ")
    retriever = build_retriever([*chunks, dup], HashEmbedder(), hash_settings, tmp_path / "lex2")[0]
    got = retriever.retrieve("rehabilitation bond before the first blast", k=4)
    assert sum(p.chunk.text.strip() == copy.text.strip() for p in got) == 1


def test_named_documents_prefer_the_asked_or_newest_version() -> None:
    docs = {"mineral-resources-law-2009-zh": "矿产资源法", "mineral-resources-law-2024-zh": "矿产资源法", "x": "Other"}
    assert named_documents("Article 46 of the Mineral Resources Law", docs) == ["mineral-resources-law-2024-zh"]
    assert named_documents("the 2009 Mineral Resources Law", docs) == ["mineral-resources-law-2009-zh"]
    assert named_documents("bread", docs) == []


def test_langchain_retriever(retriever: HybridRetriever) -> None:
    from assistant.retrieval import MsraRetriever

    docs = MsraRetriever(retriever=retriever, k=2).invoke("three reference plots")
    assert len(docs) == 2 and docs[0].metadata["chunk_id"] and docs[0].metadata["rank"] == 1
    assert "reference plots" in docs[0].page_content
