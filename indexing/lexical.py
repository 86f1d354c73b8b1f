"""The BM25 lexical index (bm25s), persisted beside the vector store.

Layout of ``folder``: ``CURRENT`` names the live generation folder ``gen-<id>/`` holding the bm25s
arrays, ``meta.jsonl`` (one line of chunk metadata per chunk, no text), ``texts.jsonl`` and
``offsets.npy`` (byte offsets of each text line, so a search reads only the texts it returns), and each
chunk's token ids (``tokens.npy``, ``token_offsets.npy``, ``vocab.json``) and clause keys
(``refkeys.jsonl``), so that ``sync`` after an ingest tokenises and parses only the new chunks.
``rebuild`` writes a new generation and then swaps ``CURRENT`` with ``os.replace``: a reader sees the
old index or the new one, never half of one.

Tokens: see :mod:`assistant.core.tokens`. For Chinese, jieba words beat character bigrams on the 22 Chinese
questions of evaluation/gold/dev_shared.jsonl over the three Chinese laws (BM25 alone, expected article
retrieved: recall@1 jieba 0.955, bigrams 0.864; recall@5 1.0 both), so jieba is the default (``cjk=``
chooses; the choice is saved with the index so searches tokenise the way the index was built).

Memory: the bm25s arrays are memory-mapped once the index holds more than 20,000 chunks, so processes on
one machine share them through the page cache; texts stay on disk and are read per hit. Chunk metadata stays
in memory as dicts: loading a 100,000-chunk index adds 227-229 MB to a process's RSS
(benchmarks/RESULTS.md, ``lexical_rss_mb``), linear in chunks. Every msra process that answers questions
(CLI, web app) holds that much per 100k chunks beside the Chroma client or server; to serve millions of
chunks, move the metadata columns into numpy arrays or search with the server's own full-text index.
"""

from __future__ import annotations

import json
import logging
import mmap
import os
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.core.errors import StoreError
from assistant.core.references import chunk_keys
from assistant.core.tokens import TOKENIZER_VERSION, tokenize
from assistant.core.types import Chunk
from indexing.chunking import index_text as chunking_index_text
from indexing.diskspace import no_room_error
from indexing.query_tokens import query_tokens
from indexing.store import Where, matches

log = logging.getLogger(__name__)
_WARNED: set[Path] = set()
MMAP_ABOVE = 20_000
READ = mmap.ACCESS_READ


def _tokenizer_id(cjk: str) -> str:
    """What the ``tokenizer`` file of a generation says: the Chinese splitting and the tokeniser's version."""
    return f"{cjk}/v{TOKENIZER_VERSION}"


def _search_cjk(base: Path, saved: str) -> str:
    """The Chinese splitting to search ``base`` with; warns once when the generation predates the tokeniser."""
    cjk, _, version = saved.partition("/v")
    if version != TOKENIZER_VERSION and base not in _WARNED:
        _WARNED.add(base)
        log.warning(
            "the keyword index %s was built by an older tokeniser (%s); keyword search is weaker until "
            "`msra reindex` or the next `msra ingest` rebuilds it",
            base.parent.name,
            saved,
        )
    return cjk


def _ref_keys(meta: dict[str, Any]) -> list[str]:
    """The canonical clause keys a chunk answers to, from its metadata."""
    aliases = [a for a in str(meta.get("aliases") or "").split("|") if a]
    return sorted(chunk_keys(aliases, str(meta.get("clause", ""))))


@dataclass
class _Saved:
    """A generation on disk, as :meth:`LexicalIndex.sync` reuses it."""

    base: Path
    meta_lines: list[str]
    ref_lines: list[str] | None
    chunk_ids: list[str]
    text_offsets: np.ndarray
    tokens: np.ndarray  # token ids of every chunk, end to end; chunk i is tokens[token_offsets[i]:token_offsets[i+1]]
    token_offsets: np.ndarray
    vocab: list[str]


def index_text(chunk: Chunk) -> str:
    """What BM25 indexes for a chunk: the chunking module's index text (title, clause path, aliases, text)."""
    return chunking_index_text(chunk)


def _copy_kept(
    old: _Saved, kept: list[int], files: tuple[Any, Any, Any], rows: list[np.ndarray], offsets: list[int]
) -> None:
    """Copy ``old``'s rows ``kept`` (metadata, clause keys, text and token ids) into the new generation's files."""
    fm, fr, ft = files
    with (old.base / "texts.jsonl").open("rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as m:
        ends = [*old.text_offsets[1:].tolist(), len(m)]
        for i in kept:
            fm.write(old.meta_lines[i])
            if old.ref_lines is not None:
                fr.write(old.ref_lines[i])
            else:
                fr.write(json.dumps(_ref_keys(json.loads(old.meta_lines[i])), ensure_ascii=False) + "\n")
            offsets.append(ft.tell())
            ft.write(m[int(old.text_offsets[i]) : ends[i]])
            rows.append(old.tokens[old.token_offsets[i] : old.token_offsets[i + 1]])


def _write_bm25(tmp: Path, rows: list[np.ndarray], words: list[str]) -> None:
    """Token ids, vocabulary and the bm25s arrays of a new generation in ``tmp``.

    The tokens still in use are renumbered, so removed documents do not leave their words behind.
    """
    import bm25s
    from bm25s.tokenization import Tokenized

    flat = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int32)
    used, renumbered = np.unique(flat, return_inverse=True)
    renumbered = renumbered.astype(np.int32)
    bounds = np.cumsum([0, *(len(r) for r in rows)]).astype(np.int64)
    new_vocab = [words[u] for u in used.tolist()]
    np.save(tmp / "tokens.npy", renumbered)
    np.save(tmp / "token_offsets.npy", bounds)
    (tmp / "vocab.json").write_text(json.dumps(new_vocab, ensure_ascii=False), encoding="utf-8")
    if rows:
        ids = [renumbered[bounds[i] : bounds[i + 1]].tolist() for i in range(len(rows))]
        bm25 = bm25s.BM25()
        bm25.index(Tokenized(ids=ids, vocab={t: i for i, t in enumerate(new_vocab)}), show_progress=False)
        bm25.save(str(tmp / "bm25"), show_progress=False)
    (tmp / "count").write_text(str(len(rows)))


class LexicalIndex:
    """BM25 over chunks, persisted in ``folder``; loaded lazily on first search."""

    def __init__(self, folder: Path, *, cjk: str = "jieba") -> None:
        self.folder = Path(folder)
        self.cjk = cjk  # for rebuilds; a search uses the tokeniser its generation was built with
        self._search_cjk = cjk
        self._lock = threading.Lock()
        self._gen: str | None = None
        self._bm25: Any = None
        self._meta: list[dict[str, Any]] = []
        self._offsets: np.ndarray | None = None
        self._keys: dict[str, list[int]] | None = None
        self._docs: dict[str, str] | None = None
        self._mask_cache: dict[str, np.ndarray] = {}

    # ---- writing -------------------------------------------------------------------------
    def rebuild(self, chunks: Iterable[Chunk]) -> None:
        """Replace the whole index with ``chunks`` (atomically, see the module docstring).

        If it cannot be written (a full disk), the previous generation stays in place and the error says so;
        the next ingest sees the index disagree with the store and rebuilds it.
        """
        self._guarded(lambda: self._write(chunks, None, []))

    def sync(self, chunk_ids: Iterable[str], fetch: Callable[[list[str]], Iterable[Chunk]]) -> int:
        """Make the index hold exactly ``chunk_ids``; return how many chunks had to be read and tokenised.

        Chunks the current generation already holds keep their tokens, metadata and text (chunk ids are
        derived from content, so an id names the same text): after one file changes among 100k chunks,
        only that file's chunks are fetched with ``fetch`` and tokenised. A generation written before
        tokens were saved, or with another Chinese tokeniser, is rebuilt from ``fetch`` in full.
        """
        wanted = list(dict.fromkeys(chunk_ids))
        old = self._saved_generation()
        if old is None:
            self.rebuild(fetch(wanted))
            return len(wanted)
        where = {cid: i for i, cid in enumerate(old.chunk_ids)}
        kept = [where[c] for c in wanted if c in where]
        new = [c for c in wanted if c not in where]
        if not new and len(kept) == len(old.chunk_ids):
            return 0
        self._guarded(lambda: self._write(fetch(new) if new else (), old, kept))
        return len(new)

    def _guarded(self, write: Callable[[], None]) -> None:
        try:
            write()
        except OSError as exc:
            action = "updating the keyword index (keyword search uses the previous one meanwhile)"
            full = no_room_error(self.folder, exc, action)
            if full is not None:
                raise full from exc
            raise StoreError(
                f"updating the keyword index in {self.folder} failed ({exc}); keyword search still uses the "
                "previous index. Check the folder's permissions, then run `msra ingest` again"
            ) from exc

    def _saved_generation(self) -> _Saved | None:
        gen = self._current()
        if gen is None:
            return None
        base = self.folder / gen
        try:
            if (base / "tokenizer").read_text().strip() != _tokenizer_id(self.cjk) or not (
                base / "tokens.npy"
            ).is_file():
                return None
            lines = (base / "meta.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
            refs = base / "refkeys.jsonl"
            return _Saved(
                base=base,
                meta_lines=lines,
                ref_lines=refs.read_text(encoding="utf-8").splitlines(keepends=True) if refs.is_file() else None,
                chunk_ids=[json.loads(line)["chunk_id"] for line in lines],
                text_offsets=np.load(base / "offsets.npy"),
                tokens=np.load(base / "tokens.npy"),
                token_offsets=np.load(base / "token_offsets.npy"),
                vocab=json.loads((base / "vocab.json").read_text(encoding="utf-8")),
            )
        except (OSError, ValueError, KeyError):
            return None  # unreadable: rebuild from the store instead

    def _write(self, chunks: Iterable[Chunk], old: _Saved | None, kept: list[int]) -> None:
        """Write a new generation of ``old``'s rows ``kept`` followed by ``chunks``, then make it current."""
        self.folder.mkdir(parents=True, exist_ok=True)
        gen = f"gen-{uuid.uuid4().hex[:12]}"
        tmp = self.folder / f".{gen}.tmp"
        tmp.mkdir()
        vocab: dict[str, int] = {t: i for i, t in enumerate(old.vocab)} if old else {}
        rows: list[np.ndarray] = []
        offsets: list[int] = []
        try:
            with (
                (tmp / "meta.jsonl").open("w", encoding="utf-8") as fm,
                (tmp / "refkeys.jsonl").open("w", encoding="utf-8") as fr,
                (tmp / "texts.jsonl").open("wb") as ft,
            ):
                if old is not None and kept:
                    _copy_kept(old, kept, (fm, fr, ft), rows, offsets)
                for chunk in chunks:
                    toks = tokenize(index_text(chunk), cjk=self.cjk)
                    rows.append(np.asarray([vocab.setdefault(t, len(vocab)) for t in toks], dtype=np.int32))
                    meta = chunk.metadata()
                    meta["chunk_id"] = chunk.chunk_id
                    fm.write(json.dumps(meta, ensure_ascii=False) + "\n")
                    fr.write(json.dumps(_ref_keys(meta), ensure_ascii=False) + "\n")
                    offsets.append(ft.tell())
                    ft.write(json.dumps(chunk.text, ensure_ascii=False).encode("utf-8") + b"\n")
            np.save(tmp / "offsets.npy", np.asarray(offsets, dtype=np.int64))
            _write_bm25(tmp, rows, list(vocab))
            (tmp / "tokenizer").write_text(_tokenizer_id(self.cjk))
            os.replace(tmp, self.folder / gen)
            pointer = self.folder / f".CURRENT.{gen}"
            pointer.write_text(gen)
            os.replace(pointer, self.folder / "CURRENT")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        for stale in self.folder.glob("gen-*"):
            if stale.name != gen:  # readers that still map an old generation keep their open files (POSIX)
                shutil.rmtree(stale, ignore_errors=True)
        with self._lock:
            self._gen = None  # reload on next use

    # ---- reading -------------------------------------------------------------------------
    def _current(self) -> str | None:
        try:
            return (self.folder / "CURRENT").read_text().strip() or None
        except FileNotFoundError:
            return None

    def _load(self) -> bool:
        gen = self._current()
        if gen is None:
            return False
        if gen == self._gen:
            return True
        with self._lock:
            if gen == self._gen:
                return True
            base = self.folder / gen
            try:
                n = int((base / "count").read_text())
                tok_file = base / "tokenizer"
                search_cjk = _search_cjk(base, tok_file.read_text().strip() if tok_file.is_file() else "bigram")
                meta = [json.loads(line) for line in (base / "meta.jsonl").open(encoding="utf-8")]
                offsets = np.load(base / "offsets.npy")
                bm25 = None
                if n:
                    import bm25s

                    bm25 = bm25s.BM25.load(str(base / "bm25"), mmap=n > MMAP_ABOVE, show_progress=False)
            except (OSError, ValueError) as exc:
                raise StoreError(
                    f"lexical index {base} is unreadable ({exc}). Run `msra reindex` to rebuild it."
                ) from exc
            self._bm25, self._meta, self._offsets = bm25, meta, offsets
            self._search_cjk = search_cjk
            self._keys, self._docs, self._mask_cache = None, None, {}
            self._gen = gen
        return True

    def count(self) -> int:
        return len(self._meta) if self._load() else 0

    def chunk(self, i: int) -> Chunk:
        """The i-th indexed chunk, its text read from disk."""
        assert self._offsets is not None
        with (self.folder / str(self._gen) / "texts.jsonl").open("rb") as f:
            f.seek(int(self._offsets[i]))
            text = json.loads(f.readline())
        meta = self._meta[i]
        return Chunk.from_metadata(meta["chunk_id"], text, meta)

    def _mask(self, where: Where) -> np.ndarray:
        key = json.dumps(where, sort_keys=True)
        mask = self._mask_cache.get(key)
        if mask is None:
            mask = np.fromiter((matches(m, where) for m in self._meta), dtype=bool, count=len(self._meta))
            if len(self._mask_cache) > 32:
                self._mask_cache.clear()
            self._mask_cache[key] = mask
        return mask

    def search(self, query: str, k: int, where: Where | None = None) -> list[tuple[Chunk, float]]:
        """Top ``k`` chunks by BM25 score (> 0) among those matching ``where``."""
        if not self._load() or self._bm25 is None or k <= 0:
            return []
        vocab = self._bm25.vocab_dict
        # memoised for the glossary's Chinese terms: loading jieba costs a cold process about a second
        toks = [t for t in query_tokens(self.folder, query, self._search_cjk) if t in vocab]
        if not toks:
            return []
        scores = np.asarray(self._bm25.get_scores(toks), dtype=np.float32)
        if where:
            scores = np.where(self._mask(where), scores, 0.0)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.chunk(int(i)), float(scores[i])) for i in top if scores[i] > 0]

    # ---- clause references and documents -----------------------------------------------
    def reference_index(self) -> dict[str, list[int]]:
        """Canonical clause key (see :mod:`assistant.core.references`) → positions of the chunks answering to it."""
        if not self._load():
            return {}
        if self._keys is None:
            keys: dict[str, list[int]] = {}
            saved = self.folder / str(self._gen) / "refkeys.jsonl"
            if saved.is_file():  # parsed once when the generation was written: 5 s per 100k chunks saved here
                rows = (json.loads(line) for line in saved.open(encoding="utf-8"))
            else:
                rows = (_ref_keys(m) for m in self._meta)
            for i, row in enumerate(rows):
                for key in row:
                    keys.setdefault(key, []).append(i)
            self._keys = keys
        return self._keys

    def meta(self, i: int) -> dict[str, Any]:
        return self._meta[i]

    def documents(self) -> dict[str, str]:
        """doc_id → title of every indexed document."""
        if not self._load():
            return {}
        if self._docs is None:
            self._docs = {str(m["doc_id"]): str(m.get("title", "")) for m in self._meta}
        return self._docs
