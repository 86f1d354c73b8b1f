"""Hybrid retrieval: dense (vector store) + BM25 + an exact-reference channel, fused by reciprocal rank.

Channels, each a ranked candidate list of ``settings.candidate_k`` chunks:
- dense: cosine similarity of the question's embedding (``store.query``);
- bm25: :class:`indexing.lexical.LexicalIndex`;
- reference: chunks whose aliases or clause path answer to a clause the question names ("Article 46",
  "第四十六条", "§ 1265(b)(20)", "30 CFR 816.116", "Principle 3"), restricted to documents the question
  names ("Mineral Resources Law") when it names one. It has a higher weight: a named clause is the
  strongest evidence there is.
Fusion: score = Σ weight / (rrf_k + rank). Near-duplicates (same normalised text, or ≥ 90 % shared
tokens with a better passage) are dropped so copies of one text do not crowd the top.

``MsraRetriever`` (a LangChain ``BaseRetriever``) is importable from here but lives in
:mod:`assistant.langchain_retriever` so that a plain ``msra ask`` does not import langchain.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from assistant.answer.question import Question, analyse
from assistant.core.glossary import load_glossary
from assistant.core.references import match_strength
from assistant.core.tokens import tokenize
from assistant.core.types import Chunk, Passage
from indexing.store import filters_to_where, matches

if TYPE_CHECKING:
    from assistant.core.config import Settings
    from indexing.embeddings import Embedder
    from indexing.lexical import LexicalIndex
    from indexing.store import VectorStore

# glossary: BM25 on the Chinese terms of an English question's words; low, a bridge to Chinese clauses, not
# a reason to push English passages that match the question's own words out of the top k
WEIGHTS = {"dense": 1.0, "bm25": 1.0, "ref": 3.0, "glossary": 0.5}
# Chinese questions: the bundled English embedding model ranks Chinese text poorly, BM25 on bigrams well
CJK_WEIGHTS = {"dense": 0.5, "bm25": 1.5}
NAMED_DOC_BOOST = 1.3


def __getattr__(name: str) -> Any:
    if name == "MsraRetriever":
        from assistant.langchain_retriever import MsraRetriever

        return MsraRetriever
    raise AttributeError(name)


def _norm_hash(text: str) -> str:
    return hashlib.blake2b(re.sub(r"\s+", " ", text).strip().lower().encode(), digest_size=12).hexdigest()


class _Fusion:
    """Reciprocal-rank fusion of the channels' ranked lists, then near-duplicates dropped (module docstring)."""

    def __init__(self, rrf_k: int, weights: dict[str, float], hidden: set[str]) -> None:
        self.rrf_k = rrf_k
        self.weights = weights
        self.hidden = hidden
        self.chunks: dict[str, Chunk] = {}
        self.fused: dict[str, float] = {}
        self.dense: dict[str, float] = {}
        self.lexical: dict[str, float] = {}

    def add(self, channel: str, ranked: list[tuple[Chunk, float]], scores: dict[str, float] | None) -> None:
        if self.hidden:
            ranked = [(c, s) for c, s in ranked if c.chunk_id not in self.hidden]
        for rank, (chunk, score) in enumerate(ranked, start=1):
            self.chunks.setdefault(chunk.chunk_id, chunk)
            self.fused[chunk.chunk_id] = self.fused.get(chunk.chunk_id, 0.0) + self.weights[channel] * (
                (score if channel == "ref" else 1.0) / (self.rrf_k + rank)
            )
            if scores is not None:
                scores[chunk.chunk_id] = score

    def passages(self, k: int) -> list[Passage]:
        """The ``k`` best fused chunks, skipping copies of a better one."""
        chunks, fused = self.chunks, self.fused
        order = sorted(fused, key=lambda c: (-fused[c], chunks[c].doc_id, chunks[c].position))
        passages: list[Passage] = []
        seen_hash: set[str] = set()
        kept_tokens: list[set[str]] = []
        for cid in order:
            chunk = chunks[cid]
            h = _norm_hash(chunk.text)
            if h in seen_hash:
                continue
            toks = set(tokenize(chunk.text))
            if toks and any(len(toks & o) / len(toks | o) >= 0.9 for o in kept_tokens):
                continue
            seen_hash.add(h)
            kept_tokens.append(toks)
            dense, bm25 = self.dense.get(cid), self.lexical.get(cid)
            passages.append(Passage(chunk, fused[cid], rank=len(passages) + 1, dense_score=dense, bm25_score=bm25))
            if len(passages) >= k:
                break
        return passages


class Retriever(Protocol):
    """What the service needs from retrieval: the ``k`` best passages for a question (or its analysis)."""

    def retrieve(
        self,
        query: str | Question,
        *,
        k: int,
        filters: dict[str, str | list[str]] | None = None,
        mode: str | None = None,
    ) -> list[Passage]: ...


class HybridRetriever:
    """Dense + BM25 + exact-reference retrieval over one index (see the module docstring)."""

    def __init__(
        self,
        embedder: Embedder,
        store: VectorStore,
        lexical: LexicalIndex,
        settings: Settings,
        hidden: Callable[[], set[str]] | None = None,
    ) -> None:
        self.embedder = embedder
        self.store = store
        self.lexical = lexical
        self.settings = settings
        # ids of chunks written but not committed (a writer is busy, or was killed): never retrieved
        self.hidden = hidden

    def retrieve(
        self,
        query: str | Question,
        *,
        k: int,
        filters: dict[str, str | list[str]] | None = None,
        mode: str | None = None,
    ) -> list[Passage]:
        """The ``k`` best passages for ``query``; ``mode`` overrides ``settings.retrieval_mode``."""
        mode = mode or self.settings.retrieval_mode
        if mode not in ("hybrid", "dense", "bm25"):
            from assistant.core.errors import ConfigError

            raise ConfigError(f"unknown retrieval mode {mode!r}: use hybrid, dense or bm25")
        q = query if isinstance(query, Question) else analyse(query, self.lexical.documents())
        where = filters_to_where(filters)
        fusion = _Fusion(self.settings.rrf_k, {**WEIGHTS, **(CJK_WEIGHTS if q.chinese else {})}, self._hidden())
        self._channels(q, mode, where, max(self.settings.candidate_k, k), fusion)
        named = set(q.named)
        for cid, chunk in fusion.chunks.items():
            if chunk.doc_id in named:
                fusion.fused[cid] *= NAMED_DOC_BOOST
        return fusion.passages(k)

    def _hidden(self) -> set[str]:
        return self.hidden() if self.hidden is not None else set()

    def _channels(self, q: Question, mode: str, where: dict[str, Any] | None, n: int, fusion: _Fusion) -> None:
        """Each channel's ranked candidates into ``fusion``: dense, BM25, glossary, clause references."""
        if mode in ("hybrid", "dense"):
            fusion.add("dense", self.store.query(self.embedder.embed_query(q.text), n, where), fusion.dense)
        if mode in ("hybrid", "bm25"):
            fusion.add("bm25", self.lexical.search(q.text, n, where), fusion.lexical)
            # issue 14 hook: an English question also looks for the Chinese terms the glossary gives for its words
            terms = [] if q.chinese else load_glossary().expand(q.text)
            if terms:
                fusion.add("glossary", self.lexical.search(" ".join(terms), n, where), None)
        if q.refs:
            fusion.add("ref", self._reference_hits(list(q.refs), set(q.named), where, fusion.fused, n), None)

    def _reference_hits(
        self, refs: list[str], named: set[str], where: dict[str, Any] | None, fused: dict[str, float], n: int
    ) -> list[tuple[Chunk, float]]:
        """Chunks answering to the named clauses, best match first; the score is the match strength."""
        index = self.lexical.reference_index()
        hits: dict[int, float] = {}
        for key, positions in index.items():
            strength = match_strength(refs, {key})
            if strength:
                for i in positions:
                    hits[i] = max(hits.get(i, 0.0), strength)
        rows = [(i, s, self.lexical.meta(i)) for i, s in hits.items()]
        rows = [r for r in rows if matches(r[2], where)]
        in_named = [r for r in rows if r[2]["doc_id"] in named]
        rows = in_named or rows
        rows.sort(key=lambda r: (-r[1], -fused.get(r[2]["chunk_id"], 0.0), r[2]["doc_id"], int(r[2]["position"])))
        return [(self.lexical.chunk(i), s) for i, s, _ in rows[:n]]
