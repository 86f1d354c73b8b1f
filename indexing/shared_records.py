"""Document records in the Chroma server, so replicas of msra share them (issue 17).

With ``MSRA_CHROMA_URL`` set, several msra processes (web replicas behind a proxy, each with its own
``MSRA_HOME``) use one ``chroma run`` server. The chunks were always shared; the document records (id, title,
version, status, hashes, chunk ids) and the pending marks of interrupted writes now live beside them, in the
collection ``<chunks collection>-records``: one item per document (``doc:<id>``), one per pending write
(``pending:<id>``) and the writers' lease (``lease``). The vectors there are a constant placeholder.

- **Change log.** Every commit or removal adds one item to ``<chunks collection>-changes``; its count is the
  generation that replicas compare to know their keyword index is stale (see :mod:`indexing.replica_sync`).
- **One writer at a time across replicas.** Chroma has no transactions, but ``add`` keeps the first item
  of an id and ignores later ones: the lease is taken by adding it and reading back who holds it. A lease
  is renewed while held and expires after ``LEASE_S`` if its holder died (at once if the holder was a
  process on this machine that no longer runs).
- The embedding cache stays in the local ``records.sqlite3`` (a cache needs no sharing).
"""

from __future__ import annotations

import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from assistant.core.errors import StoreInUseError
from assistant.core.types import DocumentMeta
from indexing.records import DocumentRecord, PendingWork, RecordStore, now_iso
from indexing.store_guard import _guard

LEASE_S = 120.0
CACHE_S = 1.0  # how stale this replica's list of documents may be
_PLACEHOLDER = [1.0]


def _alive(owner: str) -> bool:
    """False when ``owner`` (host:pid:nonce) is a process of this host that no longer runs (killed mid-write)."""
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's: only the lease's expiry tells
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ChromaRecordStore:
    """The ``RecordStore`` interface over collections of a Chroma server."""

    read_only = False
    write_block = None

    def __init__(self, client: Any, collection: str, local: RecordStore, *, location: str, timeout_s: float) -> None:
        self.collection = collection
        self.local = local  # the embedding cache
        self.path = local.path
        self.location = location
        self.timeout_s = timeout_s
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._cache: tuple[int, float, list[DocumentRecord]] | None = None  # (generation, checked at, documents)
        with self._guard("opening the shared document records"):
            self._items = client.get_or_create_collection(
                f"{collection}-records", embedding_function=None, metadata={"msra": "records"}
            )
            self._changes = client.get_or_create_collection(
                f"{collection}-changes", embedding_function=None, metadata={"msra": "changes"}
            )
            if self._items.count() == 0:
                self._adopt_local()

    def _adopt_local(self) -> None:
        """An index built before the records moved to the server keeps them in the local SQLite file: copy them
        up once, so its documents stay listed (several replicas doing it at once write the same items)."""
        for rec in self.local.documents():
            self._put(rec)
        if self.local.documents():
            self._changed("*", "adopt")

    def _guard(self, action: str) -> AbstractContextManager[None]:
        return _guard(self.location, action, timeout_s=self.timeout_s)

    def close(self) -> None:
        self.local.close()

    # ---- reading ------------------------------------------------------------------------------
    def _docs(self, where: dict[str, Any]) -> list[DocumentRecord]:
        with self._guard("reading the shared document records"):
            res = self._items.get(where=where, include=["documents"])
        return [DocumentRecord.model_validate_json(d) for d in res.get("documents") or [] if d]

    def documents(self, *, fresh: bool = False) -> list[DocumentRecord]:  # fresh: past the replica cache
        """Complete documents by id. Several steps of one answer ask for them, so the list is kept while the
        change log's generation is unchanged (checked at most once per ``CACHE_S``; every time if ``fresh``)."""
        now = time.monotonic()
        cached = self._cache
        if cached is not None and now - cached[1] < CACHE_S and not fresh:
            return list(cached[2])
        gen = self.generation()
        if cached is None or cached[0] != gen:
            docs = sorted(self._docs({"$and": [{"kind": "doc"}, {"status": "complete"}]}), key=lambda r: r.doc_id)
        else:
            docs = cached[2]
        self._cache = (gen, now, docs)
        return list(docs)

    def get(self, doc_id: str) -> DocumentRecord | None:
        with self._guard("reading the shared document records"):
            res = self._items.get(ids=[f"doc:{doc_id}"], include=["documents"])
        docs = res.get("documents") or []
        return DocumentRecord.model_validate_json(docs[0]) if docs and docs[0] else None

    def find_by_path(self, path: Path | str) -> DocumentRecord | None:
        from pathlib import Path

        want = str(Path(path).resolve())
        found = self._docs({"$and": [{"kind": "doc"}, {"status": "complete"}, {"path": want}]})
        return found[0] if found else None

    def find_by_sha(self, sha256: str) -> list[DocumentRecord]:
        return self._docs({"$and": [{"kind": "doc"}, {"status": "complete"}, {"sha256": sha256}]})

    def pending(self) -> list[PendingWork]:
        with self._guard("reading the shared document records"):
            res = self._items.get(where={"kind": "pending"}, include=["documents"])
        out = []
        for doc in res.get("documents") or []:
            data = json.loads(doc)
            prev = self.get(data["doc_id"])
            previous = prev if prev is not None and prev.status == "complete" else None
            out.append(PendingWork(previous=previous, **data))
        return sorted(out, key=lambda w: w.doc_id)

    def uncommitted_chunk_ids(self) -> set[str]:
        out: set[str] = set()
        for work in self.pending():
            committed = set(work.previous.chunk_ids) if work.previous is not None else set()
            out |= set(work.chunk_ids) - committed
        return out

    def generation(self) -> int:
        """How many changes the records have seen: a replica whose keyword index saw fewer must sync."""
        with self._guard("reading the shared change log"):
            return int(self._changes.count())

    # ---- writing ------------------------------------------------------------------------------
    def _put(self, rec: DocumentRecord, *, add_only: bool = False) -> None:
        meta = {"kind": "doc", "doc_id": rec.doc_id, "status": rec.status, "path": rec.path, "sha256": rec.sha256}
        write = self._items.add if add_only else self._items.upsert
        write(ids=[f"doc:{rec.doc_id}"], embeddings=[_PLACEHOLDER], documents=[rec.model_dump_json()], metadatas=[meta])

    def _changed(self, doc_id: str, op: str) -> None:
        self._cache = None  # this replica's own change shows at once
        self._changes.add(
            ids=[uuid.uuid4().hex], embeddings=[_PLACEHOLDER], metadatas=[{"doc_id": doc_id, "op": op, "at": now_iso()}]
        )

    def begin(self, meta: DocumentMeta, chunk_ids: Sequence[str] = ()) -> None:
        work = {"doc_id": meta.doc_id, "chunk_ids": list(chunk_ids), "started_at": now_iso()}
        with self._guard("writing the shared document records"):
            self._items.upsert(
                ids=[f"pending:{meta.doc_id}"],
                embeddings=[_PLACEHOLDER],
                documents=[json.dumps(work)],
                metadatas=[{"kind": "pending", "doc_id": meta.doc_id}],
            )
            if self.get(meta.doc_id) is None:  # a replaced document keeps its complete record until the end
                rec = DocumentRecord(
                    doc_id=meta.doc_id, title=meta.title, kind=meta.kind, jurisdiction=meta.jurisdiction,
                    language=meta.language, source=meta.source, path=meta.path, sha256=meta.sha256,
                    pages=meta.pages, indexed_at=now_iso(), status="pending", meta=meta.model_dump(mode="json"),
                )  # fmt: skip
                self._put(rec, add_only=True)

    def complete(
        self, meta: DocumentMeta, chunk_ids: Sequence[str], *, text_hashes: Sequence[str] = (), meta_key: str = ""
    ) -> DocumentRecord:
        rec = DocumentRecord.completed(meta, chunk_ids, text_hashes=text_hashes, meta_key=meta_key)
        with self._guard("writing the shared document records"):
            self._put(rec)
            self._items.delete(ids=[f"pending:{meta.doc_id}"])
            self._changed(meta.doc_id, "complete")
        return rec

    def delete(self, doc_id: str) -> None:
        with self._guard("writing the shared document records"):
            self._items.delete(ids=[f"doc:{doc_id}", f"pending:{doc_id}"])
            self._changed(doc_id, "delete")

    def drop_pending(self, doc_id: str) -> None:
        rec = self.get(doc_id)
        with self._guard("writing the shared document records"):
            self._items.delete(ids=[f"pending:{doc_id}"])
            if rec is not None and rec.status == "pending":
                self._items.delete(ids=[f"doc:{doc_id}"])
            self._changed(doc_id, "undo")

    # ---- the writers' lease ---------------------------------------------------------------------
    def _holder(self) -> tuple[str, float] | None:
        res = self._items.get(ids=["lease"], include=["metadatas"])
        metas = res.get("metadatas") or []
        if not metas:
            return None
        return str(metas[0]["owner"]), float(metas[0]["expires"])

    def _take(self) -> bool:
        held = self._holder()
        if held is not None and held[0] != self.owner and held[1] > time.time() and _alive(held[0]):
            return False
        if held is not None and held[0] != self.owner:  # expired, or its holder died
            self._items.delete(ids=["lease"])
        meta = {"kind": "lease", "owner": self.owner, "expires": time.time() + LEASE_S}
        self._items.add(ids=["lease"], embeddings=[_PLACEHOLDER], metadatas=[meta])  # the first add wins
        held = self._holder()
        return held is not None and held[0] == self.owner

    @contextmanager
    def lease(self, wait_s: float) -> Iterator[None]:
        """Hold the one writer lease of all replicas; wait up to ``wait_s`` for it."""
        deadline = time.monotonic() + wait_s
        with self._guard("taking the shared writer lease"):
            while not self._take():
                if time.monotonic() > deadline:
                    raise StoreInUseError(
                        f"another msra replica is writing to the index at {self.location}; wait for it and "
                        "try again (only one replica writes at a time)"
                    )
                time.sleep(0.2)
        stop = threading.Event()
        renew = threading.Thread(target=self._renew, args=(stop,), name="msra-lease", daemon=True)
        renew.start()
        try:
            yield
        finally:
            stop.set()
            renew.join(5)
            with self._guard("releasing the shared writer lease"):
                held = self._holder()
                if held is not None and held[0] == self.owner:
                    self._items.delete(ids=["lease"])

    def _renew(self, stop: threading.Event) -> None:
        while not stop.wait(LEASE_S / 4):
            meta = {"kind": "lease", "owner": self.owner, "expires": time.time() + LEASE_S}
            try:
                self._items.update(ids=["lease"], metadatas=[meta])
            except Exception:  # a failed renewal is retried; the lease lasts LEASE_S meanwhile
                continue

    # ---- the embedding cache stays local ------------------------------------------------------
    def cached_vectors(self, model: str, text_shas: Iterable[str]) -> dict[str, np.ndarray]:
        return self.local.cached_vectors(model, text_shas)

    def cache_vectors(self, model: str, vectors: dict[str, np.ndarray]) -> None:
        self.local.cache_vectors(model, vectors)

    def prune_cache(self) -> int:
        live = {h for r in self.documents() for h in r.text_hashes}
        return self.local.prune_cache_keeping(live)
