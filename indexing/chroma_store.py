"""``ChromaStore``: the ``VectorStore`` over Chroma, embedded (PersistentClient) or a ``chroma run`` server.

msra always hands Chroma its own vectors (``embeddings=`` on upsert, ``query_embeddings=`` on query) and
opens collections with ``embedding_function=None``: Chroma's default embedding function would download an
ONNX model, which fails offline. The collection name encodes the embedding model and the chunking settings
so vectors built under different settings never share a collection.
"""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

import numpy as np

from assistant.errors import IndexMismatchError, StoreError
from assistant.types import Chunk
from indexing.store import Where

if TYPE_CHECKING:
    from assistant.config import Settings

_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_MAX_NAME = 512


def _slug(text: str) -> str:
    return _NON_ALNUM.sub("-", text.lower()).strip("-")


def structure_version() -> str:
    """The chunker's ``STRUCTURE_VERSION``: a change of chunking logic must land in a new collection."""
    from indexing.chunking import STRUCTURE_VERSION

    return str(STRUCTURE_VERSION)


def collection_name(settings: Settings, embedder_name: str, version: str | None = None) -> str:
    """``msra-all-minilm-l6-v2-c1200-o150-m250-s1``: prefix, model, chunk size/overlap/min, structure version.

    Chroma allows 3–512 characters of ``[a-zA-Z0-9._-]`` starting and ending alphanumeric; an overlong
    model name (a deep local folder) is cut and made unique with a short hash.
    """
    prefix = _slug(settings.collection_prefix) or "msra"
    model = _slug(embedder_name) or "model"
    if len(model) > 200:
        model = model[:180].strip("-") + "-" + hashlib.sha256(embedder_name.encode()).hexdigest()[:10]
    ver = _slug(version if version is not None else structure_version()) or "0"
    ver = ver if ver[0].isalpha() else f"s{ver}"
    name = f"{prefix}-{model}-c{settings.chunk_size}-o{settings.chunk_overlap}-m{settings.min_chunk_chars}-{ver}"
    return name[:_MAX_NAME]


def _explain(exc: BaseException, where: str) -> tuple[str, str]:
    """(reason, fix) for a Chroma/sqlite/OS error, recognising the failures users can act on."""
    text = str(exc)
    low = text.lower()
    if "readonly" in low or "read-only" in low or "permission denied" in low:
        return (f"{where} is read-only", "make the folder writable or point --home/MSRA_HOME at a writable folder")
    if "disk is full" in low or "no space left" in low or "disk full" in low:
        return (f"the disk holding {where} is full", "free some space and run the command again")
    if (
        "connect" in low
        or "could not reach" in low
        or "name or service" in low
        or "timed out" in low
        or "connection refused" in low
    ):
        return (
            f"the Chroma server at {where} could not be reached ({text})",
            "start it with `chroma run --path DIR --host 127.0.0.1 --port N` or unset MSRA_CHROMA_URL",
        )
    return (f"the index at {where} failed: {text}", "check the folder or server; re-run `msra ingest` if it persists")


@contextmanager
def _guard(where: str, action: str) -> Iterator[None]:
    """Turn Chroma, sqlite, HTTP and OS errors into one ``StoreError`` that says what to do."""
    try:
        yield
    except (StoreError, IndexMismatchError):
        raise
    except Exception as exc:
        # Chroma raises its own errors, sqlite3's, httpx's and plain ValueErrors depending on the backend.
        reason, fix = _explain(exc, where)
        raise StoreError(f"{action}: {reason}. {fix}") from exc


def _writable(folder: Path) -> bool:
    """Can we create files in ``folder``? (``os.access`` lies for root with dropped capabilities on some mounts.)"""
    try:
        fd, probe = tempfile.mkstemp(prefix=".msra-probe-", dir=folder)
    except OSError:
        return False
    os.close(fd)
    os.unlink(probe)
    sqlite = folder / "chroma.sqlite3"
    return not sqlite.exists() or os.access(sqlite, os.W_OK)


class ChromaStore:
    """Chunks and their vectors in one Chroma collection (cosine space)."""

    def __init__(
        self,
        client: Any,
        name: str,
        *,
        location: str,
        model: str,
        dimension: int | None = None,
        read_only: bool = False,
    ) -> None:
        self.client = client
        self.name = name
        self.location = location
        self.model = model
        self.read_only = read_only
        with _guard(location, f"opening collection {name}"):
            self.collection = client.get_or_create_collection(
                name,
                embedding_function=None,  # never let Chroma embed (its default downloads a model)
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"model": model},
            )
            self.max_batch = int(client.get_max_batch_size())
        if dimension is not None:
            self.check_dimension(dimension)

    # ---- dimension bookkeeping ------------------------------------------------------------
    @property
    def dimension(self) -> int | None:
        """Vector dimension recorded in the collection metadata (None while empty)."""
        meta = self.collection.metadata or {}
        dim = meta.get("dimension")
        return int(dim) if dim is not None else None

    def check_dimension(self, dim: int) -> None:
        """Raise ``IndexMismatchError`` when ``dim`` differs from the vectors already stored."""
        meta = self.collection.metadata or {}
        stored = self.dimension
        if stored is not None and stored != dim:
            raise IndexMismatchError(
                f"collection {self.name} at {self.location} holds {stored}-dimensional vectors from model "
                f"{meta.get('model', '?')!r}, but the embedder {self.model!r} makes {dim}-dimensional ones. "
                "Use the model the index was built with (MSRA_EMBEDDING_MODEL) or ingest into a new --home."
            )

    def _record_dimension(self, dim: int) -> None:
        if self.dimension is None:
            meta = dict(self.collection.metadata or {})
            meta.update({"model": self.model, "dimension": dim})
            self.collection.modify(metadata=meta)

    def _writable(self) -> None:
        if self.read_only:
            raise StoreError(
                f"the index at {self.location} is read-only (opened from a temporary copy for reading): "
                "make the folder writable or point --home/MSRA_HOME at a writable folder"
            )

    # ---- writes ---------------------------------------------------------------------------
    def upsert(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None:
        """Insert or replace chunks with their vectors, in batches Chroma accepts."""
        self._writable()
        if not chunks:
            return
        vecs = np.asarray(embeddings, dtype=np.float32)
        if vecs.ndim != 2 or vecs.shape[0] != len(chunks):
            raise ValueError(f"{len(chunks)} chunks but embeddings of shape {vecs.shape}")
        self.check_dimension(int(vecs.shape[1]))
        with _guard(self.location, f"writing to collection {self.name}"):
            self._record_dimension(int(vecs.shape[1]))
            for start in range(0, len(chunks), self.max_batch):
                part = chunks[start : start + self.max_batch]
                self.collection.upsert(
                    ids=[c.chunk_id for c in part],
                    embeddings=vecs[start : start + self.max_batch],
                    documents=[c.text for c in part],
                    metadatas=[c.metadata() for c in part],  # type: ignore[misc]
                )

    def delete(self, chunk_ids: Sequence[str]) -> None:
        """Delete chunks by id (ids that do not exist are ignored)."""
        self._writable()
        ids = list(dict.fromkeys(chunk_ids))
        with _guard(self.location, f"deleting from collection {self.name}"):
            for start in range(0, len(ids), self.max_batch):
                self.collection.delete(ids=ids[start : start + self.max_batch])

    def delete_document(self, doc_id: str) -> int:
        """Delete every chunk of ``doc_id``; return how many were deleted."""
        ids = self.ids({"doc_id": doc_id})
        if ids:
            self.delete(sorted(ids))
        return len(ids)

    # ---- reads ----------------------------------------------------------------------------
    def query(self, embedding: np.ndarray, k: int, where: Where | None = None) -> list[tuple[Chunk, float]]:
        """Top-``k`` chunks by cosine similarity, optionally filtered by metadata."""
        vec = np.asarray(embedding, dtype=np.float32).reshape(-1)
        self.check_dimension(int(vec.shape[0]))
        with _guard(self.location, f"querying collection {self.name}"):
            n = self.collection.count()
            if n == 0 or k <= 0:
                return []
            res = self.collection.query(
                query_embeddings=[vec],
                n_results=min(k, n),
                where=where or None,
                include=["documents", "metadatas", "distances"],
            )
        ids = res["ids"][0]
        docs = (res.get("documents") or [[]])[0] or []
        metas = (res.get("metadatas") or [[]])[0] or []
        dists = (res.get("distances") or [[]])[0] or []
        return [
            (Chunk.from_metadata(cid, doc or "", dict(meta or {})), 1.0 - float(dist))
            for cid, doc, meta, dist in zip(ids, docs, metas, dists, strict=True)
        ]

    def _get(self, **kwargs: Any) -> list[Chunk]:
        with _guard(self.location, f"reading collection {self.name}"):
            res = self.collection.get(include=["documents", "metadatas"], **kwargs)
        docs = res.get("documents") or []
        metas = res.get("metadatas") or []
        return [
            Chunk.from_metadata(cid, doc or "", dict(meta or {}))
            for cid, doc, meta in zip(res["ids"], docs, metas, strict=True)
        ]

    def get(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        """Chunks by id, in the order asked; unknown ids are skipped."""
        if not chunk_ids:
            return []
        found: dict[str, Chunk] = {}
        ids = list(dict.fromkeys(chunk_ids))
        for start in range(0, len(ids), self.max_batch):
            for c in self._get(ids=ids[start : start + self.max_batch]):
                found[c.chunk_id] = c
        return [found[c] for c in chunk_ids if c in found]

    def document_chunks(self, doc_id: str) -> list[Chunk]:
        """All chunks of one document in reading order."""
        return sorted(self.iter_chunks({"doc_id": doc_id}), key=lambda c: c.position)

    def iter_chunks(self, where: Where | None = None, batch_size: int = 2000) -> Iterator[Chunk]:
        """Every chunk (matching ``where``), fetched page by page."""
        size = max(1, min(batch_size, self.max_batch))
        offset = 0
        while True:
            page = self._get(where=where or None, limit=size, offset=offset)
            yield from page
            if len(page) < size:
                return
            offset += size

    def ids(self, where: Where | None = None) -> set[str]:
        """Ids of all chunks (matching ``where``)."""
        out: set[str] = set()
        offset = 0
        with _guard(self.location, f"reading collection {self.name}"):
            while True:
                res = self.collection.get(where=where or None, include=[], limit=self.max_batch, offset=offset)
                out.update(res["ids"])
                if len(res["ids"]) < self.max_batch:
                    return out
                offset += self.max_batch

    def count(self) -> int:
        with _guard(self.location, f"counting collection {self.name}"):
            return int(self.collection.count())


def _http_client(url: str) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    parsed = urlparse(url if "://" in url else f"http://{url}")
    if not parsed.hostname:
        raise StoreError(f"MSRA_CHROMA_URL={url!r} is not a URL: use e.g. http://127.0.0.1:8000")
    ssl = parsed.scheme == "https"
    port = parsed.port or (443 if ssl else 8000)
    with _guard(url, "connecting to the Chroma server"):
        return chromadb.HttpClient(
            host=parsed.hostname, port=port, ssl=ssl, settings=ChromaSettings(anonymized_telemetry=False)
        )


def _readonly_copy(folder: Path) -> Path:
    """Copy a read-only embedded store to a temporary folder: Chroma cannot open a database it cannot write."""
    tmp = Path(tempfile.mkdtemp(prefix="msra-chroma-ro-"))
    atexit.register(shutil.rmtree, tmp, True)
    dest = tmp / "chroma"
    try:
        # Plain copies of every file (a -wal file included: sqlite replays it when the copy is opened),
        # then make the copy writable, since copytree keeps the read-only modes.
        shutil.copytree(folder, dest, copy_function=shutil.copyfile)
        for sub in [dest, *dest.rglob("*")]:
            sub.chmod(0o700 if sub.is_dir() else 0o600)
    except OSError as exc:
        raise StoreError(
            f"the index at {folder} is read-only and could not be copied for reading ({exc}): "
            "make the folder readable and writable, or point --home/MSRA_HOME elsewhere"
        ) from exc
    return dest


def open_store(settings: Settings, embedder_name: str, dimension: int | None = None) -> ChromaStore:
    """Open (or create) the collection for this embedder and chunking settings.

    ``settings.chroma_url`` selects a ``chroma run`` server; otherwise the embedded store lives in
    ``settings.home/"chroma"``. A read-only embedded store is opened from a temporary copy, for reading only.
    """
    name = collection_name(settings, embedder_name)
    if settings.chroma_url:
        client = _http_client(settings.chroma_url)
        return ChromaStore(client, name, location=settings.chroma_url, model=embedder_name, dimension=dimension)

    import chromadb
    from chromadb.config import Settings as ChromaSettings

    folder = settings.home / "chroma"
    read_only = False
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if not folder.is_dir():
            reason, fix = _explain(exc, str(settings.home))
            raise StoreError(f"creating the index folder {folder}: {reason}. {fix}") from exc
    open_at = folder
    if not _writable(folder):
        read_only = True
        open_at = _readonly_copy(folder)
    with _guard(str(folder), "opening the index"):
        client = chromadb.PersistentClient(path=str(open_at), settings=ChromaSettings(anonymized_telemetry=False))
    return ChromaStore(
        client, name, location=str(folder), model=embedder_name, dimension=dimension, read_only=read_only
    )
