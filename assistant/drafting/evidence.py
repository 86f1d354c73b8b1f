"""Find the requirement sentences that back one template item, for one site.

Each item query is searched in the jurisdictions that apply to the site (its own, then "international");
a jurisdiction the joint search left out gets a search of its own, so the site's law and the
international standards are both considered and neither crowds out the other. Candidate sentences are
scored against the item's queries with the Assistant's embedder, plus a small bonus for the item's key
terms and for the item's preferred sources. An item counts as covered only when
a sentence clears a threshold calibrated per embedder; otherwise the draft says no source covers it.

Only sentences that state a requirement count (:mod:`assistant.drafting.clause_roles`): penalties,
definitions, final provisions and notes about the notes are left out, and a case study is shown after the
requirements, labelled as an example. A sentence let in by a single key term must also hold part of the
item's own words (the answer-coverage feature of the answerability model), and a Chinese sentence under an
English-only embedder needs two key terms or the model's Chinese coverage gate: a near-topic clause is not
quoted in place of the requirement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from assistant.answer.answerability import load_model
from assistant.core.instructions import is_instruction_like
from assistant.core.overlap import overlap_features
from assistant.core.references import chunk_keys, match_strength, parse_refs
from assistant.core.sentences import split_sentences as core_split_sentences
from assistant.core.text import CJK, CJK_RE
from assistant.core.types import Passage
from assistant.drafting.clause_roles import admits, is_secondary, sentence_role
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
# A study note paraphrasing a clause whose own text is among the evidence ranks after it.
SECONDARY_PENALTY = 0.12
MAX_EXAMPLES = 1
# A sentence let in by one key term must also hold this share of the words of the requirement or of one of
# its queries (the answerability model's answer-coverage feature, assistant.core.overlap).
WEAK_COVERAGE = 0.3
ZH_GATE = 0.45  # the answerability model's Chinese coverage gate, used when no model file is bundled
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
    role: str = "requirement"  # or "example": a case study, shown labelled after the requirements


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
        model = load_model("bundled")
        self.zh_gate = model.gate.get("zh", ZH_GATE) if model is not None else ZH_GATE

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
            e = self._judge(item, sentence, p, float(sim), queries, hints)
            if e is not None:
                found.append(e)
        _rank_paraphrases_after_rules(found)
        found.sort(key=lambda e: -e.score)
        return found

    def _judge(
        self, item: TemplateItem, sentence: str, p: Passage, sim: float, queries: list[str], hints: list[str]
    ) -> Evidence | None:
        """The sentence as evidence for ``item``, or None when it states no requirement of the item."""
        if is_instruction_like(sentence):  # planted instructions are never a draft bullet (SECURITY.md)
            return None
        role = sentence_role(sentence, p.chunk)
        if not admits(role, item.requirement):  # penalties, definitions, notes about notes: no requirement
            return None
        hits = term_hits(sentence, item.key_terms)
        zh_queries = [q for q in item.queries if _CJK.search(q)]
        zh_coverage = _coverage(sentence, zh_queries) if zh_queries else 0.0
        if not self.accepts(sentence, sim, hits, zh_coverage):
            return None
        if sim < self.strong and len(hits) < 2 and _coverage(sentence, queries) < WEAK_COVERAGE:
            return None  # near-topic: one key term, a middling similarity and hardly any of the item's words
        score = sim + KEY_TERM_BONUS * min(len(hits), 2) + (SOURCE_HINT_BONUS if _hint_match(p, hints) else 0)
        return Evidence(sentence, p, score, sim, hits, role)

    def accepts(self, sentence: str, similarity: float, hits: list[str], coverage: float = 1.0) -> bool:
        """The sufficiency decision for one sentence (see THRESHOLDS).

        ``coverage``: the share of the item's Chinese query terms the sentence holds (overlap_features)."""
        if _CJK.search(sentence) and not self.multilingual:
            # An English-only model maps all Chinese text close together: only words tell topics apart. One
            # generic key term (损毁, 耕地, 费用) is not enough; two key terms, or the share of the query's
            # terms the answerability model's Chinese gate asks of an answer, are.
            return bool(hits) and similarity >= self.weak and (len(hits) >= 2 or coverage >= self.zh_gate)
        return similarity >= self.strong or (bool(hits) and similarity >= self.weak)

    def select(self, found: list[Evidence], site: SiteProfile) -> list[Evidence]:
        """The requirement sentences (best of each jurisdiction first, then the next best, one per chunk),
        then at most ``MAX_EXAMPLES`` case-study sentence, labelled as an example in the draft. An item with
        examples only has no requirement evidence: the draft says no source covers it."""
        rules = self._select_rules([e for e in found if e.role != "example"], site)
        if not rules:
            return []
        used = {e.passage.chunk.chunk_id for e in rules}
        examples = [e for e in found if e.role == "example" and e.passage.chunk.chunk_id not in used]
        return rules + examples[:MAX_EXAMPLES]

    def _select_rules(self, found: list[Evidence], site: SiteProfile) -> list[Evidence]:
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


def _coverage(sentence: str, queries: list[str]) -> float:
    return max(overlap_features(q, sentence)["ans_cov"] for q in queries)


def _rank_paraphrases_after_rules(found: list[Evidence]) -> None:
    """A study note that paraphrases a clause ("Article 44 says …") ranks after that clause's own text when
    the primary text is among the evidence: the plan should cite the rule, not a summary of it."""
    primary = [
        (e.passage.chunk.jurisdiction, chunk_keys(e.passage.chunk.aliases, e.passage.chunk.clause))
        for e in found
        if e.role == "requirement" and not is_secondary(e.passage.chunk)
    ]
    if not primary:
        return
    for e in found:
        c = e.passage.chunk
        if e.role != "requirement" or not is_secondary(c):
            continue
        named = parse_refs(e.sentence)
        if named and any(j == c.jurisdiction and match_strength(named, keys) >= 0.8 for j, keys in primary):
            e.score -= SECONDARY_PENALTY
