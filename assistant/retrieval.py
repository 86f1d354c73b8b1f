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

import functools
import hashlib
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from assistant.core.glossary import load_glossary
from assistant.core.references import match_strength, parse_refs
from assistant.core.tokens import has_cjk, stem, tokenize
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
_GENERIC_NAME_WORDS = frozenset(
    [
        "law",
        "laws",
        "act",
        "acts",
        "regulation",
        "regulations",
        "rule",
        "rules",
        "code",
        "standard",
        "standards",
        "guide",
        "guideline",
        "guidelines",
        "the",
        "and",
        "of",
        "for",
        "on",
        "in",
        "zh",
        "en",
        "md",
        "pdf",
        "txt",
        "doc",
        "notes",
        "note",
        "version",
        "edition",
        "ed",
        "rev",
    ]
)
_YEAR = re.compile(r"(?<!\d)(19\d\d|20\d\d)(?!\d)")


def __getattr__(name: str) -> Any:
    if name == "MsraRetriever":
        from assistant.langchain_retriever import MsraRetriever

        return MsraRetriever
    raise AttributeError(name)


def _norm_hash(text: str) -> str:
    return hashlib.blake2b(re.sub(r"\s+", " ", text).strip().lower().encode(), digest_size=12).hexdigest()


@functools.lru_cache(maxsize=65_536)
def _name_variants(doc_id: str, title: str) -> tuple[frozenset[str], ...]:
    """The word sets that name a document (its id's words, its title's words). Cached: every question checks
    every document, and tokenising 500 titles per question cost 20 ms at 100k chunks."""
    variants: list[frozenset[str]] = []
    slug = {stem(w) for w in doc_id.split("-") if w.isalpha() and len(w) >= 3 and w not in _GENERIC_NAME_WORDS}
    if slug:
        variants.append(frozenset(slug))
    if title and not has_cjk(title):
        words = {t for t in tokenize(title) if t.isalpha() and t not in _GENERIC_NAME_WORDS}
        if words:
            variants.append(frozenset(words))
    return tuple(variants)


def _acronyms(query: str) -> set[str]:
    found = re.findall(r"\b[A-Z]{3,}s?\b", query)
    return {a.lower() for a in found} | {stem(a.lower()) for a in found}


def named_documents(query: str, docs: dict[str, str]) -> list[str]:
    """Documents the question names by title or file name; of several versions, the year asked for or the newest."""
    q_tokens = set(tokenize(query))
    # an acronym ("SMCRA") names one document; topic words in a file name ("land reclamation") only describe it
    acronyms = _acronyms(query)
    # an acronym several documents share ("SER" for a publisher's documents) names none of them in particular
    sharing = [d for d, t in docs.items() if any(v & acronyms for v in _name_variants(d, t))]
    if len(sharing) > 1:
        acronyms = set()
    scores: dict[str, int] = {}
    for doc_id, title in docs.items():
        best = 0
        for words in _name_variants(doc_id, title):
            if words <= q_tokens and (len(words) >= 2 or len(next(iter(words))) >= 4):
                best = max(best, len(words))
            if best and words & acronyms:  # named already; its acronym outweighs topic words of other names
                best = max(best, 100)
        zh_title = re.sub(r"^中华人民共和国", "", title or "")
        if has_cjk(zh_title) and len(zh_title) >= 3 and zh_title in query:
            best = max(best, len(zh_title))
        if best:
            scores[doc_id] = best
    if not scores:
        return []
    top = max(scores.values())
    named = [d for d, s in scores.items() if s == top]
    years = set(_YEAR.findall(query))
    asked = [d for d in named if set(_YEAR.findall(d)) & years]
    if asked:
        return asked
    if len(named) > 1 and all(_YEAR.search(d) for d in named):
        newest = max(max(_YEAR.findall(d)) for d in named)
        return [d for d in named if newest in _YEAR.findall(d)]
    return named


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
        query: str,
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
        where = filters_to_where(filters)
        n = max(self.settings.candidate_k, k)
        chunks: dict[str, Chunk] = {}
        fused: dict[str, float] = {}
        dense: dict[str, float] = {}
        lexical: dict[str, float] = {}

        weights = dict(WEIGHTS)
        if has_cjk(query):
            weights.update(CJK_WEIGHTS)
        hidden = self.hidden() if self.hidden is not None else set()

        def add(channel: str, ranked: list[tuple[Chunk, float]], scores: dict[str, float] | None) -> None:
            if hidden:
                ranked = [(c, s) for c, s in ranked if c.chunk_id not in hidden]
            for rank, (chunk, score) in enumerate(ranked, start=1):
                chunks.setdefault(chunk.chunk_id, chunk)
                fused[chunk.chunk_id] = fused.get(chunk.chunk_id, 0.0) + weights[channel] * (
                    (score if channel == "ref" else 1.0) / (self.settings.rrf_k + rank)
                )
                if scores is not None:
                    scores[chunk.chunk_id] = score

        if mode in ("hybrid", "dense"):
            add("dense", self.store.query(self.embedder.embed_query(query), n, where), dense)
        if mode in ("hybrid", "bm25"):
            add("bm25", self.lexical.search(query, n, where), lexical)
            # issue 14 hook: an English question also looks for the Chinese terms the glossary gives for its words
            terms = [] if has_cjk(query) else load_glossary().expand(query)
            if terms:
                add("glossary", self.lexical.search(" ".join(terms), n, where), None)
        docs = self.lexical.documents()
        named = set(named_documents(query, docs)) if docs else set()
        refs = parse_refs(query)
        if refs:
            add("ref", self._reference_hits(refs, named, where, fused, n), None)
        for cid, chunk in chunks.items():
            if chunk.doc_id in named:
                fused[cid] *= NAMED_DOC_BOOST
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
            passages.append(
                Passage(
                    chunk, fused[cid], rank=len(passages) + 1, dense_score=dense.get(cid), bm25_score=lexical.get(cid)
                )
            )
            if len(passages) >= k:
                break
        return passages

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


def document_name_words(query: str, docs: dict[str, str]) -> set[str]:
    """Tokens by which ``query`` names documents ("mineral", "resourc", "矿产" …): not content to look for."""
    words: set[str] = set()
    q_tokens = set(tokenize(query))
    for doc_id in named_documents(query, docs):
        variants = _name_variants(doc_id, docs.get(doc_id, ""))
        if not any(v <= q_tokens for v in variants):  # named by its acronym alone: the other words are content
            variants = tuple(v & _acronyms(query) for v in variants)
        for variant in variants:
            words |= variant & q_tokens
        title = re.sub(r"^中华人民共和国", "", docs.get(doc_id, ""))
        if has_cjk(title):
            words |= set(tokenize(title))
        words |= set(_YEAR.findall(doc_id))
    if words:
        words |= {"law", "act", "regulation", "rule", "code"} & q_tokens
    return words
