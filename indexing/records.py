"""``RecordStore``: what has been indexed, per collection, in one sqlite file (WAL).

One row per document and collection says which file (path, sha256) produced which chunk ids. A
``pending`` row is written before a document's chunks go into the vector store and removed when the
document is complete, so a crash leaves a trace that the next writer reconciles. The same file keeps an
embedding cache keyed by model and sha256 of the embedded text: a changed file re-embeds only the chunks
whose text changed.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal, Protocol, runtime_checkable

import numpy as np
from pydantic import BaseModel, Field

from assistant.core.errors import StoreError
from assistant.core.types import DocumentMeta
from indexing.diskspace import no_room_error

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    collection TEXT NOT NULL, doc_id TEXT NOT NULL, status TEXT NOT NULL,
    title TEXT, kind TEXT, jurisdiction TEXT, language TEXT, source TEXT, path TEXT, sha256 TEXT,
    meta_key TEXT, pages INTEGER, chunks INTEGER, chunk_ids TEXT, text_hashes TEXT,
    indexed_at TEXT, meta TEXT,
    PRIMARY KEY (collection, doc_id)
);
CREATE INDEX IF NOT EXISTS documents_sha ON documents (collection, sha256);
CREATE INDEX IF NOT EXISTS documents_path ON documents (collection, path);
CREATE TABLE IF NOT EXISTS pending (
    collection TEXT NOT NULL, doc_id TEXT NOT NULL, chunk_ids TEXT NOT NULL, started_at TEXT NOT NULL,
    PRIMARY KEY (collection, doc_id)
);
CREATE TABLE IF NOT EXISTS embed_cache (
    model TEXT NOT NULL, text_sha TEXT NOT NULL, vector BLOB NOT NULL,
    PRIMARY KEY (model, text_sha)
);
"""

_COLUMNS = (
    "doc_id, status, title, kind, jurisdiction, language, source, path, sha256, meta_key, pages, chunks, "
    "chunk_ids, text_hashes, indexed_at, meta"
)


def now_iso() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class DocumentRecord(BaseModel):
    """One indexed (or being indexed) document of one collection."""

    doc_id: str
    title: str = ""
    kind: str = "guidance"
    jurisdiction: str = "international"
    language: str = "en"
    source: str = ""
    path: str = ""
    sha256: str = ""
    pages: int = 0
    chunks: int = 0
    chunk_ids: list[str] = Field(default_factory=list)
    indexed_at: str = ""
    status: Literal["pending", "complete"] = "complete"
    meta: dict[str, Any] = Field(default_factory=dict, description="The DocumentMeta as JSON.")
    meta_key: str = Field("", description="Fingerprint of sidecar/manifest/overrides the metadata came from.")
    text_hashes: list[str] = Field(default_factory=list, description="sha256 of each embedded text.")

    def document_meta(self) -> DocumentMeta:
        return DocumentMeta.model_validate(self.meta) if self.meta else DocumentMeta(doc_id=self.doc_id, title="")

    @classmethod
    def completed(
        cls, meta: DocumentMeta, chunk_ids: Sequence[str], *, text_hashes: Sequence[str] = (), meta_key: str = ""
    ) -> DocumentRecord:
        """The record of a document fully indexed with exactly these chunk ids (local and shared stores)."""
        return cls(
            doc_id=meta.doc_id, title=meta.title, kind=meta.kind, jurisdiction=meta.jurisdiction,
            language=meta.language, source=meta.source, path=meta.path, sha256=meta.sha256, pages=meta.pages,
            chunks=len(chunk_ids), chunk_ids=list(chunk_ids), indexed_at=now_iso(), status="complete",
            meta=meta.model_dump(mode="json"), meta_key=meta_key, text_hashes=list(text_hashes),
        )  # fmt: skip


class PendingWork(BaseModel):
    """A document whose chunks were being written when the writer stopped."""

    doc_id: str
    chunk_ids: list[str]
    started_at: str
    previous: DocumentRecord | None = None


@runtime_checkable
class Records(Protocol):
    """What the pipeline and the Assistant need from the document records: ``RecordStore`` (one sqlite file)
    and ``indexing.shared_records.ChromaRecordStore`` (replicas sharing a ``chroma run`` server)."""

    read_only: bool
    write_block: StoreError | None

    def close(self) -> None: ...

    def documents(self) -> list[DocumentRecord]: ...

    def get(self, doc_id: str) -> DocumentRecord | None: ...

    def find_by_path(self, path: Path | str) -> DocumentRecord | None: ...

    def find_by_sha(self, sha256: str) -> list[DocumentRecord]: ...

    def begin(self, meta: DocumentMeta, chunk_ids: Sequence[str] = ()) -> None: ...

    def complete(
        self, meta: DocumentMeta, chunk_ids: Sequence[str], *, text_hashes: Sequence[str] = (), meta_key: str = ""
    ) -> DocumentRecord: ...

    def delete(self, doc_id: str) -> None: ...

    def pending(self) -> list[PendingWork]: ...

    def uncommitted_chunk_ids(self) -> set[str]:
        """Chunks of documents still being written (or whose writer was killed): readers skip them."""
        ...

    def drop_pending(self, doc_id: str) -> None: ...

    def cached_vectors(self, model: str, text_shas: Iterable[str]) -> dict[str, np.ndarray]: ...

    def cache_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None: ...

    def prune_cache(self) -> int: ...


class RecordStore:
    """Records of indexed documents for one collection, in ``path`` (sqlite, WAL)."""

    def __init__(self, path: Path, collection: str) -> None:
        self.path = Path(path)
        self.collection = collection
        self.read_only = False
        self.write_block: StoreError | None = None  # why writes are refused when it is not permissions
        self._lock = threading.RLock()
        self._conn = self._connect()

    def _connect(self) -> sqlite3.Connection:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, check_same_thread=False, timeout=10)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.executescript(_SCHEMA)
            conn.commit()
            return conn
        except (OSError, sqlite3.Error) as exc:
            # On a full disk sqlite cannot even create its WAL files: read what is there, refuse writes.
            self.write_block = no_room_error(self.path.parent, exc, f"writing {self.path}")
        # A read-only home: read what is there (immutable: nothing else may change it meanwhile).
        self.read_only = True
        try:
            if self.path.is_file():
                conn = sqlite3.connect(f"file:{self.path}?mode=ro&immutable=1", uri=True, check_same_thread=False)
                conn.execute("SELECT count(*) FROM documents").fetchone()
                return conn
            conn = sqlite3.connect(":memory:", check_same_thread=False)
            conn.executescript(_SCHEMA)
            return conn
        except sqlite3.Error as exc:
            raise StoreError(
                f"the record of indexed documents {self.path} cannot be opened ({exc}): check the file's "
                "permissions, or move it away and re-run `msra ingest` to rebuild it"
            ) from exc

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        if self.write_block is not None:
            raise self.write_block
        if self.read_only:
            raise StoreError(
                f"{self.path.parent} is read-only: make it writable or point --home/MSRA_HOME at a writable folder"
            )
        with self._lock:
            try:
                with self._conn:  # one transaction
                    yield self._conn
            except sqlite3.Error as exc:
                full = no_room_error(self.path.parent, exc, f"writing {self.path}")
                if full is not None:
                    raise full from exc
                low = str(exc).lower()
                fix = (
                    "free some disk space and run the command again"
                    if "full" in low
                    else "make the folder writable"
                    if "readonly" in low
                    else "run the command again; if it persists move the file away to rebuild it"
                )
                raise StoreError(f"writing {self.path} failed ({exc}): {fix}") from exc

    def _rows(self, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._conn.execute(sql, args).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"reading {self.path} failed ({exc}): check the file, or move it away") from exc

    @staticmethod
    def _record(row: tuple[Any, ...]) -> DocumentRecord:
        keys = [k.strip() for k in _COLUMNS.split(",")]
        data = dict(zip(keys, row, strict=True))
        for key in ("chunk_ids", "text_hashes", "meta"):
            data[key] = json.loads(data[key]) if data[key] else ({} if key == "meta" else [])
        return DocumentRecord.model_validate({k: v for k, v in data.items() if v is not None})

    # ---- documents --------------------------------------------------------------------------
    def documents(self) -> list[DocumentRecord]:
        """Complete documents of this collection, by doc id."""
        rows = self._rows(
            f"SELECT {_COLUMNS} FROM documents WHERE collection=? AND status='complete' ORDER BY doc_id",
            (self.collection,),
        )
        return [self._record(r) for r in rows]

    def get(self, doc_id: str) -> DocumentRecord | None:
        rows = self._rows(
            f"SELECT {_COLUMNS} FROM documents WHERE collection=? AND doc_id=?", (self.collection, doc_id)
        )
        return self._record(rows[0]) if rows else None

    def find_by_path(self, path: Path | str) -> DocumentRecord | None:
        """The complete record of the file at ``path`` (absolute), if any."""
        rows = self._rows(
            f"SELECT {_COLUMNS} FROM documents WHERE collection=? AND path=? AND status='complete'",
            (self.collection, str(Path(path).resolve())),
        )
        return self._record(rows[0]) if rows else None

    def find_by_sha(self, sha256: str) -> list[DocumentRecord]:
        """Complete records whose file had exactly this content."""
        rows = self._rows(
            f"SELECT {_COLUMNS} FROM documents WHERE collection=? AND sha256=? AND status='complete'",
            (self.collection, sha256),
        )
        return [self._record(r) for r in rows]

    def begin(self, meta: DocumentMeta, chunk_ids: Sequence[str] = ()) -> None:
        """Mark ``meta.doc_id`` as being written with these chunk ids (before touching the vector store)."""
        with self._write() as db:
            db.execute(
                "INSERT OR REPLACE INTO pending VALUES (?,?,?,?)",
                (self.collection, meta.doc_id, json.dumps(list(chunk_ids)), now_iso()),
            )
            # A new document shows up as pending; a replaced one keeps its complete record until the end.
            db.execute(
                f"INSERT OR IGNORE INTO documents ({_COLUMNS}, collection) VALUES "
                "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    meta.doc_id, "pending", meta.title, meta.kind, meta.jurisdiction, meta.language,
                    meta.source, meta.path, meta.sha256, "", meta.pages, 0, "[]", "[]", now_iso(),
                    meta.model_dump_json(), self.collection,
                ),
            )  # fmt: skip

    def complete(
        self,
        meta: DocumentMeta,
        chunk_ids: Sequence[str],
        *,
        text_hashes: Sequence[str] = (),
        meta_key: str = "",
    ) -> DocumentRecord:
        """Record the document as fully indexed with exactly these chunk ids."""
        rec = DocumentRecord.completed(meta, chunk_ids, text_hashes=text_hashes, meta_key=meta_key)
        with self._write() as db:
            db.execute(
                f"INSERT OR REPLACE INTO documents ({_COLUMNS}, collection) VALUES "
                "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    rec.doc_id, rec.status, rec.title, rec.kind, rec.jurisdiction, rec.language, rec.source,
                    rec.path, rec.sha256, rec.meta_key, rec.pages, rec.chunks, json.dumps(rec.chunk_ids),
                    json.dumps(rec.text_hashes), rec.indexed_at, json.dumps(rec.meta), self.collection,
                ),
            )  # fmt: skip
            db.execute("DELETE FROM pending WHERE collection=? AND doc_id=?", (self.collection, rec.doc_id))
        return rec

    def delete(self, doc_id: str) -> None:
        """Forget a document (and any pending work on it)."""
        with self._write() as db:
            db.execute("DELETE FROM documents WHERE collection=? AND doc_id=?", (self.collection, doc_id))
            db.execute("DELETE FROM pending WHERE collection=? AND doc_id=?", (self.collection, doc_id))

    def pending(self) -> list[PendingWork]:
        """Documents whose writing did not finish, with the complete record they were replacing (if any)."""
        rows = self._rows(
            "SELECT doc_id, chunk_ids, started_at FROM pending WHERE collection=? ORDER BY doc_id",
            (self.collection,),
        )
        out = []
        for doc_id, ids, started in rows:
            prev = self.get(doc_id)
            previous = prev if prev is not None and prev.status == "complete" else None
            out.append(PendingWork(doc_id=doc_id, chunk_ids=json.loads(ids), started_at=started, previous=previous))
        return out

    def uncommitted_chunk_ids(self) -> set[str]:
        """Chunks a writer has put into the vector store but not committed (its record is still pending):
        readers must not use them. A replacement's old chunks stay readable until the new version is complete."""
        rows = self._rows(
            "SELECT p.chunk_ids, d.status, d.chunk_ids FROM pending p LEFT JOIN documents d "
            "ON d.collection = p.collection AND d.doc_id = p.doc_id WHERE p.collection=?",
            (self.collection,),
        )
        out: set[str] = set()
        for new_ids, status, old_ids in rows:
            committed = set(json.loads(old_ids or "[]")) if status == "complete" else set()
            out |= set(json.loads(new_ids)) - committed
        return out

    def drop_pending(self, doc_id: str) -> None:
        """Forget pending work; a document that was new (never complete) is forgotten entirely."""
        with self._write() as db:
            db.execute("DELETE FROM pending WHERE collection=? AND doc_id=?", (self.collection, doc_id))
            db.execute(
                "DELETE FROM documents WHERE collection=? AND doc_id=? AND status='pending'",
                (self.collection, doc_id),
            )

    # ---- embedding cache -------------------------------------------------------------------
    def cached_vectors(self, model: str, text_shas: Iterable[str]) -> dict[str, np.ndarray]:
        """Vectors already computed by ``model`` for these text hashes."""
        wanted = list(dict.fromkeys(text_shas))
        out: dict[str, np.ndarray] = {}
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            marks = ",".join("?" * len(part))
            for sha, blob in self._rows(
                f"SELECT text_sha, vector FROM embed_cache WHERE model=? AND text_sha IN ({marks})", (model, *part)
            ):
                out[sha] = np.frombuffer(blob, dtype=np.float32)
        return out

    def cache_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        if not vectors or self.read_only:
            return
        with self._write() as db:
            db.executemany(
                "INSERT OR REPLACE INTO embed_cache VALUES (?,?,?)",
                [(model, sha, np.asarray(v, dtype=np.float32).tobytes()) for sha, v in vectors.items()],
            )

    def prune_cache_keeping(self, live: set[str]) -> int:
        """Drop cached vectors whose text hash is not in ``live``; return how many (for shared records)."""
        with self._write() as db:
            db.execute("CREATE TEMP TABLE IF NOT EXISTS live (sha TEXT PRIMARY KEY)")
            db.execute("DELETE FROM live")
            db.executemany("INSERT OR IGNORE INTO live VALUES (?)", [(h,) for h in live])
            return db.execute("DELETE FROM embed_cache WHERE text_sha NOT IN (SELECT sha FROM live)").rowcount

    def prune_cache(self) -> int:
        """Drop cached vectors no indexed document (of any collection) uses any more; return how many."""
        with self._write() as db:
            db.execute("CREATE TEMP TABLE IF NOT EXISTS live (sha TEXT PRIMARY KEY)")
            db.execute("DELETE FROM live")
            for (hashes,) in db.execute("SELECT text_hashes FROM documents").fetchall():
                db.executemany("INSERT OR IGNORE INTO live VALUES (?)", [(h,) for h in json.loads(hashes or "[]")])
            cur = db.execute("DELETE FROM embed_cache WHERE text_sha NOT IN (SELECT sha FROM live)")
            return cur.rowcount
