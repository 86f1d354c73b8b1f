"""ChromaStore over a real embedded Chroma and a real `chroma run` server, and the RecordStore."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from chroma_server import chroma_run, free_port

from assistant.core.config import Settings, load_settings
from assistant.core.errors import IndexMismatchError, StoreError
from assistant.core.types import Chunk, DocumentMeta
from indexing.chroma_store import ChromaStore, collection_name, open_store
from indexing.embeddings import HashEmbedder
from indexing.records import RecordStore

EMB = HashEmbedder(64)

TEXTS = {
    "topsoil": "Topsoil shall be removed, segregated and stockpiled before mining disturbs the land.",
    "water": "Acid mine drainage must be treated so receiving streams meet water quality limits.",
    "slopes": "Final slopes are graded to the approximate original contour and stabilised.",
    "bond": "The operator files a performance bond that covers the cost of reclamation.",
    "seed": "A diverse permanent vegetative cover of native species is established.",
}


def make_chunks(doc_id: str, n: int, *, jurisdiction: str = "US", kind: str = "law") -> list[Chunk]:
    keys = list(TEXTS)
    return [
        Chunk(
            chunk_id=f"{doc_id}:{i:04d}",
            doc_id=doc_id,
            text=f"{TEXTS[keys[i % len(keys)]]} (part {i} of {doc_id})",
            clause=f"Section {i // 2} › ({i % 2})",
            page_start=1 + i // 3,
            page_end=1 + i // 3,
            position=i,
            title=f"Title of {doc_id}",
            kind=kind,
            jurisdiction=jurisdiction,
            language="en",
            source=f"{doc_id}.md",
            aliases=[f"§ {i}", f"Sec. {i}"],
        )
        for i in range(n)
    ]


def vectors(chunks: list[Chunk], emb: HashEmbedder = EMB) -> np.ndarray:
    return emb.embed_documents([c.text for c in chunks])


@pytest.fixture
def settings(tmp_home: Path) -> Settings:
    return load_settings(tmp_home, embedding_model="hash:64")


@pytest.fixture
def store(settings: Settings) -> ChromaStore:
    return open_store(settings, EMB.name)


def check_store_behaviour(store: ChromaStore) -> None:
    """The VectorStore contract, shared by the embedded and the server tests."""
    a, b = make_chunks("alpha", 7), make_chunks("beta", 4, jurisdiction="CN", kind="regulation")
    store.upsert(a, vectors(a))
    store.upsert(b, vectors(b))
    assert store.count() == 11
    assert store.dimension == 64

    # The exact text of a chunk is its own nearest neighbour, with cosine similarity ~1.
    hits = store.query(EMB.embed_query(a[3].text), k=3)
    assert hits[0][0].chunk_id == a[3].chunk_id
    assert hits[0][1] == pytest.approx(1.0, abs=1e-4)
    assert hits[0][1] >= hits[1][1] >= hits[2][1]
    got = hits[0][0]
    assert (got.clause, got.page_start, got.aliases, got.text) == (
        a[3].clause,
        a[3].page_start,
        a[3].aliases,
        a[3].text,
    )

    # Filters restrict candidates.
    cn = store.query(EMB.embed_query(a[3].text), k=20, where={"jurisdiction": "CN"})
    assert {c.doc_id for c, _ in cn} == {"beta"} and len(cn) == 4
    both = store.query(
        EMB.embed_query("bond"), k=20, where={"$and": [{"kind": {"$in": ["law"]}}, {"doc_id": {"$eq": "alpha"}}]}
    )
    assert len(both) == 7

    # get keeps the asked order and skips unknown ids; document_chunks is in reading order.
    ids = [a[5].chunk_id, "nope", b[0].chunk_id]
    assert [c.chunk_id for c in store.get(ids)] == [a[5].chunk_id, b[0].chunk_id]
    assert [c.position for c in store.document_chunks("alpha")] == list(range(7))
    assert {c.chunk_id for c in store.iter_chunks(batch_size=3)} == {c.chunk_id for c in a + b}
    assert store.ids({"doc_id": "beta"}) == {c.chunk_id for c in b}

    # upsert replaces in place.
    changed = [Chunk(**{**_fields(a[0]), "text": "Completely different wording about seeding grasses."})]
    store.upsert(changed, vectors(changed))
    assert store.count() == 11
    assert store.get([a[0].chunk_id])[0].text.startswith("Completely different")

    store.delete([a[1].chunk_id, "unknown-id"])
    assert store.count() == 10
    assert store.delete_document("alpha") == 6
    assert store.delete_document("alpha") == 0
    assert store.count() == 4
    assert store.query(EMB.embed_query("bond"), k=50, where={"doc_id": "alpha"}) == []


def _fields(c: Chunk) -> dict:
    return {f: getattr(c, f) for f in Chunk.__slots__}


def test_embedded_store_contract(store: ChromaStore) -> None:
    check_store_behaviour(store)


def test_batches_larger_than_chromas_limit(store: ChromaStore) -> None:
    store.max_batch = 4  # Chroma's real limit is ~5461; a small one exercises the same slicing
    chunks = make_chunks("many", 23)
    store.upsert(chunks, vectors(chunks))
    assert store.count() == 23
    assert len(store.get([c.chunk_id for c in chunks])) == 23
    assert len(list(store.iter_chunks(batch_size=5))) == 23
    assert store.delete_document("many") == 23


@pytest.mark.slow
def test_reopen_never_uses_chromas_default_embedder(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from chromadb.utils import embedding_functions

    def refuse(*_a: object, **_k: object) -> None:
        raise AssertionError("Chroma's default embedding function was called")

    monkeypatch.setattr(embedding_functions.DefaultEmbeddingFunction, "__call__", refuse)
    monkeypatch.setattr(embedding_functions.ONNXMiniLM_L6_V2, "__call__", refuse)
    first = open_store(settings, EMB.name)
    chunks = make_chunks("doc", 5)
    first.upsert(chunks, vectors(chunks))
    # A fresh process sees the same data (network beyond loopback is blocked for tests).
    code = f"""
import socket
import sqlite3
from chromadb.utils import embedding_functions as ef
def refuse(*a, **k):
    raise SystemExit("Chroma's default embedding function was called")
ef.DefaultEmbeddingFunction.__call__ = refuse
ef.ONNXMiniLM_L6_V2.__call__ = refuse
real = socket.getaddrinfo
def loopback_only(host, *a, **k):  # offline: any lookup of a real host fails
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise socket.gaierror(f"offline test: {{host}}")
    return real(host, *a, **k)
socket.getaddrinfo = loopback_only
from assistant.core.config import load_settings
from indexing.chroma_store import open_store
from indexing.embeddings import HashEmbedder
e = HashEmbedder(64)
s = open_store(load_settings({str(settings.home)!r}, embedding_model="hash:64"), e.name)
hits = s.query(e.embed_query("stockpiled topsoil"), k=2)
print(s.count(), hits[0][0].doc_id, len(s.get(["doc:0001"])), len(list(s.iter_chunks())))
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["5", "doc", "1", "5"]
    again = open_store(settings, EMB.name)
    assert again.count() == 5 and again.get([chunks[2].chunk_id])[0].text == chunks[2].text


def test_dimension_mismatch_is_clear(settings: Settings, store: ChromaStore) -> None:
    chunks = make_chunks("doc", 3)
    store.upsert(chunks, vectors(chunks))
    with pytest.raises(IndexMismatchError, match=r"64-dimensional.*32-dimensional"):
        open_store(settings, EMB.name, dimension=32)
    other = HashEmbedder(32)
    with pytest.raises(IndexMismatchError, match="MSRA_EMBEDDING_MODEL"):
        store.upsert(chunks, other.embed_documents([c.text for c in chunks]))
    with pytest.raises(IndexMismatchError):
        store.query(other.embed_query("topsoil"), k=2)
    assert store.count() == 3


def test_collection_names_separate_models_and_chunking(settings: Settings) -> None:
    base = collection_name(settings, "all-MiniLM-L6-v2", "3")
    assert base == "msra-all-minilm-l6-v2-c1200-o150-m250-s3"
    others = {
        collection_name(settings, "sentence-transformers/paraphrase-multilingual-MiniLM-L12-v2", "3"),
        collection_name(settings.model_copy(update={"chunk_size": 800}), "all-MiniLM-L6-v2", "3"),
        collection_name(settings.model_copy(update={"chunk_overlap": 0}), "all-MiniLM-L6-v2", "3"),
        collection_name(settings, "all-MiniLM-L6-v2", "4"),
    }
    assert base not in others and len(others) == 4
    long_a = collection_name(settings, "/opt/" + "very-deep/" * 60 + "model-a", "1")
    long_b = collection_name(settings, "/opt/" + "very-deep/" * 60 + "model-b", "1")
    for name in (*others, long_a, long_b):
        assert 3 <= len(name) <= 512 and name[0].isalnum() and name[-1].isalnum()
        assert all(ch.isalnum() or ch in "-._" for ch in name)
    assert long_a != long_b


def test_two_models_in_one_home_never_mix(settings: Settings) -> None:
    e64, e32 = EMB, HashEmbedder(32)
    s64, s32 = open_store(settings, e64.name), open_store(settings, e32.name)
    assert s64.name != s32.name
    a, b = make_chunks("a", 4), make_chunks("b", 2)
    s64.upsert(a, vectors(a, e64))
    s32.upsert(b, vectors(b, e32))
    assert (s64.count(), s32.count()) == (4, 2)
    assert {c.doc_id for c, _ in s32.query(e32.embed_query("topsoil"), k=10)} == {"b"}


def test_unreachable_server_is_a_store_error(tmp_home: Path) -> None:
    port = free_port()
    settings = load_settings(tmp_home, embedding_model="hash:64", chroma_url=f"http://127.0.0.1:{port}")
    t = time.perf_counter()
    with pytest.raises(StoreError, match=r"chroma run --path DIR --host 127\.0\.0\.1 --port N"):
        open_store(settings, EMB.name)
    assert time.perf_counter() - t < 30


# ---- a real `chroma run` server -------------------------------------------------------------
@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    with chroma_run(tmp_path / "server-data") as server:
        yield server.url


@pytest.mark.slow
def test_server_store_contract_and_outage(tmp_home: Path, chroma_server: str) -> None:
    settings = load_settings(tmp_home, embedding_model="hash:64", chroma_url=chroma_server)
    store = open_store(settings, EMB.name)
    assert store.location == chroma_server
    check_store_behaviour(store)
    # A second client (another process would do the same) sees the writes at once.
    assert open_store(settings, EMB.name).count() == 4
    with pytest.raises(IndexMismatchError):
        open_store(settings, EMB.name, dimension=8)
    assert not (tmp_home / "chroma").exists()  # nothing was written to the embedded store


@pytest.mark.slow
def test_server_going_away_is_a_store_error(tmp_home: Path, tmp_path: Path) -> None:

    with chroma_run(tmp_path / "d") as server:
        settings = load_settings(tmp_home, embedding_model="hash:64", chroma_url=server.url)
        store = open_store(settings, EMB.name)
        chunks = make_chunks("doc", 3)
        store.upsert(chunks, vectors(chunks))
        server.proc.send_signal(signal.SIGTERM)
        server.proc.wait(10)
    with pytest.raises(StoreError, match="unset MSRA_CHROMA_URL"):
        store.query(EMB.embed_query("topsoil"), k=2)
    with pytest.raises(StoreError, match="could not be reached"):
        store.upsert(chunks, vectors(chunks))


# ---- RecordStore ----------------------------------------------------------------------------
def _meta(doc_id: str, sha: str = "abc", path: str = "/x/doc.md") -> DocumentMeta:
    return DocumentMeta(doc_id=doc_id, title=f"T {doc_id}", kind="law", sha256=sha, path=path, source="doc.md", pages=3)


def test_records_lifecycle(tmp_path: Path) -> None:
    rs = RecordStore(tmp_path / "r.sqlite3", "col-a")
    rs.begin(_meta("d1"), ["d1:0", "d1:1"])
    assert rs.documents() == [] and rs.get("d1").status == "pending"
    [work] = rs.pending()
    assert (work.doc_id, work.chunk_ids, work.previous) == ("d1", ["d1:0", "d1:1"], None)
    rec = rs.complete(_meta("d1"), ["d1:0", "d1:1"], text_hashes=["h0", "h1"], meta_key="k")
    assert rs.pending() == [] and rs.documents() == [rec]
    assert rs.find_by_path("/x/doc.md").doc_id == "d1" and rs.find_by_sha("abc")[0].chunks == 2
    assert rs.get("d1").document_meta().kind == "law"

    # Replacing keeps the complete old record visible until the new one completes.
    rs.begin(_meta("d1", sha="new"), ["d1:9"])
    assert rs.documents()[0].sha256 == "abc"
    assert rs.pending()[0].previous.chunk_ids == ["d1:0", "d1:1"]
    rs.drop_pending("d1")
    assert rs.get("d1").status == "complete" and rs.pending() == []

    # Records are per collection and survive reopening.
    assert RecordStore(tmp_path / "r.sqlite3", "col-b").documents() == []
    again = RecordStore(tmp_path / "r.sqlite3", "col-a")
    assert [r.doc_id for r in again.documents()] == ["d1"]
    again.delete("d1")
    assert again.get("d1") is None


def test_embedding_cache_and_pruning(tmp_path: Path) -> None:
    rs = RecordStore(tmp_path / "r.sqlite3", "c")
    v = np.arange(4, dtype=np.float32)
    rs.cache_vectors("m|4", {"h0": v, "h1": v + 1, "old": v + 2})
    got = rs.cached_vectors("m|4", ["h0", "h1", "zz"])
    assert set(got) == {"h0", "h1"} and np.array_equal(got["h1"], v + 1)
    assert rs.cached_vectors("other|4", ["h0"]) == {}
    rs.complete(_meta("d"), ["d:0", "d:1"], text_hashes=["h0", "h1"])
    assert rs.prune_cache() == 1
    assert set(rs.cached_vectors("m|4", ["h0", "h1", "old"])) == {"h0", "h1"}


class _BrokenCollection:
    """A collection whose writes fail the way sqlite/Chroma fail on a full or read-only disk."""

    def __init__(self, error: Exception) -> None:
        self.error = error
        self.metadata = {"model": "hash-64", "dimension": 64}

    def upsert(self, **_kw: object) -> None:
        raise self.error

    delete = upsert


class _FakeClient:
    def __init__(self, error: Exception) -> None:
        self.error = error

    def get_or_create_collection(self, *_a: object, **_kw: object) -> _BrokenCollection:
        return _BrokenCollection(self.error)

    def get_max_batch_size(self) -> int:
        return 100


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (sqlite3.OperationalError("database or disk is full"), "disk holding /data/chroma is full"),
        (sqlite3.OperationalError("attempt to write a readonly database"), "make the folder writable"),
        (OSError(28, "No space left on device"), "free some space"),
    ],
)
def test_write_failures_become_store_errors_that_say_what_to_do(error: Exception, expected: str) -> None:
    store = ChromaStore(_FakeClient(error), "msra-x-c1-o1-m1-s1", location="/data/chroma", model="hash-64")
    chunks = make_chunks("doc", 2)
    with pytest.raises(StoreError, match=expected) as info:
        store.upsert(chunks, vectors(chunks))
    assert "msra-x-c1-o1-m1-s1" in str(info.value)
    with pytest.raises(StoreError):
        store.delete(["doc:0000"])
