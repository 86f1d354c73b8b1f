"""Find the requirement sentences that back one template item, for one site.

Each item query is searched in the jurisdictions that apply to the site (its own, then "international");
a jurisdiction the joint search left out gets a search of its own, so the site's law and the
international standards are both considered and neither crowds out the other. Candidate sentences are
scored against the item's queries with the Assistant's embedder, plus a small bonus for the item's key
terms and for the item's preferred sources. An item counts as covered only when
a sentence clears a threshold calibrated per embedder; otherwise the draft says no source covers it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.core.instructions import is_instruction_like
from assistant.core.sentences import split_sentences as core_split_sentences
from assistant.core.text import CJK, CJK_RE
from assistant.core.types import Passage
from assistant.drafting.site import SiteProfile, jurisdictions_for
from assistant.drafting.templates import TemplateItem

if TYPE_CHECKING:
    from indexing.embeddings import Embedder

# (strong, weak): a sentence is evidence if its similarity reaches ``strong``, or reaches ``weak`` and
# contains a key term. Calibrated on the drafting fixtures and the bundled corpus with all-MiniLM-L6-v2:
# sentences stating the requirement score 0.5–0.85, but generic restoration sentences on another topic
# reach 0.4–0.63 against the (long) requirement text, so without a key term only a very close paraphrase
# counts. The hashing fake only sees shared words, so its scale is lower.
THRESHOLDS: dict[str, tuple[float, float]] = {"hash": (0.45, 0.12), "default": (0.70, 0.40)}
KEY_TERM_BONUS = 0.06
SOURCE_HINT_BONUS = 0.04
# Embedders that place Chinese text meaningfully (the hashing fake counts characters, which also works).
MULTILINGUAL_HINTS = ("multilingual", "labse", "bge-m3", "distiluse", "hash")
_CJK = CJK_RE
_LIST_ITEM = re.compile(r"^[(（]\s*(?:[一二三四五六七八九十]+|\d+|[a-zA-Z]|[ivx]+)\s*[)）]")
_FALLBACK_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\"“])|(?<=[。；！？;])")


@dataclass(slots=True)
class Evidence:
    """One sentence of an indexed source that states (part of) an item's requirement."""

    sentence: str
    passage: Passage
    score: float
    similarity: float
    key_terms: list[str]


def thresholds_for(embedder_name: str, offset: float = 0.0) -> tuple[float, float]:
    strong, weak = THRESHOLDS["hash" if embedder_name.startswith("hash") else "default"]
    return strong + offset, weak + offset


def split_sentences(text: str, language: str = "en") -> list[str]:
    """Sentences of a chunk, without Markdown heading lines (headings are cited via the clause path)."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    parts = [sp.text for sp in core_split_sentences(body, language)]
    out = []
    for p in parts:
        s = " ".join(p.split()).strip(" -*>")
        # Questions (study prompts in notes and case studies) state no requirement; nor does a short list
        # item such as "(三)堆放采矿剥离物…的土地；", which only names a case of the clause above it.
        cjk = bool(_CJK.search(s))
        # A lead-in ending in a colon ("Moneys in the fund may be used for the following purposes:") states
        # nothing by itself either.
        if len(s) < (8 if cjk else 25) or s.endswith(("?", "？", ":", "：")):
            continue
        if _LIST_ITEM.match(s) and len(s) < (40 if cjk else 60):
            continue
        out.append(s)
    return out


def term_hits(text: str, terms: list[str]) -> list[str]:
    """Key terms present in ``text`` (case-insensitive; word-start match for Latin terms, whole word for
    short ones such as 'ha', which would otherwise match 'has')."""
    low = text.lower()
    hits = []
    for t in terms:
        tl = t.lower()
        if _CJK.search(tl):
            if tl in low:
                hits.append(t)
        elif re.search(r"(?<![a-z0-9])" + re.escape(tl) + (r"(?![a-z0-9])" if len(tl) <= 3 else ""), low):
            hits.append(t)
    return hits


def _slug(s: str) -> str:
    return re.sub(f"[^a-z0-9{CJK}]+", "-", s.lower()).strip("-")


def _hint_match(passage: Passage, hints: list[str]) -> bool:
    c = passage.chunk
    hay = " ".join(_slug(x) for x in (c.doc_id, c.title, c.source, c.kind))
    return any(_slug(h) and _slug(h) in hay for h in hints)


class EvidenceFinder:
    """Retrieves and scores requirement sentences for template items."""

    def __init__(
        self,
        assistant: Any,
        *,
        per_query_k: int = 5,
        max_sentences: int = 4,
        thresholds: tuple[float, float] | None = None,
    ) -> None:
        self.assistant = assistant
        self.embedder: Embedder = assistant.embedder
        offset = float(getattr(getattr(assistant, "settings", None), "refusal_threshold", 0.0) or 0.0)
        self.strong, self.weak = thresholds or thresholds_for(self.embedder.name, offset)
        self.per_query_k = per_query_k
        self.max_sentences = max_sentences
        self.multilingual = any(m in self.embedder.name.lower() for m in MULTILINGUAL_HINTS)
        self._cache: dict[str, np.ndarray] = {}

    def passages(self, item: TemplateItem, site: SiteProfile) -> list[Passage]:
        """What the item's queries retrieve in the site's jurisdictions; a jurisdiction that the joint
        search left out gets a search of its own, so the international standards never crowd out the
        site's law (or the reverse)."""
        jurs = jurisdictions_for(site)
        seen: dict[str, Passage] = {}
        asked = [self.assistant.analyse(q) for q in item.queries]  # each query analysed once, searched up to twice
        for q in asked:
            for p in self.assistant.retrieve(q, k=self.per_query_k * len(jurs), filters={"jurisdiction": jurs}):
                seen.setdefault(p.chunk.chunk_id, p)
        present = {p.chunk.jurisdiction for p in seen.values()}
        for jur in (j for j in jurs if j not in present):
            for q in asked[:2]:
                for p in self.assistant.retrieve(q, k=self.per_query_k, filters={"jurisdiction": jur}):
                    seen.setdefault(p.chunk.chunk_id, p)
        return list(seen.values())

    def _vectors(self, texts: list[str]) -> np.ndarray:
        """Embeddings with a per-finder cache: sections share queries and source sentences."""
        todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if todo:
            for t, v in zip(todo, self.embedder.embed_documents(todo), strict=True):
                self._cache[t] = v
        return np.stack([self._cache[t] for t in texts])

    def score(self, item: TemplateItem, site: SiteProfile, passages: list[Passage]) -> list[Evidence]:
        """Every candidate sentence that clears the threshold, best first."""
        cands: list[tuple[str, Passage]] = [
            (s, p) for p in passages for s in split_sentences(p.chunk.text, p.chunk.language)
        ]
        if not cands:
            return []
        queries = [item.requirement, *item.queries]
        vecs = self._vectors(queries + [s for s, _ in cands])
        qv, sv = vecs[: len(queries)], vecs[len(queries) :]
        sims = np.asarray(sv @ qv.T).max(axis=1)
        hints = item.hints_for(jurisdictions_for(site))
        found: list[Evidence] = []
        for (sentence, p), sim in zip(cands, sims, strict=True):
            if is_instruction_like(sentence):  # planted instructions are never a draft bullet (SECURITY.md)
                continue
            hits = term_hits(sentence, item.key_terms)
            sim = float(sim)
            if not self.accepts(sentence, sim, hits):
                continue
            score = sim + KEY_TERM_BONUS * min(len(hits), 2) + (SOURCE_HINT_BONUS if _hint_match(p, hints) else 0)
            found.append(Evidence(sentence, p, score, sim, hits))
        found.sort(key=lambda e: -e.score)
        return found

    def accepts(self, sentence: str, similarity: float, hits: list[str]) -> bool:
        """The sufficiency decision for one sentence (see THRESHOLDS)."""
        if _CJK.search(sentence) and not self.multilingual:
            # An English-only model maps all Chinese text close together: only key terms tell topics apart.
            return bool(hits) and similarity >= self.weak
        return similarity >= self.strong or (bool(hits) and similarity >= self.weak)

    def select(self, found: list[Evidence], site: SiteProfile) -> list[Evidence]:
        """The best sentence of each jurisdiction first, then the next best; one sentence per chunk."""
        chosen: list[Evidence] = []
        used: set[str] = set()

        def take(e: Evidence) -> None:
            chosen.append(e)
            used.add(e.passage.chunk.chunk_id)

        for jur in jurisdictions_for(site):
            for e in found:
                if e.passage.chunk.jurisdiction == jur and e.passage.chunk.chunk_id not in used:
                    take(e)
                    break
        for e in found:
            if len(chosen) >= self.max_sentences:
                break
            if e.passage.chunk.chunk_id not in used:
                take(e)
        chosen = chosen[: self.max_sentences]
        chosen.sort(key=lambda e: -e.score)
        return chosen

    def find(self, item: TemplateItem, site: SiteProfile) -> list[Evidence]:
        """Evidence sentences for one item; empty when no indexed source covers it."""
        return self.select(self.score(item, site, self.passages(item, site)), site)
