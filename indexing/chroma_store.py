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
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.core.errors import DiskFullError, IndexMismatchError, StoreError
from assistant.core.types import Chunk
from indexing.diskspace import no_room_error
from indexing.store import Where
from indexing.store_guard import _explain, _guard

if TYPE_CHECKING:
    from assistant.core.config import Settings

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


def _write_problem(folder: Path) -> OSError | None:
    """Why files cannot be created in ``folder``, or None (``os.access`` lies for root with dropped capabilities
    on some mounts, so try it)."""
    try:
        fd, probe = tempfile.mkstemp(prefix=".msra-probe-", dir=folder)
    except OSError as exc:
        return exc
    os.close(fd)
    os.unlink(probe)
    sqlite = folder / "chroma.sqlite3"
    if sqlite.exists() and not os.access(sqlite, os.W_OK):
        return PermissionError(f"{sqlite} is not writable")
    return None


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
        folder: Path | None = None,
        write_block: StoreError | None = None,
        timeout_s: float | None = None,
    ) -> None:
        self.client = client
        self.timeout_s = timeout_s  # a server's time limit per call (the embedded store has none)
        self.name = name
        self.location = location
        self.model = model
        self.folder = folder  # the embedded store's folder; None for a Chroma server
        self.read_only = read_only or write_block is not None
        self.write_block = write_block  # why writing is refused when it is not plain permissions (a full disk)
        with _guard(location, f"opening collection {name}", folder, timeout_s=timeout_s):
            self.collection = client.get_or_create_collection(
                name,
                embedding_function=None,  # never let Chroma embed (its default downloads a model)
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"model": model},
            )
            self.max_batch = int(client.get_max_batch_size())
            if folder is not None:
                # The first read applies writes Chroma logged but never applied (it ran out of room): do it now,
                # so a store that has no room for that is reopened from a copy (see open_store).
                self.collection.count()
        if dimension is not None:
            self.check_dimension(dimension)

    def _guard(self, action: str) -> AbstractContextManager[None]:
        return _guard(self.location, action, self.folder, timeout_s=self.timeout_s)

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
        if self.write_block is not None:
            raise self.write_block
        if self.read_only:
            raise StoreError(
                f"the index at {self.location} is read-only (opened from a temporary copy for reading): "
                "make the folder writable or point --home/MSRA_HOME at a writable folder"
            )

    @contextmanager
    def _writing(self, action: str) -> Iterator[None]:
        """``_guard`` for writes. After running out of room, Chroma may hold the write in its log without having
        applied it: this process then reads the store without it (and a later write here can hang), while
        the next process to open the store applies it. So this store refuses further writes, and the
        writer's undo fails with it, keeping the pending record that lets the next process finish the job."""
        try:
            with self._guard(action):
                yield
        except DiskFullError as exc:
            self.write_block = DiskFullError(
                f"{exc} (This process stopped writing to the index after that error: start msra again once "
                "there is room; it finishes or undoes the interrupted write.)"
            )
            raise

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
        with self._writing(f"writing to collection {self.name}"):
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
        with self._writing(f"deleting from collection {self.name}"):
            for start in range(0, len(ids), self.max_batch):
                self.collection.delete(ids=ids[start : start + self.max_batch])

    def delete_document(self, doc_id: str) -> int:
        """Delete every chunk of ``doc_id``; return how many were deleted."""
        self._writable()  # even when none is visible: a failed write may hold some this process cannot see
        ids = self.ids({"doc_id": doc_id})
        if ids:
            self.delete(sorted(ids))
        return len(ids)

    # ---- reads ----------------------------------------------------------------------------
    def query(self, embedding: np.ndarray, k: int, where: Where | None = None) -> list[tuple[Chunk, float]]:
        """Top-``k`` chunks by cosine similarity, optionally filtered by metadata."""
        vec = np.asarray(embedding, dtype=np.float32).reshape(-1)
        self.check_dimension(int(vec.shape[0]))
        if k <= 0:
            return []
        with self._guard(f"querying collection {self.name}"):
            # No count() first: it costs 10 ms at 100k chunks, and Chroma returns fewer results when it has fewer.
            res = self.collection.query(
                query_embeddings=[vec],
                n_results=k,
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
        with self._guard(f"reading collection {self.name}"):
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
        with self._guard(f"reading collection {self.name}"):
            while True:
                res = self.collection.get(where=where or None, include=[], limit=self.max_batch, offset=offset)
                out.update(res["ids"])
                if len(res["ids"]) < self.max_batch:
                    return out
                offset += self.max_batch

    def count(self) -> int:
        with self._guard(f"counting collection {self.name}"):
            return int(self.collection.count())


def _readonly_copy(folder: Path) -> Path:
    """Copy an embedded store that cannot be written (read-only, or on a full disk) to a temporary folder:
    Chroma cannot open a database it cannot write."""
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
            f"the index at {folder} cannot be written and could not be copied to {tmp} for reading ({exc}): "
            "make the folder writable (or free space on its disk and on the temporary folder's), or point "
            "--home/MSRA_HOME elsewhere"
        ) from exc
    return dest


def open_store(settings: Settings, embedder_name: str, dimension: int | None = None) -> ChromaStore:
    """Open (or create) the collection for this embedder and chunking settings.

    ``settings.chroma_url`` selects a ``chroma run`` server; otherwise the embedded store lives in
    ``settings.home/"chroma"``. A read-only embedded store, or one on a disk too full for Chroma to open it,
    is opened from a temporary copy, for reading only.
    """
    name = collection_name(settings, embedder_name)
    if settings.chroma_url:
        from indexing.chroma_http import http_client

        timeout = settings.store_timeout_s
        client = http_client(settings.chroma_url, timeout)
        return ChromaStore(
            client, name, location=settings.chroma_url, model=embedder_name, dimension=dimension, timeout_s=timeout
        )

    folder = settings.home / "chroma"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        if not folder.is_dir():
            action = f"creating the index folder {folder}"
            full = no_room_error(settings.home, exc, action)
            if full is not None:
                raise full from exc
            reason, fix = _explain(exc, str(settings.home))
            raise StoreError(f"{action}: {reason}. {fix}") from exc
    block: StoreError | None = None
    problem = _write_problem(folder)
    if problem is not None:
        block = no_room_error(folder, problem, "writing to the index")
    try:
        return _open_embedded(folder, name, embedder_name, dimension, read_only=problem is not None, block=block)
    except DiskFullError as exc:
        # Chroma cannot open its database on a full disk (it needs room for its journal, and to apply writes
        # it logged before running out of room): read a copy, and refuse writes with the reason.
        return _open_embedded(folder, name, embedder_name, dimension, read_only=True, block=exc)


def _open_embedded(
    folder: Path, name: str, model: str, dimension: int | None, *, read_only: bool, block: StoreError | None
) -> ChromaStore:
    """The collection in the embedded store at ``folder``, or in a temporary copy of it when it cannot be written."""
    import chromadb
    from chromadb.api.shared_system_client import SharedSystemClient
    from chromadb.config import Settings as ChromaSettings

    open_at = _readonly_copy(folder) if read_only else folder
    try:
        with _guard(str(folder), "opening the index", open_at):
            client = chromadb.PersistentClient(path=str(open_at), settings=ChromaSettings(anonymized_telemetry=False))
        return ChromaStore(
            client,
            name,
            location=str(folder),
            model=model,
            dimension=dimension,
            read_only=read_only,
            folder=open_at,
            write_block=block,
        )
    except IndexMismatchError:
        raise
    except StoreError:
        # Chroma caches a client per path even when it failed: forget it so a later open (a long-running web
        # server, once space is freed) starts afresh.
        SharedSystemClient._identifier_to_system.pop(str(open_at), None)
        raise
