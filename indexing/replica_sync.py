"""Keeping a replica's keyword index in step with records shared through the Chroma server (issue 17).

Each replica keeps its own BM25 index under its ``MSRA_HOME``. Before it answers, it compares the shared
change log's generation (:meth:`ChromaRecordStore.generation`, one cheap call, made at most once per
``interval_s``) with the generation its index was last synced at; if another replica ingested or removed
something meanwhile, the index syncs to the chunks of the committed documents, reading and tokenising only
the chunks it lacks. A replica started on an empty home builds its index this way on its first question.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from indexing.lexical import LexicalIndex
    from indexing.shared_records import ChromaRecordStore
    from indexing.store import VectorStore


class ReplicaSync:
    def __init__(
        self, records: ChromaRecordStore, store: VectorStore, lexical: LexicalIndex, interval_s: float = 1.0
    ) -> None:
        self.records = records
        self.store = store
        self.lexical = lexical
        self.interval_s = interval_s
        self.seen: int | None = None
        self._checked = 0.0
        self._lock = threading.Lock()

    def check(self) -> bool:
        """Sync the keyword index if the shared records changed; return whether it synced."""
        if time.monotonic() - self._checked < self.interval_s:
            return False
        with self._lock:
            if time.monotonic() - self._checked < self.interval_s:
                return False
            gen = self.records.generation()
            synced = False
            if gen != self.seen:
                # fresh: read at or after ``gen``, never the list cached before it
                ids = sorted({cid for rec in self.records.documents(fresh=True) for cid in rec.chunk_ids})
                self.lexical.sync(ids, self.store.get)
                self.seen, synced = gen, True
            self._checked = time.monotonic()
            return synced

    def mark_synced(self) -> None:
        """After this replica's own write: check again on the next question."""
        self._checked = 0.0
