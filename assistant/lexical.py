"""The BM25 lexical index (bm25s), persisted beside the vector store.

Layout of ``folder``: ``CURRENT`` names the live generation folder ``gen-<id>/`` holding the bm25s
arrays, ``meta.jsonl`` (one line of chunk metadata per chunk, no text), ``texts.jsonl`` and
``offsets.npy`` (byte offsets of each text line, so a search reads only the texts it returns).
``rebuild`` writes a new generation and then swaps ``CURRENT`` with ``os.replace``: a reader sees the
old index or the new one, never half of one.

Tokens: see :mod:`assistant.tokens`. For Chinese, jieba words beat character bigrams on the 22 Chinese
questions of evaluation/gold/dev_shared.jsonl over the three Chinese laws (BM25 alone, expected article
retrieved: recall@1 jieba 0.955, bigrams 0.864; recall@5 1.0 both), so jieba is the default (``cjk=``
chooses; the choice is saved with the index so searches tokenise the way the index was built).

Memory: the bm25s arrays are memory-mapped once the index holds more than 20,000 chunks; texts stay on
disk; chunk metadata stays in memory as dicts — measured 2.0 KB per chunk with tracemalloc on the SMCRA +
Chinese-law index (828 chunks), so about 200 MB per 100k chunks (extrapolated, not measured at that scale).
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from assistant.errors import StoreError
from assistant.references import chunk_keys
from assistant.tokens import tokenize
from assistant.types import Chunk
from indexing.store import Where, matches

MMAP_ABOVE = 20_000


def index_text(chunk: Chunk) -> str:
    """What BM25 indexes for a chunk: the chunking module's index text when it exists, else the text."""
    try:
        from indexing.chunking import index_text as chunking_index_text
    except ImportError:
        return f"{chunk.title}\n{chunk.clause}\n{' '.join(chunk.aliases)}\n{chunk.text}"
    return chunking_index_text(chunk)


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
        """Replace the whole index with ``chunks`` (atomically, see the module docstring)."""
        import bm25s
        from bm25s.tokenization import Tokenized

        self.folder.mkdir(parents=True, exist_ok=True)
        gen = f"gen-{uuid.uuid4().hex[:12]}"
        tmp = self.folder / f".{gen}.tmp"
        tmp.mkdir()
        vocab: dict[str, int] = {}
        ids: list[list[int]] = []
        offsets: list[int] = []
        n = 0
        try:
            with (tmp / "meta.jsonl").open("w", encoding="utf-8") as fm, (tmp / "texts.jsonl").open("wb") as ft:
                for chunk in chunks:
                    toks = tokenize(index_text(chunk), cjk=self.cjk)
                    ids.append([vocab.setdefault(t, len(vocab)) for t in toks])
                    meta = chunk.metadata()
                    meta["chunk_id"] = chunk.chunk_id
                    fm.write(json.dumps(meta, ensure_ascii=False) + "\n")
                    offsets.append(ft.tell())
                    ft.write(json.dumps(chunk.text, ensure_ascii=False).encode("utf-8") + b"\n")
                    n += 1
            np.save(tmp / "offsets.npy", np.asarray(offsets, dtype=np.int64))
            if n:
                bm25 = bm25s.BM25()
                bm25.index(Tokenized(ids=ids, vocab=vocab), show_progress=False)
                bm25.save(str(tmp / "bm25"), show_progress=False)
            (tmp / "count").write_text(str(n))
            (tmp / "tokenizer").write_text(self.cjk)
            os.replace(tmp, self.folder / gen)
            pointer = self.folder / f".CURRENT.{gen}"
            pointer.write_text(gen)
            os.replace(pointer, self.folder / "CURRENT")
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        for old in self.folder.glob("gen-*"):
            if old.name != gen:  # readers that still map an old generation keep their open files (POSIX)
                shutil.rmtree(old, ignore_errors=True)
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
                search_cjk = tok_file.read_text().strip() if tok_file.is_file() else "bigram"
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
        toks = [t for t in tokenize(query, cjk=self._search_cjk) if t in vocab]
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
        """Canonical clause key (see :mod:`assistant.references`) → positions of the chunks answering to it."""
        if not self._load():
            return {}
        if self._keys is None:
            keys: dict[str, list[int]] = {}
            for i, m in enumerate(self._meta):
                aliases = [a for a in str(m.get("aliases") or "").split("|") if a]
                for key in chunk_keys(aliases, str(m.get("clause", ""))):
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
