"""Versions of one law: statuses, labels, filters and which version a question means."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from assistant.answer.question import analyse
from assistant.core.errors import ConfigError
from assistant.core.types import Answer, Chunk, Citation, DocumentMeta, LoadedDocument, Page, Passage
from assistant.versions import VersionBook, family_key
from indexing.metadata import infer_status, resolve_metadata

TODAY = date(2026, 1, 1)


def _metas() -> list[DocumentMeta]:
    return [
        DocumentMeta(doc_id="mrl-2009", title="中华人民共和国矿产资源法", kind="law", version="2009",
                     effective_date="1986-10-01"),
        DocumentMeta(doc_id="mrl-2024", title="中华人民共和国矿产资源法", kind="law", version="2024",
                     effective_date="2025-07-01"),
        DocumentMeta(doc_id="notes", title="Study notes", kind="notes"),
    ]  # fmt: skip


def _passage(doc_id: str, art: int, rank: int) -> Passage:
    chunk = Chunk(f"{doc_id}-{art}", doc_id, f"第{art}条 text {doc_id}", f"第{art}条", 1, 1, art, kind="law",
                  aliases=[f"Article {art}", f"第{art}条"])  # fmt: skip
    return Passage(chunk, 1.0 / rank, rank=rank)


def test_the_newest_version_in_effect_is_in_force_and_the_older_superseded_on_its_date() -> None:
    book = VersionBook(_metas(), today=TODAY)
    assert book.status("mrl-2024") == "in-force"
    assert book.status("mrl-2009") == "superseded"
    assert book.label("mrl-2009") == "2009 text, superseded on 2025-07-01"
    assert book.label("mrl-2024") == "2024 text, in force"
    assert book.label("notes") is None and book.status("notes") == "in-force"
    # before the new text took effect, the old one was still in force
    early = VersionBook(_metas(), today=date(2025, 1, 1))
    assert early.status("mrl-2009") == "in-force" and early.status("mrl-2024") == "not-yet-in-force"


def test_a_declared_status_wins() -> None:
    metas = _metas()
    metas[1] = metas[1].model_copy(update={"status": "repealed"})
    book = VersionBook(metas, today=TODAY)
    assert book.status("mrl-2024") == "repealed"
    assert book.label("mrl-2024") == "2024 text, repealed"


def test_status_filters_become_document_filters() -> None:
    book = VersionBook(_metas(), today=TODAY)
    assert book.resolve_filters({"status": "in-force", "kind": "law"}) == {
        "kind": "law",
        "doc_id": ["mrl-2024", "notes"],
    }
    assert book.resolve_filters({"version": "2009"}) == {"doc_id": ["mrl-2009"]}
    assert book.resolve_filters({"kind": "law"}) == {"kind": "law"}


def test_an_article_resolves_to_the_version_in_force_unless_a_year_is_named() -> None:
    book = VersionBook(_metas(), today=TODAY)
    passages = [_passage("mrl-2009", 48, 1), _passage("mrl-2024", 48, 2), _passage("mrl-2009", 21, 3)]
    plain = book.prefer(analyse("What does Article 48 of the Mineral Resources Law require?", {}), list(passages))
    assert [p.chunk.chunk_id for p in plain] == ["mrl-2024-48", "mrl-2009-21"]  # old Art. 48 gone, old text last
    old = book.prefer(analyse("What did Article 48 of the 2009 Mineral Resources Law say?", {}), list(passages))
    assert [p.chunk.chunk_id for p in old][:2] == ["mrl-2009-48", "mrl-2009-21"]
    assert "mrl-2024-48" not in [p.chunk.chunk_id for p in old]


def test_answers_label_old_versions_and_say_when_they_quote_two() -> None:
    book = VersionBook(_metas(), today=TODAY)

    def cite(marker: str, doc: str) -> Citation:
        return Citation(marker=marker, doc_id=doc, title="t", source="s", page=1, clause="c", chunk_id=doc, quote="q")

    one = book.label_answer(Answer(question="q", answer="x [1]", refused=False, citations=[cite("[1]", "mrl-2009")]))
    assert one.citations[0].version_label == "2009 text, superseded on 2025-07-01"
    assert "superseded on 2025-07-01" in one.answer
    two = Answer(
        question="q", answer="x [1] y [2]", refused=False, citations=[cite("[1]", "mrl-2009"), cite("[2]", "mrl-2024")]
    )
    two = book.label_answer(two)
    assert "more than one version" in two.answer and two.warnings


def test_family_keys_ignore_years_and_notes_in_brackets() -> None:
    assert family_key("law", "中华人民共和国矿产资源法（2009年修正）") == family_key("law", "矿产资源法")
    assert family_key("law", "Mining Act 2019 (revised)") == family_key("law", "Mining Act 2021")
    assert family_key("law", "Mining Act") != family_key("notes", "Mining Act")


def test_status_from_sidecar_title_or_override(tmp_path: Path) -> None:
    f = tmp_path / "old-law.md"
    f.write_text("# Old Law\n\nArticle 1 text.\n", encoding="utf-8")
    loaded = LoadedDocument(pages=[Page(1, f.read_text())], markdown=True)
    assert resolve_metadata(f, loaded).status is None
    meta = resolve_metadata(f, loaded, overrides={"status": "superseded", "version": "2009"})
    assert (meta.status, meta.version) == ("superseded", "2009")
    (tmp_path / "old-law.md.meta.toml").write_text('status = "in force"\neffective_date = 2020-01-01\n')
    meta = resolve_metadata(f, loaded)
    assert (meta.status, meta.effective_date) == ("in-force", "2020-01-01")
    with pytest.raises(ConfigError, match="status 'gone'"):
        resolve_metadata(f, loaded, overrides={"status": "gone"})
    assert infer_status("Mineral Resources Law (2009 amendment, superseded on 1 July 2025)") == "superseded"


def test_chunk_metadata_carries_the_version() -> None:
    chunk = Chunk(
        "c1", "d", "text", "Art. 1", 1, 1, 0, version="2009", effective_date="1986-10-01", status="superseded"
    )
    back = Chunk.from_metadata("c1", "text", chunk.metadata())
    assert (back.version, back.effective_date, back.status) == ("2009", "1986-10-01", "superseded")
