"""The vector-store seam.

``VectorStore`` is what the rest of msra needs from a store; ``indexing.chroma_store.ChromaStore``
implements it over Chroma (embedded PersistentClient or a ``chroma run`` server), and
``MemoryStore`` is the in-process fake for unit tests.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np

from assistant.core.errors import IndexMismatchError, StoreError
from assistant.core.types import Chunk

Where = dict[str, Any]  # Chroma-style metadata filter, e.g. {"jurisdiction": "CN"} or {"$and": [...]}


@runtime_checkable
class VectorStore(Protocol):
    """Chunks with their embeddings. Similarities returned are cosine similarities in [-1, 1]."""

    name: str  # collection name; encodes embedding model and chunking settings
    read_only: bool  # readable but not writable (permissions, or a write_block)
    write_block: StoreError | None  # why writes are refused when it is not permissions (a full disk)

    def check_dimension(self, dim: int) -> None:
        """Raise ``IndexMismatchError`` when ``dim`` differs from the vectors already stored."""
        ...

    def upsert(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None: ...

    def delete(self, chunk_ids: Sequence[str]) -> None:
        """Delete chunks by id; unknown ids are ignored."""
        ...

    def delete_document(self, doc_id: str) -> int:
        """Delete every chunk of ``doc_id``; return how many were deleted."""
        ...

    def query(self, embedding: np.ndarray, k: int, where: Where | None = None) -> list[tuple[Chunk, float]]: ...

    def get(self, chunk_ids: Sequence[str]) -> list[Chunk]: ...

    def document_chunks(self, doc_id: str) -> list[Chunk]:
        """All chunks of one document in reading order (by position)."""
        ...

    def iter_chunks(self, where: Where | None = None, batch_size: int = 2000) -> Iterator[Chunk]: ...

    def ids(self, where: Where | None = None) -> set[str]:
        """Ids of all chunks (matching ``where``), without reading their texts."""
        ...

    def count(self) -> int: ...


def matches(meta: dict[str, Any], where: Where | None) -> bool:
    """Evaluate the subset of Chroma's ``where`` syntax msra uses ($and, $or, $eq, $ne, $in, $nin)."""
    if not where:
        return True
    for key, cond in where.items():
        if key == "$and":
            if not all(matches(meta, c) for c in cond):
                return False
        elif key == "$or":
            if not any(matches(meta, c) for c in cond):
                return False
        else:
            value = meta.get(key)
            if isinstance(cond, dict):
                for op, arg in cond.items():
                    ok = {
                        "$eq": lambda v, a: v == a,
                        "$ne": lambda v, a: v != a,
                        "$in": lambda v, a: v in a,
                        "$nin": lambda v, a: v not in a,
                    }.get(op)
                    if ok is None or not ok(value, arg):
                        return False
            elif value != cond:
                return False
    return True


def filters_to_where(filters: dict[str, str | list[str]] | None) -> Where | None:
    """``{"kind": "law", "jurisdiction": ["CN", "US"]}`` → a Chroma ``where`` clause."""
    if not filters:
        return None
    parts: list[Where] = []
    for key, value in filters.items():
        if isinstance(value, list | tuple | set):
            parts.append({key: {"$in": list(value)}})
        else:
            parts.append({key: {"$eq": value}})
    return parts[0] if len(parts) == 1 else {"$and": parts}


class MemoryStore:
    """In-process fake store (brute-force cosine) for unit tests."""

    def __init__(self, name: str = "memory-test") -> None:
        self.name = name
        self.read_only = False
        self.write_block: StoreError | None = None
        self._chunks: dict[str, Chunk] = {}
        self._vecs: dict[str, np.ndarray] = {}

    def check_dimension(self, dim: int) -> None:
        stored = {len(v) for v in self._vecs.values()}
        if stored and stored != {dim}:
            raise IndexMismatchError(
                f"store {self.name} holds {stored.pop()}-dimensional vectors, not {dim}: use the embedder it was "
                "built with or a new store"
            )

    def upsert(self, chunks: Sequence[Chunk], embeddings: np.ndarray) -> None:
        for chunk, vec in zip(chunks, embeddings, strict=True):
            self._chunks[chunk.chunk_id] = chunk
            self._vecs[chunk.chunk_id] = np.asarray(vec, dtype=np.float32)

    def delete(self, chunk_ids: Sequence[str]) -> None:
        for cid in chunk_ids:
            self._chunks.pop(cid, None)
            self._vecs.pop(cid, None)

    def delete_document(self, doc_id: str) -> int:
        ids = [cid for cid, c in self._chunks.items() if c.doc_id == doc_id]
        for cid in ids:
            del self._chunks[cid], self._vecs[cid]
        return len(ids)

    def query(self, embedding: np.ndarray, k: int, where: Where | None = None) -> list[tuple[Chunk, float]]:
        scored = [
            (c, float(np.dot(self._vecs[cid], embedding)))
            for cid, c in self._chunks.items()
            if matches(c.metadata(), where)
        ]
        scored.sort(key=lambda t: -t[1])
        return scored[:k]

    def get(self, chunk_ids: Sequence[str]) -> list[Chunk]:
        return [self._chunks[c] for c in chunk_ids if c in self._chunks]

    def document_chunks(self, doc_id: str) -> list[Chunk]:
        return sorted((c for c in self._chunks.values() if c.doc_id == doc_id), key=lambda c: c.position)

    def iter_chunks(self, where: Where | None = None, batch_size: int = 2000) -> Iterator[Chunk]:
        for c in list(self._chunks.values()):
            if matches(c.metadata(), where):
                yield c

    def ids(self, where: Where | None = None) -> set[str]:
        return {cid for cid, c in self._chunks.items() if matches(c.metadata(), where)}

    def count(self) -> int:
        return len(self._chunks)
