"""Replicas: two msra instances with their own MSRA_HOME over one `chroma run` share documents (issue 17)."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from chroma_server import chroma_run

from assistant.core.config import load_settings
from assistant.service import Assistant

pytestmark = pytest.mark.slow

DOC = """# Tailings Cover Manual

## Rule 4 Cover thickness

The zeolite cover over tailings is at least 1.5 metres thick before revegetation starts.
"""
OTHER = """# Water Manual

## Rule 1 Ponds

Sediment ponds are inspected monthly and after every storm.
"""
QUESTION = "How thick is the zeolite cover over tailings?"


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[tuple[Assistant, Assistant]]:
    with chroma_run(tmp_path / "server-data") as server:
        a, b = (
            Assistant.from_settings(load_settings(tmp_path / name, embedding_model="hash", chroma_url=server.url))
            for name in ("home-a", "home-b")
        )
        yield a, b


def _within(seconds: float, check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not visible on the other replica within the time allowed"
        time.sleep(0.2)


def _cited(assistant: Assistant, doc_id: str, **kw: object) -> bool:
    return any(p.chunk.doc_id == doc_id for p in assistant.retrieve(QUESTION, k=5, **kw))  # type: ignore[arg-type]


def test_ingest_and_remove_on_one_replica_show_on_the_other(
    replicas: tuple[Assistant, Assistant], tmp_path: Path
) -> None:
    a, b = replicas
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "tailings-cover.md").write_text(DOC, encoding="utf-8")
    (docs / "water.md").write_text(OTHER, encoding="utf-8")
    assert b.documents() == [] and not _cited(b, "tailings-cover", mode="bm25")
    report = a.ingest([docs])
    assert not report.failed
    # The Library (records), keyword search, filtered search and answers of replica B, with no ingest there.
    _within(10, lambda: {d.doc_id for d in b.documents()} == {"tailings-cover", "water"})
    _within(10, lambda: _cited(b, "tailings-cover", mode="bm25"))
    kind = b.records.get("tailings-cover").kind
    assert _cited(b, "tailings-cover", mode="bm25", filters={"kind": kind})
    assert not _cited(b, "tailings-cover", mode="bm25", filters={"doc_id": "water"})
    assert any(c.doc_id == "tailings-cover" for c in b.ask(QUESTION).citations)
    assert b.lexical.count() == a.lexical.count()

    b.remove("tailings-cover")
    _within(10, lambda: [d.doc_id for d in a.documents()] == ["water"])
    _within(10, lambda: not _cited(a, "tailings-cover", mode="bm25"))
    assert not _cited(a, "tailings-cover", mode="dense")
    assert all(c.doc_id != "tailings-cover" for c in a.ask(QUESTION).citations)


def test_the_same_file_ingested_on_two_replicas_at_once_is_one_document(
    replicas: tuple[Assistant, Assistant], tmp_path: Path
) -> None:
    a, b = replicas
    copies = []
    for name in ("upload-a", "upload-b"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "tailings-cover.md").write_text(DOC, encoding="utf-8")
        copies.append(folder / "tailings-cover.md")
    reports: dict[str, object] = {}
    start = threading.Barrier(2)

    def ingest(who: Assistant, path: Path, key: str) -> None:
        start.wait()
        try:
            reports[key] = who.ingest([path])
        except Exception as exc:  # reported below
            reports[key] = exc

    threads = [
        threading.Thread(target=ingest, args=(x, p, k)) for x, p, k in ((a, copies[0], "a"), (b, copies[1], "b"))
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    assert not any(isinstance(r, Exception) for r in reports.values()), reports
    for who in (a, b):
        docs = who.documents()
        assert [d.doc_id for d in docs] == ["tailings-cover"]
        assert who.store.ids() == set(docs[0].chunk_ids)
    assert a.records.pending() == []
    shutil.rmtree(tmp_path / "upload-a")


def test_one_writer_lease_among_replicas(replicas: tuple[Assistant, Assistant]) -> None:
    from assistant.core.errors import StoreInUseError

    a, b = replicas
    refused = pytest.raises(StoreInUseError, match="another msra replica is writing")
    with a.records.lease(5), refused, b.records.lease(0.5):
        pass
    with b.records.lease(5):  # released: the other replica gets it
        pass


def test_records_kept_locally_before_the_upgrade_are_adopted(tmp_path: Path) -> None:
    from indexing.records import RecordStore

    with chroma_run(tmp_path / "server-data") as server:
        settings = load_settings(tmp_path / "home", embedding_model="hash", chroma_url=server.url)
        first = Assistant.from_settings(settings)
        doc = tmp_path / "tailings-cover.md"
        doc.write_text(DOC, encoding="utf-8")
        first.ingest([doc])
        rec = first.records.get("tailings-cover")
        # what an older msra left: the chunks in the server, the record only in the local SQLite file
        local = RecordStore(tmp_path / "old-home" / "records.sqlite3", first.store.name)
        local.complete(rec.document_meta(), rec.chunk_ids, text_hashes=rec.text_hashes)
        first.records._items.delete(ids=["doc:tailings-cover"])
        from indexing.shared_records import ChromaRecordStore

        adopted = ChromaRecordStore(
            first.store.client, first.store.name, local, location=server.url, timeout_s=settings.store_timeout_s
        )
        assert [d.doc_id for d in adopted.documents()] == ["tailings-cover"]
