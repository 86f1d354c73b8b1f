"""The incremental ingest pipeline and the `msra ingest` / `msra corpus` commands."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from assistant.core.config import Settings, load_settings
from assistant.core.errors import DocumentNotFoundError, StoreError
from assistant.service import Assistant
from indexing.embeddings import HashEmbedder
from indexing.pipeline import IngestReport

GUIDE = """# Field Guide to Pit Closure

## Chapter 1 Soil handling

Topsoil is stripped from every disturbed area before excavation begins and is kept in low stockpiles
that are seeded with a cover crop so that the soil biota survives the years of mining.

## Chapter 2 Water

Water leaving the pit passes through settling ponds; where sulfide rock is exposed the drainage is
neutralised with limestone before it reaches any creek downstream of the operation.

## Chapter 3 Landform

Waste dumps are reshaped into gentle slopes no steeper than one in three, and benches are ripped
along the contour so that rain soaks in rather than cutting gullies into the new surface.
"""

NOTES = """Monitoring notes for the eastern lease.

Seedling survival on the capped tailings was counted each spring for five years.
Grazing by kangaroos was the main cause of loss on the northern batters.
"""

LAW = """# Reclamation Ordinance

## Article 1

Every holder of a mining licence shall restore the land disturbed by mining to a stable and safe
condition fit for the agreed final land use.

## Article 2

The holder shall lodge a financial assurance before mining starts, sufficient to pay for the
restoration of all land that will be disturbed in the first three years.
"""


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    (folder / "guide.md").write_text(GUIDE, encoding="utf-8")
    (folder / "sub" / "notes.txt").write_text(NOTES, encoding="utf-8")
    (folder / "ordinance.md").write_text(LAW, encoding="utf-8")
    (folder / ".hidden.md").write_text("# Hidden\n\nShould never be indexed.\n", encoding="utf-8")
    (folder / "guide.md.meta.toml").write_text('kind = "guidance"\njurisdiction = "AU"\n', encoding="utf-8")
    (folder / "readme.json").write_text("{}", encoding="utf-8")  # unsupported: skipped inside folders
    return folder


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Parse in-process (the worker's child process costs ~1 s a file) and record every parse."""
    import indexing.worker
    from indexing.loaders import load_file

    calls: list[Path] = []

    def parse(path: Path, settings: Settings) -> Any:
        calls.append(Path(path))
        indexing.worker.check_size(Path(path), settings)
        return load_file(Path(path), settings)

    monkeypatch.setattr(indexing.worker, "parse_in_worker", parse)
    return calls


@pytest.fixture
def settings(tmp_home: Path) -> Settings:
    """The hashing fake embedder; every section its own chunk (so edits touch few chunks)."""
    return load_settings(tmp_home, embedding_model="hash", min_chunk_chars=0)


@pytest.fixture
def assistant(settings: Settings) -> Assistant:
    return Assistant.from_settings(settings)


def consistent(a: Assistant) -> None:
    """Records, vector store and lexical index describe exactly the same chunks; nothing is pending."""
    records = a.records.documents()
    ids = {cid for r in records for cid in r.chunk_ids}
    assert a.records.pending() == []
    assert a.store.ids() == ids
    assert sum(r.chunks for r in records) == len(ids)
    assert a.lexical.count() == len(ids)
    for r in records:
        assert {c.doc_id for c in a.store.get(r.chunk_ids)} == {r.doc_id}


def test_ingest_folder_then_unchanged_reingest_does_no_work(
    assistant: Assistant, docs: Path, parses: list[Path]
) -> None:
    seen: list[tuple[str, int, int]] = []
    report = assistant.ingest([docs], progress=lambda *a: seen.append(a))
    assert report.failed == []
    assert sorted(f.doc_id for f in report.files) == ["guide", "notes", "ordinance"]
    assert report.counts["documents"] == 3 and report.counts["chunks"] == assistant.store.count() > 3
    assert seen[-1][1:] == (3, 3)
    guide = assistant.records.get("guide")
    assert (guide.kind, guide.jurisdiction) == ("guidance", "AU")  # from the sidecar
    assert "Chapter 2 Water" in {c.clause for c in assistant.document_chunks("guide")}
    consistent(assistant)
    hits = assistant.lexical.search("kangaroos grazing", k=3)
    assert hits and hits[0][0].doc_id == "notes"

    embedded, parsed = assistant.embedder.texts_embedded, len(parses)
    again = assistant.ingest([docs])
    assert [f.status for f in again.files] == ["unchanged"] * 3
    assert assistant.embedder.texts_embedded == embedded and len(parses) == parsed  # no parse, no embedding
    consistent(assistant)


def test_changed_file_replaces_its_chunks_and_reembeds_only_changed_text(
    assistant: Assistant, docs: Path, parses: list[Path]
) -> None:
    assistant.ingest([docs])
    before = assistant.records.get("guide")
    embedded = assistant.embedder.texts_embedded
    guide = docs / "guide.md"
    guide.write_text(GUIDE.replace("settling ponds", "a chain of wetland cells"), encoding="utf-8")
    report = assistant.ingest([guide])
    [result] = report.files
    assert result.status == "replaced" and result.doc_id == "guide"
    after = assistant.records.get("guide")
    assert not set(before.chunk_ids) & set(after.chunk_ids)
    assert 1 <= result.embedded < result.chunks  # the untouched chapters came from the cache
    assert assistant.embedder.texts_embedded - embedded == result.embedded
    texts = " ".join(c.text for c in assistant.document_chunks("guide"))
    assert "wetland cells" in texts and "settling ponds" not in texts
    hits = assistant.lexical.search("settling ponds wetland", k=5, where={"doc_id": "guide"})
    assert hits and all("settling" not in c.text for c, _ in hits)
    consistent(assistant)


def test_duplicate_content_is_reported_not_indexed(assistant: Assistant, docs: Path, parses: list[Path]) -> None:
    assistant.ingest([docs])
    copy = docs / "copy-of-guide.md"
    shutil.copy(docs / "guide.md", copy)
    [result] = assistant.ingest([copy]).files
    assert result.status == "unchanged" and result.doc_id == "guide" and "guide.md" in (result.note or "")
    assert assistant.records.get("copy-of-guide") is None
    consistent(assistant)


class _ColdEmbedder(HashEmbedder):
    """An embedder whose model must not be loaded (``dimension`` would load a real one)."""

    @property
    def name(self) -> str:
        return "hash-256"

    @property
    def dimension(self) -> int:
        raise AssertionError("the model was loaded although every vector was cached")

    def embed_documents(self, texts: Any) -> Any:
        raise AssertionError("nothing needed embedding")


def test_metadata_changes_reindex_without_embedding(
    assistant: Assistant, settings: Settings, docs: Path, parses: list[Path]
) -> None:
    assistant.ingest([docs])
    embedded = assistant.embedder.texts_embedded
    cold = Assistant.from_settings(settings, embedder=_ColdEmbedder(), store=assistant.store)
    [result] = cold.ingest([docs / "ordinance.md"], overrides={"kind": "regulation", "jurisdiction": "NZ"}).files
    assert result.status == "replaced"
    chunks = assistant.document_chunks("ordinance")
    assert {(c.kind, c.jurisdiction) for c in chunks} == {("regulation", "NZ")}
    assert assistant.records.get("ordinance").jurisdiction == "NZ"
    consistent(assistant)
    # Same overrides again: nothing to do.
    assert assistant.ingest([docs / "ordinance.md"], overrides={"kind": "regulation", "jurisdiction": "NZ"}).files[
        0
    ].status == ("unchanged")
    assert assistant.embedder.texts_embedded - embedded <= result.chunks


def test_remove_document(assistant: Assistant, docs: Path, parses: list[Path]) -> None:
    assistant.ingest([docs])
    n = assistant.records.get("notes").chunks
    assert assistant.remove("notes") == n
    assert assistant.records.get("notes") is None and assistant.document_chunks("notes") == []
    assert "notes" not in assistant.lexical.documents()
    consistent(assistant)
    with pytest.raises(DocumentNotFoundError, match=r"'gude'.*Did you mean guide.*msra corpus list") as info:
        assistant.remove("gude")
    assert "ordinance" not in str(info.value)
    with pytest.raises(DocumentNotFoundError):
        assistant.remove("notes")


def test_bad_files_are_reported_and_the_rest_indexed(assistant: Assistant, tmp_path: Path, parses: list[Path]) -> None:
    from pdfgen import make_encrypted_pdf, make_image_only_pdf, make_pdf

    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "good.md").write_text(GUIDE, encoding="utf-8")
    make_pdf(folder / "plan.pdf", ["# Closure Plan\n\nThe final void is backfilled.", "Monitoring lasts ten years."])
    (folder / "empty.txt").write_text("", encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00garbage" * 50)
    make_encrypted_pdf(folder / "locked.pdf", user_password="secret")
    make_image_only_pdf(folder / "scan.pdf")
    (folder / "meta.md").write_text(LAW, encoding="utf-8")
    (folder / "meta.md.meta.toml").write_text('kind = "poem"\n', encoding="utf-8")  # not a kind
    odd = tmp_path / "table.xyz"
    odd.write_text("a,b", encoding="utf-8")
    report = assistant.ingest([folder, odd, tmp_path / "missing.md"])
    status = {Path(f.path).name: f.status for f in report.files}
    assert status["good.md"] == status["plan.pdf"] == "indexed"
    failed = {f.name: f for f in report.failed}
    assert set(failed) == {"empty.txt", "broken.pdf", "locked.pdf", "scan.pdf", "table.xyz", "missing.md", "meta.md"}
    assert "poem" in failed["meta.md"].error
    for f in failed.values():
        assert f.error and f.fix and f.doc_id is None
    assert "password" in failed["locked.pdf"].error.lower() or "encrypt" in failed["locked.pdf"].error.lower()
    plan = assistant.records.get("plan")
    assert plan.pages == 2 and {c.page_start for c in assistant.document_chunks("plan")} <= {1, 2}
    assert {r.doc_id for r in assistant.records.documents()} == {"good", "plan"}
    consistent(assistant)


def test_a_file_that_turns_bad_keeps_its_indexed_version(assistant: Assistant, docs: Path, parses: list[Path]) -> None:
    assistant.ingest([docs])
    before = assistant.records.get("guide")
    (docs / "guide.md").write_text("   \n\n", encoding="utf-8")  # emptied by a bad save
    [result] = assistant.ingest([docs / "guide.md"]).files
    assert result.status == "failed" and result.error and result.fix
    assert assistant.records.get("guide") == before
    assert {c.chunk_id for c in assistant.document_chunks("guide")} == set(before.chunk_ids)
    consistent(assistant)


def test_doc_id_clash_between_two_files(assistant: Assistant, tmp_path: Path, parses: list[Path]) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "plan.md").write_text(GUIDE, encoding="utf-8")
    (tmp_path / "b" / "plan.md").write_text(LAW, encoding="utf-8")
    report = assistant.ingest([tmp_path / "a", tmp_path / "b"])
    [bad] = report.failed
    assert bad.path.endswith("b/plan.md") and "already used by" in bad.error and "--doc-id" in bad.fix
    assert assistant.records.get("plan").path.endswith("a/plan.md")
    ok = assistant.ingest([tmp_path / "b" / "plan.md"], overrides={"doc_id": "plan-b", "title": "Plan B"})
    assert ok.files[0].status == "indexed" and assistant.records.get("plan-b").title == "Plan B"
    consistent(assistant)


def test_folder_manifest_supplies_metadata(assistant: Assistant, tmp_path: Path, parses: list[Path]) -> None:
    (tmp_path / "lib" / "notes").mkdir(parents=True)
    (tmp_path / "lib" / "notes" / "ord.md").write_text(LAW, encoding="utf-8")
    (tmp_path / "lib" / "sources.toml").write_text(
        '[[source]]\ndoc_id = "ordinance-1999"\ntitle = "The 1999 Ordinance"\nkind = "law"\n'
        'jurisdiction = "NZ"\nfile = "notes/ord.md"\n',
        encoding="utf-8",
    )
    report = assistant.ingest([tmp_path / "lib"])
    assert [f.doc_id for f in report.files] == ["ordinance-1999"]
    rec = assistant.records.get("ordinance-1999")
    assert (rec.title, rec.kind, rec.jurisdiction) == ("The 1999 Ordinance", "law", "NZ")


def test_interrupted_write_is_undone_on_next_ingest(assistant: Assistant, docs: Path, parses: list[Path]) -> None:
    """What a crash between 'pending' and 'complete' leaves behind is cleaned up before new work."""
    from assistant.core.types import Chunk
    from indexing.pipeline import Ingestor

    assistant.ingest([docs / "guide.md", docs / "ordinance.md"])
    old = assistant.records.get("guide")
    ing = Ingestor(assistant.settings, assistant.embedder, assistant.store, assistant.records, assistant.lexical)
    # A replacement of guide and a brand-new document, both killed after their upsert.
    for doc_id in ("guide", "fresh"):
        ids = [f"ffff{doc_id}-{i}" for i in range(2)]
        new = [
            Chunk(**{**{s: getattr(c, s) for s in Chunk.__slots__}, "chunk_id": cid, "doc_id": doc_id})
            for c, cid in zip(assistant.document_chunks("ordinance")[:2], ids, strict=True)
        ]
        assistant.records.begin(old.document_meta().model_copy(update={"doc_id": doc_id}), ids)
        assistant.store.upsert(new, assistant.embedder.embed_documents([c.text for c in new]))
    assert assistant.store.ids({"doc_id": "fresh"})
    report = ing.ingest([])
    assert sorted(report.reconciled) == ["fresh", "guide"]
    assert assistant.records.get("fresh") is None and assistant.document_chunks("fresh") == []
    assert assistant.records.get("guide").chunk_ids == old.chunk_ids  # the old version survived intact
    consistent(assistant)


class _FailingStore:
    """Wraps a store; upserts of ``doc_id`` fail like a full disk would."""

    def __init__(self, inner: Any, doc_id: str) -> None:
        self.inner, self.doc_id = inner, doc_id

    def upsert(self, chunks: Any, embeddings: Any) -> None:
        if chunks and chunks[0].doc_id == self.doc_id:
            raise StoreError("writing to collection x: the disk holding /h is full. free some space")
        self.inner.upsert(chunks, embeddings)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_store_failure_stops_writes_and_leaves_a_consistent_index(
    settings: Settings, docs: Path, parses: list[Path]
) -> None:
    real = Assistant.from_settings(settings)
    a = Assistant.from_settings(settings, store=_FailingStore(real.store, "notes"), records=real.records)
    report = a.ingest([docs])
    status = {f.name: f.status for f in report.files}
    assert status["guide.md"] == "indexed" and status["notes.txt"] == "failed"
    assert "disk" in next(f for f in report.failed if f.name == "notes.txt").error
    consistent(real)
    assert a.ingest([docs / "sub" / "notes.txt"]).failed  # still failing, still consistent
    consistent(real)


# ---- command line ---------------------------------------------------------------------------
def _cli(home: Path, *args: str) -> Any:
    from assistant.cli import app

    return CliRunner().invoke(
        app,
        ["--home", str(home), *args],
        env={"MSRA_EMBEDDING_MODEL": "hash", "MSRA_MIN_CHUNK_CHARS": "0", "COLUMNS": "200"},
    )


def test_cli_ingest_list_show_remove(tmp_home: Path, docs: Path, parses: list[Path]) -> None:
    bad = docs / "bad.pdf"
    bad.write_bytes(b"not a pdf at all")
    res = _cli(tmp_home, "ingest", str(docs), "--json")
    assert res.exit_code == 1, res.output
    report = IngestReport.model_validate_json(res.stdout)
    assert report.counts["documents"] == 3 and [f.name for f in report.failed] == ["bad.pdf"]

    res = _cli(tmp_home, "ingest", str(docs))
    assert res.exit_code == 1
    assert "bad.pdf" in res.stdout and report.failed[0].fix.split()[0] in res.stdout
    assert "unchanged" in res.stdout

    listed = json.loads(_cli(tmp_home, "corpus", "list", "--json").stdout)
    assert {d["doc_id"] for d in listed} == {"guide", "notes", "ordinance"}
    assert all(d["chunks"] > 0 and d["pages"] == 1 and d["indexed_at"] for d in listed)
    table = _cli(tmp_home, "corpus", "list").stdout
    assert "ordinance" in table and "Reclamation Ordinance" in table

    shown = _cli(tmp_home, "corpus", "show", "ordinance")
    assert shown.exit_code == 0 and "Article 2" in shown.stdout and "p. 1" in shown.stdout

    assert _cli(tmp_home, "corpus", "remove", "ordinance").exit_code == 0
    gone = _cli(tmp_home, "corpus", "remove", "ordinance")
    assert gone.exit_code == 2 and "msra corpus list" in gone.stderr
    assert _cli(tmp_home, "corpus", "show", "ordinance").exit_code == 2

    bad.unlink()
    assert _cli(tmp_home, "ingest", str(docs)).exit_code == 0

    shutil.rmtree(tmp_home / "lexical")  # a lost BM25 index comes back with `msra reindex`
    res = _cli(tmp_home, "reindex")
    assert res.exit_code == 0 and "lexical index rebuilt" in res.stdout
    check = Assistant.from_settings(load_settings(tmp_home, embedding_model="hash", min_chunk_chars=0))
    consistent(check)


def test_cli_refuses_doc_id_for_many_files(tmp_home: Path, docs: Path) -> None:
    res = _cli(tmp_home, "ingest", str(docs), "--doc-id", "x")
    assert res.exit_code == 2 and "one file" in res.output
    assert _cli(tmp_home, "ingest", str(docs / "guide.md"), "--kind", "poem").exit_code == 2


# ---- corpus fetch ---------------------------------------------------------------------------
def test_fetch_reports_each_source_and_never_raises(tmp_path: Path) -> None:
    from indexing.fetch import fetch_sources
    from indexing.metadata import load_manifest

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.host == "law.example":
            return httpx.Response(200, content=b"%PDF-1.4 fake", headers={"content-type": "application/pdf"})
        if request.url.host == "gone.example":
            return httpx.Response(404)
        raise httpx.ConnectError("Name or service not known", request=request)

    sources = [
        {"doc_id": "ord-2020", "title": "Ordinance", "kind": "law", "url": "https://law.example/doc?id=1"},
        {"doc_id": "std", "title": "Standard", "url": "https://gone.example/std.pdf"},
        {"doc_id": "reg", "title": "Regulation", "url": "https://offline.example/reg.html"},
        {"doc_id": "bundled", "title": "Notes", "url": "https://x.example/licence", "file": "notes/n.md"},
        {"doc_id": "portal", "title": "Some Law", "url": "https://law.example"},
    ]
    client = httpx.Client(transport=httpx.MockTransport(handler))
    results = fetch_sources(sources, tmp_path / "dl", client=client)
    assert [r.ok for r in results] == [True, False, False, False]
    assert "portal" in results[3].message and "Some Law" in results[3].message
    assert (tmp_path / "dl" / "ord-2020.pdf").read_bytes().startswith(b"%PDF")
    assert "HTTP 404" in results[1].message
    assert results[2].message.startswith("could not reach offline.example: offline? download it by hand from")
    assert "msra ingest" in results[2].message
    manifest = load_manifest(tmp_path / "dl" / "sources.toml")
    assert manifest["ord-2020.pdf"]["doc_id"] == "ord-2020" and manifest["ord-2020.pdf"]["kind"] == "law"


def test_cli_fetch_offline_is_clear(tmp_home: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "sources.toml"
    manifest.write_text('[[source]]\ndoc_id = "x"\nurl = "https://docs.invalid/x.pdf"\n', encoding="utf-8")
    res = _cli(tmp_home, "corpus", "fetch", "--manifest", str(manifest), "--dest", str(tmp_path / "dl"))
    assert res.exit_code == 1
    assert "could not reach docs.invalid: offline?" in res.stderr and "0 of 1" in res.stdout


# ---- the real model -------------------------------------------------------------------------
@pytest.mark.slow
def test_real_model_ingest_and_unchanged_reingest(settings: Settings, real_embedder: Any, docs: Path) -> None:
    settings = settings.model_copy(update={"embedding_model": "bundled:all-MiniLM-L6-v2"})
    a = Assistant.from_settings(settings, embedder=real_embedder)
    report = a.ingest([docs])  # the real worker processes, too
    assert report.failed == [] and report.counts["documents"] == 3
    assert "all-minilm-l6-v2" in a.store.name and a.store.dimension == 384
    hits = a.store.query(real_embedder.embed_query("How steep may reshaped waste dumps be?"), k=3)
    assert hits[0][0].doc_id == "guide" and "Landform" in hits[0][0].clause
    again = a.ingest([docs])
    assert again.counts["unchanged"] == 3 and again.counts["embedded"] == 0
    consistent(a)
