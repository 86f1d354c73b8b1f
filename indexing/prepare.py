"""One parsed file → a document ready for its vectors: metadata, id checks, clauses, chunks, index texts.

Everything here can refuse the file (``IngestError``) without having touched the index; the pipeline
(:mod:`indexing.pipeline`) then embeds and writes what comes back.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.core.errors import EmptyDocumentError, IngestError

if TYPE_CHECKING:
    from assistant.core.config import Settings
    from assistant.core.types import Chunk, DocumentMeta
    from indexing.discovery import Target
    from indexing.records import DocumentRecord, Records, RecordStore
    from indexing.store import VectorStore


@dataclass(slots=True)
class Job:
    """A file the pipeline decided to (re)index."""

    index: int  # position in the batch, for the report
    target: Target
    sha: str
    key: str  # the metadata key: sidecar, manifest entry and overrides
    started: float


@dataclass(slots=True)
class Prepared:
    """A parsed and chunked document waiting for its vectors."""

    index: int
    target: Target
    meta: DocumentMeta
    chunks: list[Chunk]
    texts: list[str]
    hashes: list[str]
    key: str
    previous: DocumentRecord | None
    started: float


def text_sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def prepare(
    job: Job,
    loaded: Any,
    claimed: dict[str, Path],
    *,
    overrides: dict[str, Any],
    settings: Settings,
    store: VectorStore,
    records: RecordStore,
) -> Prepared:
    """Resolve metadata, refuse id clashes and duplicates, chunk, and build the texts to embed."""
    from indexing.chunking import chunk_document, index_text
    from indexing.metadata import resolve_metadata
    from indexing.structure import parse_clauses

    path = job.target.path
    given = {**overrides, "sha256": job.sha}  # already hashed: spare resolve_metadata a second pass
    meta = resolve_metadata(path, loaded, manifest_entry=job.target.manifest_entry, overrides=given)
    meta = meta.model_copy(
        update={
            "sha256": job.sha,
            "path": str(path),
            "source": meta.source or path.name,
            "pages": meta.pages or len(loaded.pages),
        }
    )
    clash = _clash(meta.doc_id, path, claimed, records)
    if clash:
        raise IngestError(
            path,
            f"doc id {meta.doc_id!r} is already used by {clash}",
            f"give this file its own id: `msra ingest {path.name} --doc-id NEW-ID` or doc_id in {path.name}.meta.toml",
        )
    chunks = chunk_document(parse_clauses(loaded), meta, settings)
    if not chunks:
        raise EmptyDocumentError(path, "no text to index was found", "check that the file has text content")
    ids = [c.chunk_id for c in chunks]
    if len(set(ids)) != len(ids):
        dup = next(c for c in ids if ids.count(c) > 1)
        raise IngestError(path, f"the chunker produced the id {dup!r} twice", "report this file as a bug")
    owners = {c.doc_id for c in store.get(ids)} - {meta.doc_id}
    if owners:
        # Chunk ids derive from the file's hash: the same bytes are indexed under another id already.
        other = sorted(owners)[0]
        raise IngestError(
            path,
            f"the same content is already indexed as {other!r}",
            f"keep one copy, or remove the other with `msra corpus remove {other}`",
        )
    texts = [index_text(c) for c in chunks]
    previous = records.get(meta.doc_id)
    previous = previous if previous is not None and previous.status == "complete" else None
    hashes = [text_sha(t) for t in texts]
    return Prepared(job.index, job.target, meta, chunks, texts, hashes, job.key, previous, job.started)


def _clash(doc_id: str, path: Path, claimed: dict[str, Path], records: Records) -> str | None:
    """Another file that owns ``doc_id`` (in this batch, or indexed and still on disk)."""
    if doc_id in claimed and claimed[doc_id] != path:
        return f"{claimed[doc_id]} in this batch"
    rec = records.get(doc_id)
    if rec is not None and rec.status == "complete" and rec.path != str(path) and Path(rec.path).is_file():
        return rec.path
    return None
