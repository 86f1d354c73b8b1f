"""Incremental, all-or-nothing ingestion: files → parse → clauses → chunks → vectors → store + records.

- An unchanged file (same sha256 and metadata sources, same collection) costs one hash: no parsing, no
  embedding. The same bytes under another name are reported as a duplicate of the indexed document.
- A changed file's new chunks replace the old ones; chunk texts already embedded (by sha256 of the
  embedded text) come from the cache in the records file, so an edit re-embeds only what changed.
- Each document is all-or-nothing: a ``pending`` record is written first, then the chunks are upserted,
  then the old version's stale ids are deleted, then the record is completed. A writer that finds
  pending records (a crash) first undoes them: back to the old version while it is still whole, else
  the document is dropped and the next ingest of its file indexes it afresh.
- A failing file never stops the batch and never touches what is indexed.
- One writer at a time: ``home/write.lock``. Readers (``ask``) take no lock.
"""

from __future__ import annotations

import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from difflib import get_close_matches
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.core.errors import (
    ConfigError,
    DiskFullError,
    DocumentNotFoundError,
    IndexMismatchError,
    IngestError,
    StoreError,
    StoreInUseError,
)
from indexing.discovery import Target, discover, metadata_key
from indexing.diskspace import no_room_error
from indexing.prepare import Job, Prepared, prepare
from indexing.report import FileResult, IngestReport, Status

__all__ = ["FileResult", "IngestReport", "Ingestor", "Progress"]

if TYPE_CHECKING:
    from assistant.core.config import Settings
    from indexing.embeddings import Embedder
    from indexing.lexical import LexicalIndex
    from indexing.records import DocumentRecord, Records
    from indexing.store import VectorStore

Progress = Callable[[str, int, int], None]


class Ingestor:
    """Writes documents into a store and its records; see the module docstring for the guarantees."""

    lock_timeout_s = 2.0
    shared_wait_s = 60.0  # how long a replica waits for another replica's write to finish
    embed_batch = 512  # texts gathered across files before embedding: small files embed together
    embed_progress_step = 256  # texts per embedding call, so a long document still shows progress
    # Files parsed ahead of the embedder. Parsing them early, while the model loads and the first file
    # embeds, leaves torch both cores for the rest of the run; a parse worker running beside torch's two
    # threads slows them down. Bounded so a huge batch does not hold every parsed file in memory.
    parse_ahead = 16

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        store: VectorStore,
        records: Records,
        lexical: LexicalIndex,
    ) -> None:
        self.settings = settings
        self.embedder = embedder
        self.store = store
        self.records = records
        self.lexical = lexical
        self._done = 0  # files settled so far in the running ingest (for progress messages)

    # ---- locking and recovery ------------------------------------------------------------
    @contextmanager
    def writer(self) -> Iterator[None]:
        """Hold ``home/write.lock``; fail fast if another process writes, or if nothing can be written."""
        from filelock import FileLock, Timeout

        home = self.settings.home
        for part in (self.store, self.records):
            if part.write_block is not None:  # readable but not writable for a reason other than permissions
                raise part.write_block
        if self.store.read_only or self.records.read_only:
            raise StoreError(
                f"{home} is read-only: msra can read its index but not change it. Make the folder writable "
                "or point --home/MSRA_HOME at a writable folder"
            )
        lock = FileLock(str(home / "write.lock"), timeout=self.lock_timeout_s)
        try:
            lock.acquire()
        except Timeout:
            raise StoreInUseError(
                f"another msra process is writing to {home}; wait for it or use a Chroma server "
                "(MSRA_CHROMA_URL) so several processes can share the index"
            ) from None
        except OSError as exc:
            full = no_room_error(home, exc, f"taking the write lock in {home}")
            if full is not None:
                raise full from exc
            raise StoreError(f"cannot take the write lock in {home} ({exc}): make the folder writable") from exc
        try:
            lease = getattr(self.records, "lease", None)  # records shared by replicas: one writer among them
            if callable(lease):
                with lease(self.shared_wait_s):
                    yield
            else:
                yield
        finally:
            lock.release()

    def reconcile(self) -> list[str]:
        """Undo documents whose writing was interrupted; return their ids. Call while holding the lock."""
        undone = []
        for work in self.records.pending():
            self._undo(work.doc_id, work.chunk_ids, work.previous)
            undone.append(work.doc_id)
        return undone

    def _undo(self, doc_id: str, new_ids: Sequence[str], previous: DocumentRecord | None) -> None:
        old = set(previous.chunk_ids) if previous is not None else set()
        if old and not old & set(new_ids) and old <= self._doc_ids(doc_id):
            # The old version is intact (the writer stopped before deleting it): drop only what was added.
            self.store.delete(sorted(set(new_ids) - old))
            self.records.drop_pending(doc_id)
            return
        # A new document, or a replacement that got past deleting the old chunks: nothing whole is left,
        # so forget the document; the next ingest of the file indexes it afresh (cached vectors make it cheap).
        self.store.delete_document(doc_id)
        self.records.delete(doc_id)

    # ---- ingest --------------------------------------------------------------------------
    def ingest(
        self,
        paths: Sequence[Path | str],
        *,
        overrides: dict[str, Any] | None = None,
        manifest: Path | None = None,
        progress: Progress | None = None,
    ) -> IngestReport:
        """Index ``paths`` (files and folders). Never raises for a bad file: see ``report.failed``."""
        t0 = time.perf_counter()
        overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
        with self.writer():
            report = IngestReport(reconciled=self.reconcile())
            found = discover([Path(p) for p in paths], manifest)
            total = len(found.targets) + len(found.missing)
            results: dict[int, FileResult] = {}

            def done(i: int, result: FileResult) -> None:
                results[i] = result
                self._done = len(results)
                if progress:
                    progress(result.name, len(results), total)

            for j, miss in enumerate(found.missing, start=len(found.targets)):
                done(j, FileResult(path=str(miss.path), status="failed", error=miss.reason, fix=miss.fix))
            work = self._plan(found.targets, overrides, done)
            self._run(work, overrides, done, progress, total)
            report.files = [results[i] for i in sorted(results)]
            changed = report.reconciled or any(f.status in ("indexed", "replaced") for f in report.files)
            self._sync_lexical(force=bool(changed))
            if any(f.status == "replaced" for f in report.files):  # keep vectors a crashed run cached
                self.records.prune_cache()
        report.seconds = time.perf_counter() - t0
        return report

    def _plan(
        self, targets: list[Target], overrides: dict[str, Any], done: Callable[[int, FileResult], None]
    ) -> list[tuple[int, Target, str, str]]:
        """Hash every file; settle unchanged files and duplicates; return the rest to parse."""
        from indexing.metadata import sha256_file

        work: list[tuple[int, Target, str, str]] = []
        batch: dict[str, Path] = {}
        for i, target in enumerate(targets):
            t = time.perf_counter()
            try:
                sha = sha256_file(target.path)
                key = metadata_key(target.path, target.manifest_entry, overrides)
            except OSError as exc:
                done(i, FileResult.failed(target.path, "cannot read the file", f"check its permissions ({exc})", t))
                continue
            rec = self.records.find_by_path(target.path)
            if rec is not None and rec.sha256 == sha and rec.meta_key == key:
                done(i, FileResult.same(target.path, rec, None, t))
                continue
            if rec is None:
                twins = [r for r in self.records.find_by_sha(sha) if r.path != str(target.path)]
                if twins:
                    note = f"same content as {twins[0].source} (already indexed as {twins[0].doc_id})"
                    done(i, FileResult.same(target.path, twins[0], note, t))
                    continue
                if sha in batch and batch[sha] != target.path:
                    note = f"same content as {batch[sha].name} in this batch"
                    done(i, FileResult(path=str(target.path), status="unchanged", note=note))
                    continue
            batch.setdefault(sha, target.path)
            work.append((i, target, sha, key))
        return work

    def _run(
        self,
        work: list[tuple[int, Target, str, str]],
        overrides: dict[str, Any],
        done: Callable[[int, FileResult], None],
        progress: Progress | None,
        total: int,
    ) -> None:
        """Parse in worker processes (a few files ahead) while embedding and writing in this one."""
        from indexing.worker import parse_in_worker

        # Each parse is a fresh child process, mostly start-up time: a few at once keep the embedder fed.
        workers = max(2, min(4, os.cpu_count() or 1))
        loading = self._start_warm_up() if work else None
        queue: deque[tuple[int, Target, str, str, float, Future[Any]]] = deque()
        todo = iter(work)
        ready: list[Prepared] = []
        claimed: dict[str, Path] = {}
        broken: StoreError | None = None

        with ThreadPoolExecutor(workers, thread_name_prefix="msra-parse") as pool:

            def refill() -> None:
                while len(queue) < self.parse_ahead:
                    item = next(todo, None)
                    if item is None:
                        return
                    i, target, sha, key = item
                    fut = pool.submit(parse_in_worker, target.path, self.settings)
                    queue.append((i, target, sha, key, time.perf_counter(), fut))

            refill()
            while queue:
                i, target, sha, key, started, fut = queue.popleft()
                refill()
                if broken is not None:
                    fut.cancel()
                    done(
                        i,
                        FileResult.failed(target.path, f"not indexed: {broken}", "fix the index, then re-run", started),
                    )
                    continue
                prepared = self._prepare(Job(i, target, sha, key, started), fut, claimed, overrides, done)
                if prepared is None:
                    continue
                claimed[prepared.meta.doc_id] = target.path
                ready.append(prepared)
                # Embed now if the batch is full, or if the next file is still being parsed (and the model
                # has loaded): the embedder works while the parsers do, and finished documents are committed
                # as they come.
                waiting = bool(queue) and not queue[0][5].done() and not (loading and loading.is_alive())
                if waiting or sum(len(p.texts) for p in ready) >= self.embed_batch:
                    broken = self._flush(ready, done, progress, total)
                    ready = []
            if ready and broken is None:
                self._flush(ready, done, progress, total)

    def _start_warm_up(self) -> threading.Thread | None:
        """Load the model in a thread: importing torch and loading take seconds, so files parse meanwhile."""
        # the bulk (torch) model when the embedder has two: a LightEmbedder's warm_up readies only ONNX Runtime
        warm_up = getattr(self.embedder, "warm_up_bulk", None) or self.embedder.warm_up
        # a failure here is raised again, with its message, by the first embed call
        loading = threading.Thread(target=_quietly, args=(warm_up,), name="msra-warm-up", daemon=True)
        loading.start()
        return loading

    def _prepare(
        self,
        job: Job,
        fut: Future[Any],
        claimed: dict[str, Path],
        overrides: dict[str, Any],
        done: Callable[[int, FileResult], None],
    ) -> Prepared | None:
        """Chunk one parsed file; a failure concerning this file only is reported through ``done`` (None)."""
        path, started = job.target.path, job.started
        try:
            return prepare(
                job, fut.result(), claimed, overrides=overrides, settings=self.settings, store=self.store,
                records=self.records,
            )  # fmt: skip
        except IngestError as exc:
            done(job.index, FileResult.failed(path, exc.reason, exc.fix, started))
        except ConfigError as exc:  # a malformed sidecar or override concerns this file only
            done(job.index, FileResult.failed(path, str(exc), "fix its metadata and re-run", started))
        except StoreError:
            raise
        except Exception as exc:  # a parser bug must not stop the batch
            reason = f"unexpected {type(exc).__name__}: {exc}"
            done(job.index, FileResult.failed(path, reason, "report this file to the msra maintainers", started))
        return None

    def _flush(
        self, ready: list[Prepared], done: Callable[[int, FileResult], None], progress: Progress | None, total: int
    ) -> StoreError | None:
        """Embed what the cache lacks for ``ready`` in one call, then write each document."""
        model = self.embedder.name  # not .dimension: that would load the model even when all is cached
        texts: dict[str, str] = {}
        for p in ready:
            texts.update(zip(p.hashes, p.texts, strict=True))
        vectors = self.records.cached_vectors(model, texts)
        missing = [h for h in texts if h not in vectors]
        if missing:
            try:
                fresh = self._embed([texts[h] for h in missing], progress, total)
            except ConfigError:
                raise
            except Exception as exc:
                for p in ready:
                    done(
                        p.index,
                        FileResult.failed(p.target.path, f"embedding failed: {exc}", "re-run ingest", p.started),
                    )
                return None
            new = dict(zip(missing, fresh, strict=True))
            self.records.cache_vectors(model, new)
            vectors.update(new)
        dims = {len(v) for v in vectors.values()}
        if len(dims) > 1:
            raise IndexMismatchError(
                f"the embedder {model!r} made {sorted(dims)[-1]}-dimensional vectors but vectors cached under that "
                f"name have {sorted(dims)[0]}: another model now has its name. Use the model the index was built "
                "with (MSRA_EMBEDDING_MODEL) or ingest into a new --home."
            )
        if dims:
            self.store.check_dimension(dims.pop())  # another model under the same name: stop everything
        for n, p in enumerate(ready):
            try:
                self._commit(p, np.stack([vectors[h] for h in p.hashes]))
            except (IndexMismatchError, DiskFullError):  # no room: the rest of the batch cannot be written either
                raise
            except StoreError as exc:
                for q in ready[n:]:
                    reason = f"not indexed: {exc}"
                    done(q.index, FileResult.failed(q.target.path, reason, "fix the index, re-run", q.started))
                return exc
            fresh_count = sum(h in missing for h in set(p.hashes))
            status: Status = "replaced" if p.previous is not None else "indexed"
            done(
                p.index,
                FileResult(
                    path=str(p.target.path), doc_id=p.meta.doc_id, status=status, pages=p.meta.pages,
                    chunks=len(p.chunks), embedded=fresh_count, seconds=time.perf_counter() - p.started,
                ),
            )  # fmt: skip
        return None

    def _embed(self, texts: list[str], progress: Progress | None, total: int) -> np.ndarray:
        """Embed in steps of ``embed_progress_step`` texts, reporting each step."""
        parts = []
        step = self.embed_progress_step
        for start in range(0, len(texts), step):
            if progress:
                end = min(start + step, len(texts))
                progress(f"embedding chunks {start + 1}-{end} of {len(texts)}", self._done, total)
            parts.append(self.embedder.embed_documents(texts[start : start + step]))
        return np.asarray(np.concatenate(parts), dtype=np.float32)

    def _commit(self, p: Prepared, vecs: np.ndarray) -> None:
        """pending → upsert → delete stale → complete; on a store failure undo what can be undone."""
        ids = [c.chunk_id for c in p.chunks]
        self.records.begin(p.meta, ids)
        try:
            self.store.upsert(p.chunks, vecs)
            keep = set(ids)
            stale = self._doc_ids(p.meta.doc_id) - keep
            if p.previous is not None:
                stale |= set(p.previous.chunk_ids) - keep
            if stale:
                self.store.delete(sorted(stale))
            self.records.complete(p.meta, ids, text_hashes=p.hashes, meta_key=p.key)
        except StoreError:
            with suppress(StoreError):  # if undo fails too, the pending record lets the next run finish it
                self._undo(p.meta.doc_id, ids, p.previous)
            raise

    def _doc_ids(self, doc_id: str) -> set[str]:
        """Ids the store holds for ``doc_id`` (catches leftovers no record knows about)."""
        return self.store.ids({"doc_id": doc_id})

    # ---- removal and lexical sync --------------------------------------------------------
    def remove(self, doc_id: str) -> int:
        """Remove a document's chunks and record; return how many chunks were deleted."""
        with self.writer():
            reconciled = self.reconcile()
            rec = self.records.get(doc_id)
            n = self.store.delete_document(doc_id)
            if rec is None and n == 0:
                if reconciled:
                    self._sync_lexical(force=True)
                known = [r.doc_id for r in self.records.documents()]
                close = get_close_matches(doc_id, known, n=3)
                hint = f" Did you mean {', '.join(close)}?" if close else ""
                raise DocumentNotFoundError(
                    f"no indexed document has the id {doc_id!r}.{hint} `msra corpus list` shows the ids."
                )
            self.records.delete(doc_id)
            self._sync_lexical(force=True)
            self.records.prune_cache()
            return n

    def _sync_lexical(self, *, force: bool) -> None:
        """Rebuild BM25 from the store after a change, or when it disagrees with the store."""
        if not force:
            try:
                force = self.lexical.count() != self.store.count()
            except Exception:  # an unreadable lexical index is rebuilt, not reported
                force = True
        if force:  # only chunks the keyword index lacks are read back and tokenised
            self.lexical.sync(sorted(self.store.ids()), self.store.get)


def _quietly(fn: Callable[[], object]) -> None:
    with suppress(Exception):
        fn()
