"""The default answer engine: picks and quotes source sentences, no LLM, deterministic.

Each candidate sentence of the retrieved passages is scored by embedding similarity to the question,
weighted overlap with the question's content terms (numbers and names count more, rare terms more than
common ones), the passage's retrieval rank, and whether its passage is a clause the question names.
The best 1..``max_answer_sentences`` sentences are quoted exactly, each followed by its ``[n]`` marker,
grouped by passage in source order. An enumerated item ("(5) remove the topsoil …") gets its lead-in
sentence ("… shall require the operation to— … (5) …"). When the evidence is too weak
(:mod:`assistant.answer.evidence`), when no quoted unit covers the question's focus
(:mod:`assistant.answer.focus`: "how many tonnes … in 1990" needs a number, tonnes and 1990), or when a
named document numbers its clauses but lacks the one asked for, the answer is the fixed refusal. Only the
``EMBED_POOL`` lexically best sentences are embedded (embedding is most of an answer's time); a lead-in
ending in ":" or "—" brings its enumerated items. Validation is shared with the LLM
engine through :func:`assistant.citations.finalize_answer`.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from assistant.answer.answerability import load_model
from assistant.answer.evidence import (
    NAMES_TITLE,
    THRESHOLD,
    Evidence,
    coverage,
    covered,
    idf_weights,
    title_share,
)
from assistant.answer.features import answer_features, hedge_text
from assistant.answer.focus import Focus, focus_missing
from assistant.answer.followup import rewrite_followup
from assistant.answer.lead import lead_with_fact
from assistant.answer.question import Question, as_question
from assistant.answer.units import HAS_NUMBER, Candidate, candidates, continuation, render, unit_text
from assistant.citations import finalize_answer
from assistant.core.overlap import overlap_features
from assistant.core.references import chunk_keys, match_strength
from assistant.core.tokens import has_cjk, tokenize
from assistant.core.types import REFUSAL, Answer, Passage

if TYPE_CHECKING:
    from assistant.core.config import Settings
    from indexing.embeddings import Embedder

_QUANTITY = re.compile(
    r"\bhow (?:many|much|long|far|deep|thick|high|often|big|large|soon)\b|\bwhat (?:percentage|proportion|amount|share)"
    r"|\bwhat (?:\w+ ){0,3}(?:rate|fee|fine|cost|price|target|threshold|limit|minimum|maximum)s?\b"
    r"|\bwhen\b|多少|多长|几|何时|多久|比例",
    re.I,
)
CACHE_SIZE = 20_000
TARGET_SIMILARITY = 0.55  # MiniLM word cosine: "fee"~"cost" 0.70, "paid"~"payment" 0.72; "plants"~"species" 0.52
EMBED_POOL = 24  # candidate sentences embedded per answer (the rest are ranked out lexically)

_JURISDICTION_NAMES = {
    "CN": {"china", "chines", "prc"},
    "US": {"united", "stat", "america", "american", "us", "usa", "federal"},
    "AU": {"australia", "australian"},
    "CA": {"canada", "canadian"},
    "GB": {"britain", "british", "england", "english", "uk"},
    "NZ": {"zealand"},
}


def _jurisdiction_named(name: str, passages: list[Passage]) -> bool:
    """ "China's law" is covered by a passage of jurisdiction CN even if the text never says China."""
    return any(name in _JURISDICTION_NAMES.get(p.chunk.jurisdiction.upper(), ()) for p in passages)


def _numbering_lacks(refs: list[str], passages: list[Passage], named: set[str]) -> bool:
    """True when the named documents number clauses of the referenced kind but none matched."""
    kinds = {r.split(":", 1)[0] for r in refs if ":" in r} - {"chapter"}
    scope = [p for p in passages if p.chunk.doc_id in named]
    have = {k.split(":", 1)[0] for p in scope for k in chunk_keys(p.chunk.aliases, p.chunk.clause)}
    return bool(kinds & have)


@dataclass
class _Reading:
    """One question read against its passages: what the answer may quote and what it must hold."""

    q: Question
    named: set[str]  # documents the question names
    names: list[str]  # its names, less the jurisdictions the passages already are ("China's law")
    focus: Focus  # what is asked for, with the same names
    ref_strength: list[float]  # per passage: how well it is the clause the question names


@dataclass(frozen=True)
class _Draft:
    """The composed answer and the units it quotes; ``first`` holds what is asked (else the best scored)."""

    rendered: str
    chosen: list[Candidate]
    first: Candidate
    pool: list[Candidate]


def _read(q: Question, passages: list[Passage]) -> _Reading:
    named = set(q.named)
    names = [n for n in q.names if not _jurisdiction_named(n, passages)]
    focus = replace(q.focus, names=[n for n in q.focus.names if not _jurisdiction_named(n, passages)])
    refs = list(q.refs)
    ref_strength = [
        match_strength(refs, chunk_keys(p.chunk.aliases, p.chunk.clause)) if refs else 0.0 for p in passages
    ]
    if named and refs:
        # "Article 30 of document A" is never answered with document B's Article 30
        ref_strength = [s if p.chunk.doc_id in named else 0.0 for s, p in zip(ref_strength, passages, strict=True)]
    return _Reading(q, named, names, focus, ref_strength)


class ExtractiveEngine:
    """Deterministic, extractive answers with citations (see the module docstring)."""

    def __init__(self, embedder: Embedder, settings: Settings) -> None:
        self.embedder = embedder
        self.settings = settings
        self._cache: dict[bytes, np.ndarray] = {}  # embeddings only: safe to share between requests

    # ---- public ---------------------------------------------------------------------------
    def answer(self, question: str | Question, passages: list[Passage]) -> Answer:
        """A cited extractive answer, or the fixed refusal when the evidence is too weak."""
        q = as_question(question, passages)
        evidence: dict[str, float] = {}  # per request: the engine is shared between threads
        text = self.compose(q, passages, evidence)
        answer = finalize_answer(q.text, text, passages, engine="extractive")
        answer.evidence = evidence
        answer.confidence = evidence.get("confidence")
        if evidence.get("outcome") == 1.0 and not answer.refused:
            answer.outcome = "hedged"  # its opening words assert nothing: not an unsupported sentence
            answer.unsupported_sentences = [s for s in answer.unsupported_sentences if s not in text[:120]]
        return answer

    def stream(self, question: str | Question, passages: list[Passage]) -> Iterator[str | Answer]:
        """The answer's sentences one by one, then the final :class:`Answer`."""
        answer = self.answer(question, passages)
        pieces = re.findall(r".+?(?:\]\s*|$)", answer.answer) or [answer.answer]
        for piece in pieces:
            if piece:
                yield piece
        yield answer

    def rewrite(self, question: str, history: list[tuple[str, str]]) -> str:
        """A follow-up made standalone without an LLM (:func:`assistant.answer.followup.rewrite_followup`)."""
        return rewrite_followup(question, history)

    # ---- composition ----------------------------------------------------------------------
    def compose(
        self, question: str | Question, passages: list[Passage], evidence_out: dict[str, float] | None = None
    ) -> str:
        """The answer text with ``[n]`` markers (n = passage position + 1), the hedge, or the refusal text.

        ``evidence_out``, when given, receives this call's evidence features, ``confidence`` and ``outcome``
        (2 answered, 1 hedged, 0 refused): nothing is kept on the engine, which threads share.
        """
        q = as_question(question, passages)
        ev: dict[str, float] = {} if evidence_out is None else evidence_out
        draft = self._draft(q, passages, ev) if passages else None
        if draft is None:
            ev.update({"outcome": 0.0, "confidence": 0.0})
            return REFUSAL
        text = self._decide(q, draft.rendered, ev)
        if ev.get("outcome") != 2.0:
            return text
        # decided on the whole composed answer; shown with the fact first (issue 13, assistant.answer.lead)
        return lead_with_fact(q, draft.chosen, draft.first, draft.pool, draft.rendered, self._similarity(q))

    def _decide(self, q: Question, rendered: str, ev: dict[str, float]) -> str:
        """Answer, hedge or refuse: the answerability model when there is one, else the hand-set rule."""
        offset = self.settings.refusal_threshold
        model = load_model(self.settings.answerability_model)
        ev.update(overlap_features(q.text, rendered))
        weak = ev["score"] < THRESHOLD + offset
        unfocused = ev["focus_missing"] > 0 and not offset < -0.5
        if model is None:
            ev["outcome"] = 0.0 if weak or unfocused else 2.0
            return REFUSAL if weak or unfocused else rendered
        p = model.probability(ev)
        outcome = model.outcome(p, q.language, offset, weak, ev["ans_cov"], unfocused, ev.get("ref_hit", 0.0) >= 0.8)
        ev.update({"confidence": p, "outcome": {"answered": 2.0, "hedged": 1.0, "refused": 0.0}[outcome]})
        if outcome == "answered":
            return rendered
        return hedge_text(q.text, rendered, self.settings.prompts_dir) if outcome == "hedged" else REFUSAL

    def _draft(self, q: Question, passages: list[Passage], ev: dict[str, float]) -> _Draft | None:
        """The best answer the passages allow, its features in ``ev``; None when nothing can be quoted."""
        r = _read(q, passages)
        if q.refs and r.named and not any(r.ref_strength) and _numbering_lacks(list(q.refs), passages, r.named):
            # the document numbers its clauses this way but has no such clause ("Article 40" of a 34-article act)
            ev.update({"score": -1.0, "clause_absent": 1.0})
            return None
        focus = self._focus(passages, r.ref_strength, r.named)
        pool = candidates(passages, focus)
        if not pool:
            ev.update({"score": -1.0})
            return None
        scored = self._score(r, passages, pool)
        ev.update(self._evidence(r, passages, focus, scored).as_dict())
        chosen = self._select(scored)
        after = continuation(chosen[0], pool, set(q.terms))
        if after is not None and after not in chosen:
            chosen.insert(1, after)
        rendered = render(chosen, pool)
        # one quoted unit (a sentence with its lead-in or items) must hold what is asked for, in a passage that
        # is about what the question names: a fee "per hectare" elsewhere does not answer "how many hectares in X"
        missing: list[str] = []
        unit = ""
        first = chosen[0]
        for c in chosen:
            p = passages[c.passage_index].chunk
            unit = unit_text(c, pool)
            missing = focus_missing(r.focus, unit, f"{p.doc_id} {p.title} {p.clause} {p.text}", self._similar_word)
            if not missing:
                first = c
                break
        ev["focus_missing"] = float(len(missing))
        ev.update(answer_features(q.text, list(q.terms), scored, chosen, passages, unit or rendered))
        return _Draft(rendered, chosen, first, pool)

    def _score(self, r: _Reading, passages: list[Passage], pool: list[Candidate]) -> list[Candidate]:
        """Score every candidate sentence; returns the embedded pool of the lexically best ones."""
        weights = self._term_weights(list(r.q.terms), set(r.q.numbers), r.names, pool)
        total_w = sum(weights.values()) or 1.0
        best_rank = min(p.rank or i + 1 for i, p in enumerate(passages))
        wants_number = bool(_QUANTITY.search(r.q.text))
        context = [set(tokenize(f"{p.chunk.title} {p.chunk.clause}")) for p in passages]
        targets = Focus(targets=r.focus.targets)
        for c in pool:
            toks = set(tokenize(c.span.text))
            if targets.targets and not focus_missing(targets, c.span.text, ""):
                c.score += 0.15  # the sentence names what is asked for ("which soil horizons …")
            prefixes = {t[:5] for t in toks if len(t) >= 5}
            ctx = context[c.passage_index] | set(tokenize(c.header)) if c.header else context[c.passage_index]
            # a term in the passage's title or clause heading counts half: it places the sentence, not the fact
            lex = sum(
                w if covered(t, toks, prefixes, c.span.text) else (0.5 * w if t in ctx else 0.0)
                for t, w in weights.items()
            )
            c.lex = lex = lex / total_w if weights else 0.0
            p = passages[c.passage_index]
            rank = (p.rank or c.passage_index + 1) - best_rank + 1
            c.score += 0.45 * lex + 0.1 / math.sqrt(rank)
            if wants_number and HAS_NUMBER.search(c.span.text):
                c.score += 0.1
            strength = r.ref_strength[c.passage_index]
            if strength:
                # the named clause itself: its opening sentences state what it requires
                c.score += 0.35 * strength + (0.1 if c.order == 0 else 0.0)
        # embedding is most of the cost of an answer: only the lexically best sentences are embedded
        best = sorted(pool, key=lambda c: (-c.score, c.passage_index, c.order))[:EMBED_POOL]
        q_vec = self._embed([r.q.text])[0]
        cos = self._embed([f"{c.header}: {c.span.text}" if c.header else c.span.text for c in best]) @ q_vec
        for c, cs in zip(best, cos, strict=True):
            c.cos = float(cs)
            c.score += 0.5 * c.cos
        return best

    @staticmethod
    def _focus(passages: list[Passage], ref_strength: list[float], named: set[str]) -> list[int]:
        """Passages an answer may quote: the clause the question names, else the documents it names, else all."""
        best = max(ref_strength)
        if best >= 0.8:
            return [i for i, s in enumerate(ref_strength) if s == best]
        in_named = [i for i, p in enumerate(passages) if p.chunk.doc_id in named]
        return in_named or list(range(len(passages)))

    @staticmethod
    def _term_weights(
        terms: list[str], nums: set[str], names: list[str], candidates: list[Candidate]
    ) -> dict[str, float]:
        """Rare terms count more (idf over the candidates); numbers ×2, names ×1.5."""
        n = len(candidates)
        token_sets = [set(tokenize(c.span.text)) for c in candidates]
        weights: dict[str, float] = {}
        for t in dict.fromkeys([*terms, *sorted(nums)]):
            df = sum(1 for s, c in zip(token_sets, candidates, strict=True) if t in s or t in c.span.text)
            w = 1.0 + math.log((n + 1) / (df + 1))
            if t in nums:
                w *= 2.0
            elif t in names:
                w *= 1.5
            weights[t] = w
        return weights

    def _evidence(self, r: _Reading, passages: list[Passage], focus: list[int], pool: list[Candidate]) -> Evidence:
        terms, nums, q = list(r.q.terms), r.q.numbers, r.q
        top = [passages[i] for i in focus]
        weights = idf_weights(terms, [p.chunk.text for p in passages])
        covs = [coverage(terms, p.chunk.text, weights) for p in top]
        best = max(range(len(top)), key=lambda i: covs[i])
        all_text = "\n".join(f"{p.chunk.title} {p.chunk.clause} {p.chunk.text}" for p in passages)
        nums_text = set(tokenize(top[best].chunk.text))
        titled = [f"{p.chunk.title}\n{p.chunk.text}" for p in top]  # a title names the case, act or topic asked
        t_covs = [coverage(terms, t, weights) for t in titled]
        t_best = max(range(len(top)), key=lambda i: t_covs[i])
        t_nums = set(tokenize(titled[t_best]))
        ref_hit = max(r.ref_strength) if r.ref_strength else 0.0
        return Evidence(
            best_cos=max(c.cos for c in pool),
            coverage=covs[best] if terms else 0.5,
            numbers_ok=1.0 if not nums else sum(n in nums_text for n in nums) / len(nums),
            names_ok=coverage(r.names, all_text) if r.names else 1.0,
            ref_hit=ref_hit,
            has_terms=bool(terms),
            cross_lingual=ref_hit >= 0.8 and q.chinese != has_cjk(top[best].chunk.text),
            ref_missing=bool(q.refs) and ref_hit == 0.0,
            chinese=q.chinese,
            title_coverage=t_covs[t_best] if terms else 0.5,
            title_numbers_ok=1.0 if not nums else sum(n in t_nums for n in nums) / len(nums),
            names_title=max(title_share(set(tokenize(q.text)), p.chunk.title) for p in passages) >= NAMES_TITLE,
        )

    def _select(self, candidates: list[Candidate]) -> list[Candidate]:
        ranked = sorted(candidates, key=lambda c: (-c.score, c.passage_index, c.order))
        best = ranked[0].score
        chosen: list[Candidate] = []
        seen: list[set[str]] = []
        for c in ranked:
            if len(chosen) >= self.settings.max_answer_sentences or c.score < best - 0.2:
                break
            toks = set(tokenize(c.span.text))
            if any(toks and len(toks & s) / len(toks | s) >= 0.7 for s in seen):
                continue
            chosen.append(c)
            seen.append(toks)
        return chosen

    def _similarity(self, q: Question) -> Callable[[list[str]], list[float]]:
        """Cosine of each text with the question (the embeddings cache serves repeats)."""

        def similarity(texts: list[str]) -> list[float]:
            vecs = self._embed([q.text, *texts])
            return [float(v) for v in vecs[1:] @ vecs[0]]

        return similarity

    def _similar_word(self, word: str, text: str) -> bool:
        """Whether ``text`` has a word close in meaning to ``word`` (cosine of the single-word embeddings)."""
        words = list(dict.fromkeys(w.lower() for w in re.findall(r"[A-Za-z]{3,}", text)))
        words = [w for w in words if tokenize(w)]  # content words only
        if not words:
            return False
        vecs = self._embed([word, *words])
        return float(np.max(vecs[1:] @ vecs[0])) >= TARGET_SIMILARITY

    def _embed(self, texts: list[str]) -> np.ndarray:
        keys = [hashlib.blake2b(t.encode(), digest_size=16).digest() for t in texts]
        # a local view: another thread may clear the shared cache between these lines
        found = {k: v for k in keys if (v := self._cache.get(k)) is not None}
        missing = [i for i, k in enumerate(keys) if k not in found]
        if missing:
            vecs = self.embedder.embed_documents([texts[i] for i in missing])
            if len(self._cache) + len(missing) > CACHE_SIZE:
                self._cache.clear()
            for i, v in zip(missing, vecs, strict=True):
                found[keys[i]] = self._cache[keys[i]] = np.asarray(v, dtype=np.float32)
        return np.stack([found[k] for k in keys]) if keys else np.zeros((0, 1), dtype=np.float32)
